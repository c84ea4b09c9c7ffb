"""Entry point for ``python -m verify``.

Interrupts end the process quietly with 128 + the signal number (130 Ctrl-C, 143 SIGTERM),
also while the command is still importing (no ``KeyboardInterrupt`` traceback). Only the first
~50 ms of interpreter start-up, before this file runs, are not covered.
"""
import ctypes
import os
import signal
import sys

_INTERRUPTED = (130, 143)


def _forget_handled_interrupt() -> None:
    """Clear CPython's "unhandled KeyboardInterrupt" flag.

    A ``KeyboardInterrupt`` raised inside code that an extension module runs through
    ``PyRun_String`` (Cython modules of SciPy do, while being imported) sets that flag, and
    nothing clears it when the exception is then caught: the interpreter would end by killing
    itself with SIGINT (exit status -2) instead of exiting with our 130. Running one statement
    through the same C entry point resets it.
    """
    try:
        ctypes.pythonapi.PyRun_SimpleString(b"pass")
    except (ImportError, AttributeError, OSError):
        pass


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


# Until the command installs its own handler (verify.cli), SIGTERM ends the process as an
# interrupted run would.
signal.signal(signal.SIGTERM, lambda signum, frame: _exit_now(143))
try:
    from verify.cli import main

    _code = int(main())
except KeyboardInterrupt:                   # during the imports, before the command runs
    print("python -m verify: interrupted", file=sys.stderr)
    _code = 130
if _code in _INTERRUPTED:
    _forget_handled_interrupt()
sys.exit(_code)
