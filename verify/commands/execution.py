"""Command-line options shared by every command that runs simulation tasks."""
from __future__ import annotations

import argparse


def integer_at_least(name: str, minimum: int):
    """argparse type: an integer >= ``minimum``, with a message naming the option."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be an integer >= {minimum}, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"{name} must be an integer >= {minimum}, got {v}")
        return v
    return parse


def add_execution_arguments(parser, run_dir_default: str) -> None:
    """``--workers``, ``--dask``, ``--device``, ``--run-dir`` and ``--fresh``
    (notes/scale-out.md); ``run_dir_default`` names the default run folder in the help."""
    parser.add_argument("--workers", type=integer_at_least("--workers", 0), default=None,
                        help="worker processes (default: CPU count; 0 = run in this process); "
                             "with --dask local, the LocalCluster's size")
    parser.add_argument("--dask", metavar="local|ADDRESS", default=None,
                        help="run the simulation tasks on a Dask cluster: 'local' starts a "
                             "LocalCluster, else a scheduler address such as tcp://host:8786 "
                             '(needs pip install -e ".[distributed]")')
    parser.add_argument("--device", default=None,
                        help="array-API device of the wishart engine: cpu (default), cuda, "
                             "cuda:K, torch:cpu (see numeric.xp)")
    parser.add_argument("--run-dir", metavar="DIR", default=None,
                        help=f"folder of finished simulation tasks (default: {run_dir_default}); "
                             "rerunning the same command skips the tasks found there")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the finished tasks in the run folder first")
