"""Command-line interface of ``python -m verify``.

``python -m verify [OPTIONS]`` runs the main job (the claim checks). A first argument that names
a subcommand (``point``, ``paper``, ``double-descent``, ...) dispatches to
``verify.commands.<name>``, a module exposing ``add_arguments(parser)`` and ``run(args)``, which
returns a :class:`verify.exitcodes.ExitCode`. ``--help`` lists the subcommands and exit statuses;
``--version`` prints the package version; a first word that is not a subcommand is a usage
error naming the subcommands.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from verify.exitcodes import ExitCode, usage_error

# subcommand name -> module under verify.commands
SUBCOMMANDS = {
    "check": "check",
    "point": "point",
    "paper": "paper",
    "double-descent": "double_descent",
    "dims": "dims",
    "features": "features",
}
# One line each for ``--help``; kept here so that the help imports no command (nor NumPy).
SUMMARIES = {
    "check": "check the registered claims (the default when no subcommand is given)",
    "point": "every form of the theory next to a simulation, for one scenario file",
    "paper": "reproduce the paper's synthetic study (paper forms vs exact theory vs simulation)",
    "double-descent": "double descent of W2S in n and in N: exact curves and simulated points",
    "dims": "intrinsic and correlation dimensions of two feature matrices",
    "features": "W2S linear probes on real feature matrices against the theory",
}
PROG = "python -m verify"


def version() -> str:
    """The installed package's version (``w2s-verifier``)."""
    from importlib import metadata   # deliberate: only for --version and --help

    try:
        return metadata.version("w2s-verifier")
    except metadata.PackageNotFoundError:   # running from a source tree that is not installed
        return "unknown (not installed)"


def _epilog() -> str:
    width = max(map(len, SUBCOMMANDS))
    lines = [f"subcommands ({PROG} SUBCOMMAND --help for each one's options):"]
    lines += [f"  {name:<{width}}  {SUMMARIES[name]}" for name in SUBCOMMANDS]
    lines += ["", "exit status: " + ", ".join(f"{int(c)} {c.name.lower().replace('_', ' ')}"
                                              for c in ExitCode)]
    return "\n".join(lines)


def _load(name: str):
    return importlib.import_module(f"verify.commands.{SUBCOMMANDS[name]}")


# The check run simulates many tiny least-squares problems, for which multi-threaded BLAS is
# slower than one thread (and oversubscribes a small machine). Set before NumPy is imported;
# an explicit environment setting wins.
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    name = "check"
    if argv and argv[0] in SUBCOMMANDS:
        name = argv.pop(0)
    elif argv and not argv[0].startswith("-"):
        # The main job takes no positional argument: a first word is a mistyped subcommand.
        return usage_error(PROG, f"{argv[0]!r} is not a subcommand; subcommands: "
                                 f"{', '.join(SUBCOMMANDS)} (see {PROG} --help)")
    if name == "check" and "numpy" not in sys.modules:
        for var in _THREAD_VARS:
            os.environ.setdefault(var, "1")
    try:
        module = _load(name)
    except ModuleNotFoundError as exc:  # a subcommand whose issue has not landed yet
        print(f"verify: subcommand {name!r} is not available ({exc})", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    prog = PROG + ("" if name == "check" else f" {name}")
    top = name == "check"
    parser = argparse.ArgumentParser(
        prog=prog, description=(module.__doc__ or "").strip().splitlines()[0] + (
            f" With no SUBCOMMAND, {PROG} runs this check; the subcommands are listed below."
            if top else ""),
        epilog=_epilog() if top else None, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage=(f"{PROG} [options]                (the check run; options below)\n"
               f"       {PROG} SUBCOMMAND [options]     (SUBCOMMAND: {', '.join(SUBCOMMANDS)})"
               if top else None))
    parser.add_argument("--version", action="version", version=f"w2s-verifier {version()}")
    module.add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return ExitCode(int(exc.code or 0))
    return _run(module, args, prog)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's ``KeyboardInterrupt`` (a subclass of it,
    so that every command's clean-up for an interrupt runs), then exit code 143."""


#: Exit codes of an interrupted command: 128 + the signal number.
EXIT_SIGINT, EXIT_SIGTERM, EXIT_SIGPIPE = (ExitCode.INTERRUPTED, ExitCode.TERMINATED,
                                           ExitCode.BROKEN_PIPE)


_SIGTERM_SEEN = False


def _on_sigterm(signum, frame):
    global _SIGTERM_SEEN
    _SIGTERM_SEEN = True
    raise Terminated()


def _run(module, args, prog) -> int:
    """Run a command with the process-wide outcomes handled in one place: SIGTERM and Ctrl-C
    (exit 143 and 130, no traceback; a command that catches the interrupt itself says what it
    kept), an I/O error (exit 4, ``verify.outputs.EXIT_IO``) and a closed output pipe
    (``| head``: exit 141, like the shell's own tools)."""
    import signal
    import threading

    global _SIGTERM_SEEN
    _SIGTERM_SEEN = False
    # A library caller in another thread keeps its own SIGTERM handling.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        code = module.run(args)
        sys.stdout.flush()          # a reader that went away shows here, not at exit
    except KeyboardInterrupt:
        print(f"{prog}: interrupted{' (SIGTERM)' if _SIGTERM_SEEN else ''}", file=sys.stderr)
        code = EXIT_SIGINT
    except BrokenPipeError:
        return _broken_pipe()
    except OSError as exc:
        from verify.outputs import io_error   # deliberate: only on this path

        return io_error(exc, "running the command", prog)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    if code == EXIT_SIGINT and _SIGTERM_SEEN:
        return EXIT_SIGTERM
    try:
        return ExitCode(int(code))
    except ValueError:      # a number outside the enum: passed through unchanged
        return int(code)


def _broken_pipe() -> int:
    # The reader (head, less) went away: nothing more can be printed. Point stdout at
    # /dev/null so that the interpreter's final flush does not raise again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_SIGPIPE
