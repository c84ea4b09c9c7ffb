"""Resumable run folders: one atomically written ``.npz`` per finished task, plus a manifest.

A task is one seed block of one scenario (see :mod:`numeric.executors`). Its identity is the
SHA-256 of ``(scenario, block seed = root seed + block index, trials, engine, code version)``
(:func:`task_key`); its result is stored as ``tasks/<key>.npz``. The ``.npz`` is written to a
temporary file in the same folder and moved into place with :func:`os.replace`, so a file that
exists is complete: an interrupted run loses at most the tasks in flight, and rerunning the same
command finds the finished tasks and skips them.

``manifest.json`` (also replaced atomically) lists what each key stands for, for people and
tools reading the folder; the ``.npz`` files alone decide what is finished, so a manifest that
lags behind a killed run costs nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

import numpy as np

__all__ = ["RunStore", "task_key", "scenario_digest", "package_version", "atomic_write_bytes",
           "clear", "check_folder"]

_MANIFEST = "manifest.json"
_TASKS = "tasks"
_FLUSH_SECONDS = 2.0


_VERSION = None


def package_version() -> str:
    """``<w2s-verifier version>+src.<hash>``: the installed version and a SHA-256 prefix of the
    ``numeric`` package's source files.

    The source hash is there because an editable install keeps its version number while the
    code changes: a task stored by other engine code must not be taken for this code's.
    """
    global _VERSION
    if _VERSION is None:
        import importlib.metadata as md

        try:
            v = md.version("w2s-verifier")
        except md.PackageNotFoundError:
            v = "unknown"
        root = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for dirpath, dirnames, files in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(dirpath, f)
                    h.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as fh:
                        h.update(fh.read())
        _VERSION = f"{v}+src.{h.hexdigest()[:12]}"
    return _VERSION


def scenario_digest(scenario) -> str:
    """SHA-256 of everything that determines a scenario's simulated risks.

    The bases and target enter through their exact bytes, the scalars through ``float.hex``,
    so two scenarios share a digest iff they are equal (:meth:`Scenario.__eq__`). The geometry
    part is cached in the scenario's per-geometry cache, which :meth:`Scenario.replace` shares
    between scenarios with the same bases.
    """
    cache = getattr(scenario, "_cache", None)
    geo = None if cache is None else cache.get(("store-digest",))
    if geo is None:
        h = hashlib.sha256()
        for a in (scenario.V_s, scenario.V_w, scenario.theta):
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(repr(a.shape).encode())
            h.update(a.tobytes())
        h.update(b"canonical" if scenario.is_canonical else b"explicit")
        geo = h.hexdigest()
        if cache is not None:
            cache[("store-digest",)] = geo
    tail = json.dumps([geo, scenario.d_s, scenario.d_w, scenario.n, scenario.N,
                       float(scenario.sigma2).hex(), scenario.features, scenario.noise])
    return hashlib.sha256(tail.encode()).hexdigest()


def task_key(scenario_hash: str, block_seed, trials: int, engine: str,
             version: str | None = None, device: str | None = None) -> str:
    """Store key of one task: SHA-256 (hex) of its identity, JSON-encoded.

    ``block_seed`` is the block's ``SeedSequence`` (``child(root, b)``): its entropy and spawn
    key name the run's root seed and the block index together. ``device`` enters only when it
    is not the CPU (a device run differs from the CPU's by rounding).
    """
    ident = {"scenario": scenario_hash, "entropy": _jsonable(block_seed.entropy),
             "spawn_key": [int(k) for k in block_seed.spawn_key], "trials": int(trials),
             "engine": engine, "version": package_version() if version is None else version}
    if device not in (None, "cpu"):
        ident["device"] = str(device)
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def _jsonable(entropy):
    if isinstance(entropy, (list, tuple, np.ndarray)):
        return [int(e) for e in entropy]
    return int(entropy)


def atomic_write_bytes(path: str, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + ``os.replace``).

    ``durable`` also fsyncs the data before the rename (survives a power loss, not only a killed
    process); task files skip it, since a lost task is simply run again.
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class RunStore:
    """Folder of finished tasks of a run.

    Parameters
    ----------
    folder : str or os.PathLike
        Created if missing. Several runs may share a folder: keys never collide between
        different tasks.

    Notes
    -----
    Only the driver process writes (workers return results to it), so no locking is needed.
    """

    def __init__(self, folder, *, write_manifest: bool = True):
        if folder is None or str(folder) == "":
            raise ValueError("folder must be a non-empty path")
        self.folder = os.path.abspath(os.fspath(folder))
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            raise ValueError(f"folder {self.folder!r} exists and is not a directory")
        check_folder(self.folder)
        self._tasks = os.path.join(self.folder, _TASKS)
        os.makedirs(self._tasks, exist_ok=True)
        self._manifest = self._read_manifest()
        self._new: dict = {}
        self._write_manifest = bool(write_manifest)
        self._dirty = False
        self._last_flush = time.monotonic()

    def _path(self, key: str) -> str:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"key must be a 64-digit lower-case hex SHA-256, got {key!r}")
        return os.path.join(self._tasks, key + ".npz")

    def _read_manifest(self) -> dict:
        path = os.path.join(self.folder, _MANIFEST)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}          # unreadable manifest: the .npz files are the source of truth
        return dict(data.get("tasks", {}))

    def __contains__(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def get(self, key: str) -> dict | None:
        """Per-trial arrays of a finished task, or ``None`` if it is not in the store (or its
        file is unreadable, e.g. truncated by a power loss: the task is then run again)."""
        import zipfile

        path = self._path(key)
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: np.array(z[k]) for k in z.files}
        except FileNotFoundError:
            return None
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            return None

    def put(self, key: str, per_trial: dict, meta: dict | None = None) -> None:
        """Store a finished task atomically; ``meta`` (JSON-serialisable) goes into the manifest."""
        import io

        buf = io.BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in per_trial.items()})
        atomic_write_bytes(self._path(key), buf.getvalue(), durable=False)
        self._manifest[key] = self._new[key] = dict(meta or {})
        self._dirty = True
        if time.monotonic() - self._last_flush > _FLUSH_SECONDS:
            self.flush()

    def keys(self) -> list[str]:
        """Keys of the finished tasks (from the files, not the manifest)."""
        return sorted(f[:-4] for f in os.listdir(self._tasks)
                      if f.endswith(".npz") and not f.startswith(".tmp-"))

    def flush(self) -> None:
        """Rewrite ``manifest.json`` atomically if anything changed since the last flush."""
        if not self._dirty or not self._write_manifest:
            return
        data = {"format": 1, "tasks": self._manifest}
        atomic_write_bytes(os.path.join(self.folder, _MANIFEST),
                           json.dumps(data, indent=1, sort_keys=True).encode())
        self._dirty = False
        self._last_flush = time.monotonic()

    def manifest(self) -> dict:
        """Key to metadata of the tasks stored through this object or found in the manifest."""
        return dict(self._manifest)

    def new_entries(self) -> dict:
        """Manifest entries of the tasks stored through this object."""
        return dict(self._new)

    def merge(self, entries: dict) -> None:
        """Add manifest entries of tasks another process stored in this folder (a helper
        process built with ``write_manifest=False`` hands its :meth:`new_entries` back, so that
        only one process ever rewrites ``manifest.json``)."""
        if entries:
            self._manifest.update(entries)
            self._dirty = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.flush()
        return False


# --- what a run folder holds of ours (the tool deletes only these; issue 15) ---------------

def _is_task_file(name: str) -> bool:
    if name.startswith(".tmp-"):            # a task file being written when a process died
        return name.endswith(".npz")
    return (len(name) == 68 and name.endswith(".npz")
            and all(c in "0123456789abcdef" for c in name[:64]))


def _own_manifest(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format" in data and isinstance(data.get("tasks"), dict)


def _has_tasks(folder: str) -> bool:
    try:
        return any(_is_task_file(f) for f in os.listdir(os.path.join(folder, _TASKS)))
    except OSError:
        return False


def _damaged(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f)
    except ValueError:
        return True
    except OSError:
        return False
    return False


def check_folder(folder) -> None:
    """Raise ``ValueError`` if ``folder`` holds a ``manifest.json`` that is not a run manifest
    (a run would overwrite someone else's file), or a ``tasks`` that is not a folder.

    A manifest that is not even JSON next to task files is taken for a damaged one of ours
    (it is rewritten; the task files are the source of truth); JSON of another shape, or
    anything without task files, is someone else's."""
    folder = os.fspath(folder)
    man = os.path.join(folder, _MANIFEST)
    if os.path.lexists(man) and not _own_manifest(man) and not (
            _damaged(man) and _has_tasks(folder)):
        raise ValueError(f"run folder {folder!r} holds a {_MANIFEST} that is not a run manifest of "
                         "this tool; refusing to overwrite it (choose another --run-dir)")
    tasks = os.path.join(folder, _TASKS)
    if os.path.lexists(tasks) and not os.path.isdir(tasks):
        raise ValueError(f"run folder {folder!r}: {tasks!r} exists and is not a folder")


def clear(folder) -> int:
    """Delete the finished tasks of the run folder ``folder`` (``--fresh``): the task files
    ``tasks/<key>.npz`` and their temporary files, and ``manifest.json`` when it is a run
    manifest; then ``tasks/`` if that left it empty. Nothing else is touched. Returns the number
    of files removed."""
    folder = os.fspath(folder)
    check_folder(folder)
    removed = 0
    tasks = os.path.join(folder, _TASKS)
    if os.path.isdir(tasks):
        for name in os.listdir(tasks):
            p = os.path.join(tasks, name)
            if _is_task_file(name) and os.path.isfile(p) and not os.path.islink(p):
                os.unlink(p)
                removed += 1
        try:
            os.rmdir(tasks)
        except OSError:
            pass                        # it holds something else: leave it
    man = os.path.join(folder, _MANIFEST)
    if os.path.isfile(man) and _own_manifest(man):
        os.unlink(man)
        removed += 1
    return removed
