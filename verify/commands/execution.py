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


def add_execution_arguments(parser, run_dir_default: str, device: bool = True) -> None:
    """``--workers``, ``--dask``, ``--device``, ``--run-dir`` and ``--fresh``
    (notes/scale-out.md); ``run_dir_default`` names the default run folder in the help;
    ``device=False`` leaves out ``--device`` (a command whose tasks run on the CPU only)."""
    parser.add_argument("--workers", type=integer_at_least("--workers", 0), default=None,
                        help="worker processes (default: CPU count; 0 = run in this process); "
                             "with --dask local, the LocalCluster's size")
    parser.add_argument("--dask", metavar="local|ADDRESS", default=None,
                        help="run the simulation tasks on a Dask cluster: 'local' starts a "
                             "LocalCluster, else a scheduler address such as tcp://host:8786 "
                             '(needs pip install -e ".[distributed]"). The scheduler is trusted '
                             "fully: tasks and results travel pickled, without TLS unless the "
                             "cluster is configured for it")
    if device:
        parser.add_argument("--device", default=None,
                            help="array-API device of the simulation engines (wishart: the "
                                 "labelled Bartlett side; samples: the Gram accumulation): cpu "
                                 "(default), cuda, cuda:K, torch:cpu (see numeric.xp)")
    parser.add_argument("--run-dir", metavar="DIR", default=None,
                        help=f"folder of finished simulation tasks (default: {run_dir_default}); "
                             "rerunning the same command skips the tasks found there")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the finished tasks in the run folder first (only the task "
                             "database the tool wrote there; nothing else)")


def prepare_run_dir(args, run_dir: str) -> None:
    """Check the run folder before any computation and honour ``--fresh``.

    The folder must be writable (:func:`verify.outputs.check_writable`); ``--fresh`` deletes
    only the task database (and older task files) a run wrote there
    (:func:`numeric.store.clear`), nothing else.

    Raises
    ------
    ValueError
        A usage error naming ``--run-dir`` (exit code 2).
    """
    from numeric import store
    from verify.outputs import check_writable

    check_writable(run_dir, "--run-dir")
    if args.fresh:
        try:
            store.clear(run_dir)
        except OSError as exc:
            raise ValueError(f"--run-dir {run_dir!r}: --fresh could not delete the tasks: "
                             f"{exc.strerror or exc}") from None


def open_execution(args, run_dir: str):
    """The executor and run folder of a command from its execution options.

    Checks ``--device`` (a library must serve it), checks the run folder and honours
    ``--fresh`` (:func:`prepare_run_dir`) and builds the executor (:func:`numeric.executors.make_executor`):
    ``--dask`` wins; else ``--workers`` (default: the CPUs of the process; 0 = in this process).

    Returns
    -------
    (numeric.executors.Executor, numeric.store.RunStore)
        The caller enters the executor (``with executor:``) so that it is closed.

    Raises
    ------
    ValueError, ImportError, RuntimeError, OSError
        Usage errors, with a message naming the option (a run folder that is a file, a device
        no library serves, ``--dask`` without the extra).
    """
    import os

    from numeric.executors import make_executor
    from numeric.store import RunStore

    if getattr(args, "device", None) is not None:
        from numeric.xp import backend

        backend(args.device)
    prepare_run_dir(args, run_dir)
    executor = make_executor(args.workers, dask=args.dask)
    try:
        return executor, RunStore(run_dir)
    except BaseException:
        executor.close()
        raise


def reuse_text(from_store: int, before: int, run_dir: str) -> str:
    """How many finished tasks a run took from its run folder, said truthfully.

    ``from_store`` counts every task found finished in the store when it was needed, which
    includes tasks this run wrote and then needed again (several claims sharing a simulation);
    ``before`` is how many the folder held when the run started (``len(RunStore)``).
    """
    if not from_store:
        return f"none read back from {run_dir}"
    if not before:
        return (f"{from_store} reused within this run (shared by several checks; {run_dir} "
                f"held no finished task before)")
    return (f"{from_store} read back from {run_dir} (it held {before} finished tasks from "
            f"earlier runs; reuse within this run included)")
