"""Command-line interface of ``python -m verify``.

``python -m verify [OPTIONS]`` runs the main job (the claim checks). A first argument that names
a subcommand (``point``, ``paper``, ``double-descent``, ...) dispatches to
``verify.commands.<name>``, a module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

# subcommand name -> module under verify.commands
SUBCOMMANDS = {
    "check": "check",
    "point": "point",
    "paper": "paper",
    "double-descent": "double_descent",
    "dims": "dims",
    "features": "features",
}


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
    if name == "check" and "numpy" not in sys.modules:
        for var in _THREAD_VARS:
            os.environ.setdefault(var, "1")
    try:
        module = _load(name)
    except ModuleNotFoundError as exc:  # a subcommand whose issue has not landed yet
        print(f"verify: subcommand {name!r} is not available ({exc})", file=sys.stderr)
        return 2
    prog = "python -m verify" + ("" if name == "check" else f" {name}")
    parser = argparse.ArgumentParser(prog=prog, description=(module.__doc__ or "").strip().splitlines()[0])
    module.add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    return int(module.run(args))
