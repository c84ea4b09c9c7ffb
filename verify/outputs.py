"""Ownership of output folders: the tool replaces or removes only files it wrote itself.

Every command that writes into a folder records what it wrote in a marker file
``.w2s-verify-<command>.json`` in that folder (``{"tool": "w2s-verifier", "command": ...,
"files": [relative paths]}``). Before any computation a command checks its output folder:

* the main job (:func:`claim_files`) writes a fixed set of names (``report.md``, ``report.json``,
  ``junit.xml``, ``plots/``) next to whatever else the folder holds (the other commands' folders,
  a user's files); it refuses when one of those names exists and its marker does not list it;
* ``paper`` and ``double-descent`` (:func:`claim_folder`) write many files whose names depend on
  the configuration, so their folder must be absent, empty, or marked as theirs (the marker
  then lists no files: the whole folder is theirs, :func:`mark_folder`);
* both probe that the folder can be written (:func:`check_writable`).

A refusal is an :class:`OutputError` (a ``ValueError``: exit code 2, nothing computed or
written). :func:`replace_files` swaps a staged set of files in, one ``os.replace`` per file, and
removes only files that the previous marker lists.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile

from verify.exitcodes import ExitCode

__all__ = ["OutputError", "marker_path", "owned", "check_writable", "claim_files",
           "claim_folder", "mark_folder", "replace_files", "staged", "write_marker", "io_error",
           "EXIT_IO"]

TOOL = "w2s-verifier"


class OutputError(ValueError):
    """An output folder the tool may not (or cannot) write: a usage error (exit code 2)."""


def marker_path(folder, command: str) -> str:
    """Path of ``command``'s marker file in ``folder``."""
    return os.path.join(os.fspath(folder), f".w2s-verify-{command}.json")


def owned(folder, command: str) -> set[str] | None:
    """Relative paths that ``command`` recorded as written in ``folder``; ``None`` when the folder
    holds no readable marker of that command."""
    try:
        with open(marker_path(folder, command), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != TOOL or data.get("command") != command:
        return None
    files = data.get("files", [])
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()


def write_marker(folder, command: str, files) -> None:
    """Record (atomically) that ``command`` wrote ``files`` (relative paths) in ``folder``."""
    # deliberate: the command layer imports this module before --help, which must not load
    # NumPy (numeric.store imports it); only writing a marker needs the atomic write
    from numeric.store import atomic_write_bytes

    data = {"tool": TOOL, "command": command, "files": sorted(set(files))}
    atomic_write_bytes(marker_path(folder, command), json.dumps(data, indent=1).encode())


def check_writable(path, option: str) -> None:
    """Raise :class:`OutputError` unless files can be created in ``path`` (or, if it does not
    exist yet, in its nearest existing ancestor, where it would be created).

    The probe writes and removes a 4 KiB temporary file, so a read-only mount, a pseudo file
    system such as ``/proc`` or a full disk is reported before any computation.
    """
    full = os.path.abspath(os.fspath(path))
    probe_dir = full
    while not os.path.lexists(probe_dir):
        probe_dir = os.path.dirname(probe_dir)
    if not os.path.isdir(probe_dir):
        where = "exists and is not a directory" if probe_dir == full else \
            f"cannot be created: {probe_dir!r} is not a directory"
        raise OutputError(f"{option} {os.fspath(path)!r} {where}")
    try:
        fd, tmp = tempfile.mkstemp(dir=probe_dir, prefix=".w2s-verify-probe-")
    except OSError as exc:
        raise OutputError(f"{option} {os.fspath(path)!r} is not writable ({probe_dir}: "
                          f"{exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OutputError(f"{option} {os.fspath(path)!r} is not writable ({probe_dir}: "
                          f"{exc.strerror or exc})") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _foreign(option, path, name, command, hint) -> OutputError:
    return OutputError(
        f"{option} {os.fspath(path)!r}: {name!r} exists and was not written by `python -m verify"
        f"{'' if command == 'check' else ' ' + command}`; refusing to replace it (nothing was "
        f"computed or written). {hint}")


_HINT = ("Move it away or choose another folder (a report of a w2s-verifier from before these "
         "markers is not recognised either: remove it yourself).")


def claim_files(folder, command: str, names, option: str = "--out") -> None:
    """Check, before any computation, that ``command`` may write the top-level entries ``names``
    in ``folder``: each is absent or recorded in the command's marker. Also checks writability.

    Raises
    ------
    OutputError
        Naming the option, the folder and the first entry the tool did not write.
    """
    check_writable(folder, option)
    if not os.path.isdir(folder):
        return
    mine = owned(folder, command) or set()
    tops = {p.split("/", 1)[0] for p in mine}
    for name in names:
        p = os.path.join(folder, name)
        if os.path.lexists(p) and name not in tops:
            raise _foreign(option, folder, name, command, _HINT)
        if os.path.isdir(p) and not os.path.islink(p):
            for dirpath, _, files in os.walk(p):
                for f in files:
                    rel = os.path.relpath(os.path.join(dirpath, f), folder).replace(os.sep, "/")
                    if rel not in mine:
                        raise _foreign(option, folder, rel, command, _HINT)


def claim_folder(folder, command: str, option: str = "--out") -> None:
    """Check, before any computation, that ``command`` may write into ``folder``: absent, empty
    or marked as its own (:func:`mark_folder`); and writable.

    Raises
    ------
    OutputError
        When the folder holds anything and no marker of ``command``, or is not writable.
    """
    check_writable(folder, option)
    if os.path.isdir(folder) and owned(folder, command) is None:
        entries = sorted(os.listdir(folder))
        if entries:
            raise _foreign(option, folder, entries[0], command,
                           "Its output folder must be empty or one it wrote before; choose "
                           "another folder.")


def mark_folder(folder, command: str) -> None:
    """Create ``folder`` if needed and mark it as ``command``'s (whose outputs are the whole
    folder), once the arguments are checked and before the computation, so that an interrupted
    run can resume there."""
    os.makedirs(folder, exist_ok=True)
    if owned(folder, command) is None:
        write_marker(folder, command, [])


def replace_files(folder, command: str, stage: str, files, remove_stale: bool = True) -> None:
    """Move the staged ``files`` (relative paths under ``stage``) into ``folder``, one atomic
    ``os.replace`` each, and remove the files of the previous run of ``command`` (its marker)
    that the new set lacks (unless ``remove_stale`` is false: a command with several modes
    writing different files, whose marker then keeps listing all). Nothing else in ``folder``
    is touched.

    The marker first lists the union of old and new files (a crash during the swap leaves no
    file of ours unlisted), then exactly the new ones.
    """
    files = sorted(set(files))
    os.makedirs(folder, exist_ok=True)
    old = owned(folder, command) or set()
    write_marker(folder, command, old | set(files))
    for rel in files:
        dst = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(os.path.join(stage, rel), dst)
    if not remove_stale:
        return
    for rel in sorted(old - set(files)):
        p = os.path.join(folder, rel)
        if os.path.isfile(p) and not os.path.islink(p):
            os.unlink(p)
        parent = os.path.dirname(p)
        # A folder of ours (plots/) goes once it is empty; one holding anything else stays.
        if os.path.abspath(parent) != os.path.abspath(folder):
            try:
                os.rmdir(parent)
            except OSError:
                pass
    write_marker(folder, command, files)


@contextlib.contextmanager
def staged(folder, command: str, remove_stale: bool = True):
    """Write a command's report files into a fresh staging folder, then swap them in.

    Yields the staging folder (``<folder>/.w2s-verify-stage-<random>``, on the same file system
    so that each move is an atomic rename). When the block ends normally every file written
    there replaces its namesake in ``folder`` (:func:`replace_files`: old files of the command
    that the new set lacks are removed, nothing else); when it raises (an error, Ctrl-C, a full
    disk) nothing in ``folder`` changes: the previous report stays whole. The staging folder,
    ours, is removed either way. ``remove_stale``: as :func:`replace_files`.
    """
    os.makedirs(folder, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".w2s-verify-stage-", dir=folder)
    try:
        yield stage
        files = []
        for dirpath, _, names in os.walk(stage):
            for f in names:
                rel = os.path.relpath(os.path.join(dirpath, f), stage)
                files.append(rel.replace(os.sep, "/"))
        replace_files(folder, command, stage, files, remove_stale)
    finally:
        shutil.rmtree(stage, ignore_errors=True)     # our own staging folder


#: Exit code of a run stopped by an I/O error (a full disk, a folder gone read-only): not a
#: claim outcome (0, 1, 3) nor a usage error (2).
EXIT_IO = ExitCode.IO_ERROR


def io_error(exc: OSError, doing: str, prog: str = "python -m verify") -> int:
    """Report an I/O error on stderr (no traceback) and return :data:`EXIT_IO`."""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    print(f"{prog}: I/O error while {doing}: {exc.strerror or exc}{where}", file=sys.stderr)
    return EXIT_IO
