"""Check the registered claims against SymPy and simulation (the main job of ``python -m verify``).

Every statistical check of every claim enters one Holm family at the family-wise false-alarm
rate ``--alpha``. Simulations run as tasks of one seed block on one executor (``--workers``,
``--dask``) and are kept in ``--run-dir`` (default ``OUT.run/``, next to the report folder,
which is replaced as a whole at the end), so rerunning the same command reuses finished tasks. Exit codes: 0 every claim had its expected outcome, 1 some claim failed (or a
known-false claim passed), 2 usage error, 3 some claim inconclusive and nothing failed.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

from verify.commands.execution import add_execution_arguments, integer_at_least


def _unit(name):
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number in (0, 1), got {text!r}") from None
        if not (0 < v < 1) or not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must lie in the open interval (0, 1), got {v}")
        return v
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="CI-sized run (under a minute on 2 cores)")
    parser.add_argument("--seed", type=integer_at_least("--seed", 0), default=20250205, help="run seed (default %(default)s)")
    parser.add_argument("--alpha", type=_unit("--alpha"), default=1e-3,
                        help="family-wise false-alarm rate, Holm across all checks (default %(default)s)")
    parser.add_argument("--power", type=_unit("--power"), default=0.8,
                        help="power at which minimum detectable deviations are stated (default %(default)s)")
    parser.add_argument("--trials-budget", type=integer_at_least("--trials-budget", 1), default=None,
                        help="maximum Monte Carlo trials per configuration (adaptive increase stops there)")
    parser.add_argument("--trials", type=integer_at_least("--trials", 1), default=None,
                        help="initial trials per configuration")
    parser.add_argument("--examples", type=integer_at_least("--examples", 1), default=None,
                        help="configurations drawn per expectation claim")
    parser.add_argument("--claims", action="append", default=[], metavar="PATTERN",
                        help="check only claims whose name matches this fnmatch pattern (repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="check only the claim with this exact name (repeatable)")
    parser.add_argument("--claims-file", action="append", default=[], metavar="FILE",
                        help="also load claims from a Python file defining a list CLAIMS (repeatable); "
                             "with --claims-file, built-in claims are checked only if selected by "
                             "--claims/--only or --with-builtin")
    parser.add_argument("--with-builtin", action="store_true",
                        help="with --claims-file, also check all built-in claims")
    parser.add_argument("--out", default="verify-report", metavar="DIR",
                        help="output folder for report.md, report.json, junit.xml, plots/ (default %(default)s)")
    parser.add_argument("--no-plots", action="store_true", help="skip the error plots")
    parser.add_argument("--no-shrink", action="store_true", help="do not shrink failing claims")
    parser.add_argument("--simulation-only", action="store_true",
                        help="turn the symbolic oracle off: expectation claims are decided by simulation "
                             "alone (to measure the simulation's own power)")
    parser.add_argument("--engine", default="auto", choices=("auto", "samples", "wishart"),
                        help="simulation engine (default %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the selected claims and exit")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_execution_arguments(parser, "OUT.run")


def _usage(message: str) -> int:
    print(f"python -m verify: error: {message}", file=sys.stderr)
    return 2


def select_claims(args):
    """The claims the arguments select (``ValueError`` with a message on bad selections)."""
    from verify.claims import load_claims_file, registry, select

    builtin = registry()
    user = []
    for path in args.claims_file:
        user += load_claims_file(path)
    if user and not (args.with_builtin or args.claims or args.only):
        pool = user
    else:
        pool = builtin + user
    return select(pool, only=args.only, patterns=args.claims)


def run(args) -> int:
    from verify.context import Context
    from verify.report import print_summary, write_outputs
    from verify.runner import run_claims

    t0 = time.monotonic()
    try:
        claims = select_claims(args)
        ctx = Context.preset("quick" if args.quick else "default", seed=args.seed, alpha=args.alpha,
                             power=args.power, trials=args.trials, trials_budget=args.trials_budget,
                             examples=args.examples)
        ctx.engine = args.engine
        ctx.oracle = not args.simulation_only
    except ValueError as exc:
        return _usage(str(exc))
    if not claims:
        return _usage("no claims to check")
    if args.list:
        for c in claims:
            print(f"{c.name:45s} {c.kind:12s} expect={c.expect:5s} {c.description}")
        return 0
    out = os.path.abspath(args.out)
    if os.path.exists(out) and not os.path.isdir(out):
        return _usage(f"--out {args.out!r} exists and is not a directory")
    from numeric.executors import ProcessExecutor, make_executor, using
    from numeric.store import RunStore

    try:
        if args.device is not None:
            from numeric.xp import backend

            backend(args.device)
        executor = make_executor(args.workers, dask=args.dask)
    except (ValueError, ImportError, RuntimeError, OSError) as exc:
        return _usage(str(exc))
    run_dir = os.path.abspath(args.run_dir) if args.run_dir else out + ".run"
    if os.path.exists(run_dir) and not os.path.isdir(run_dir):
        return _usage(f"--run-dir {run_dir!r} exists and is not a directory")
    if args.fresh and os.path.isdir(os.path.join(run_dir, "tasks")):
        import shutil

        shutil.rmtree(run_dir)
    try:
        with executor, using(executor, RunStore(run_dir), args.device):
            # A local pool runs whole claims in parallel (a claim's own simulations are small
            # and sequential); Dask and serial execution take the claims' tasks one by one.
            claim_workers = executor.workers if isinstance(executor, ProcessExecutor) else 1
            result = run_claims(claims, ctx, shrink=not args.no_shrink,
                                progress=not args.no_progress, workers=claim_workers)
            plots_spec = None
            if not args.no_plots:
                from verify.plots import plot_suite

                plots_spec = plot_suite(ctx)
    except KeyboardInterrupt:
        print(f"python -m verify: interrupted; finished simulation tasks are kept in {run_dir}: "
              "rerun the same command to go on from there", file=sys.stderr)
        return 130
    ex = executor.totals.to_dict()
    result.settings["execution"] = ex
    write_outputs(result, out, plots=plots_spec)
    print_summary(result, out=out, seconds=time.monotonic() - t0)
    print(f"simulation tasks: {ex['tasks']} on executor {ex['executor']} ({ex['workers']} "
          f"worker(s)), {ex['tasks_from_store']} read back from {run_dir}, {ex['retries']} re-run "
          "after a worker died")
    return result.exit_code
