"""Exit statuses of ``python -m verify`` and its subcommands, and the two messages every command
shares (a usage error, an interrupt).

Like pytest's ``ExitCode``: an :class:`enum.IntEnum`, so a command returns a member and the
process exits with its number.
"""
from __future__ import annotations

import enum
import sys

__all__ = ["ExitCode", "usage_error", "interrupted"]


class ExitCode(enum.IntEnum):
    """Exit status of a command."""

    #: Every check passed (or there was nothing to decide and the command did its job).
    OK = 0
    #: A claim, or the simulation against the theory, failed.
    CLAIM_FAILED = 1
    #: Bad command line or input file: a message naming the parameter and its valid range.
    USAGE_ERROR = 2
    #: Nothing failed, but some check lacked the power to pass.
    INCONCLUSIVE = 3
    #: An I/O error (disk full, permission denied, ...) while reading or writing results.
    IO_ERROR = 4
    #: Ctrl-C (128 + SIGINT).
    INTERRUPTED = 130
    #: The reader of standard output went away, e.g. ``| head`` (128 + SIGPIPE).
    BROKEN_PIPE = 141
    #: SIGTERM (128 + SIGTERM).
    TERMINATED = 143


def usage_error(prog: str, message: str) -> ExitCode:
    """Print ``<prog>: error: <message>`` on stderr (argparse's form) and return
    :attr:`ExitCode.USAGE_ERROR`."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return ExitCode.USAGE_ERROR


def interrupted(prog: str, kept: str = "") -> ExitCode:
    """Print that ``prog`` was interrupted and what it kept (``kept``: e.g. "finished tasks are
    kept in <folder>"), with how to go on; return :attr:`ExitCode.INTERRUPTED`."""
    tail = f"; {kept}: rerun the same command to go on from there" if kept else ""
    print(f"{prog}: interrupted{tail}", file=sys.stderr)
    return ExitCode.INTERRUPTED
