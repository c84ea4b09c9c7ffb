"""Check the registered claims against SymPy and simulation (the main job of ``python -m verify``).

Every statistical check of every claim enters one Holm family at the family-wise false-alarm
rate ``--alpha``. Simulations run as tasks of one seed block on one executor (``--workers``,
``--dask``) and are kept in ``--run-dir`` (default ``OUT.run/``, next to the report folder), so
rerunning the same command reuses finished tasks. The report replaces only its own files in
``--out`` (``verify.outputs``). Exit codes: 0 every claim had its expected outcome, 1 some claim
failed (or a known-false claim passed), 2 usage error (nothing computed), 3 some claim
inconclusive and nothing failed, 4 I/O error during the run (the previous report is kept),
130 interrupted (143 on SIGTERM; finished tasks are kept).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

from verify.commands.execution import (add_execution_arguments, integer_at_least, open_execution,
                                       reuse_text)
from verify.exitcodes import interrupted, usage_error
from verify.outputs import OutputError, claim_files, io_error


# Two seed blocks of numeric.TRIAL_BLOCK trials: the fewest a check starts from (the Context's
# own rule; a test pins the two together). Not imported: --help must not load NumPy.
MIN_TRIALS = 32


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
    parser.add_argument("--trials-budget", type=integer_at_least("--trials-budget", MIN_TRIALS),
                        default=None, help="maximum Monte Carlo trials per configuration "
                                           "(adaptive increase stops there)")
    parser.add_argument("--trials", type=integer_at_least("--trials", MIN_TRIALS), default=None,
                        help=f"initial trials per configuration (at least {MIN_TRIALS})")
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
    return usage_error("python -m verify", message)


def select_claims(args):
    """The claims the arguments select (``ValueError`` with a message on bad selections)."""
    from verify.claims import load_claims_file, select
    from verify.claimsets import registry

    user = []
    for path in args.claims_file:
        user += load_claims_file(path)
    if user and not (args.with_builtin or args.claims or args.only):
        pool = user       # the built-in set is not even loaded (1-2 s of a 10-claim file's run)
    else:
        pool = registry() + user
    return select(pool, only=args.only, patterns=args.claims)


def _announce(args) -> None:
    """One line on stderr before the heavy imports (SymPy, the theory, the claim sets and their
    compiled formulas take seconds to load): what runs and where its report goes."""
    what = ("claims file(s) " + ", ".join(args.claims_file)) if args.claims_file else "the registered claims"
    print(f"python -m verify: checking {what} ({'quick' if args.quick else 'default'} run, seed "
          f"{args.seed}, family-wise alpha {args.alpha:g}); report -> {os.path.abspath(args.out)}; "
          "loading the theory and the claims ...", file=sys.stderr, flush=True)


def run(args) -> int:
    t0 = time.monotonic()
    if not (args.no_progress or args.list):
        _announce(args)
    # deliberate: imported after the announcement, as they load the theory and NumPy
    from verify.context import Context
    from verify.plots import figures
    from verify.report import print_summary, write_outputs
    from verify.runner import run_claims

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
    run_dir = os.path.abspath(args.run_dir) if args.run_dir else out + ".run"
    from numeric.executors import ProcessExecutor, using
    from verify.report import REPORT_FILES

    try:
        # Before any computation: the report may replace only its own files, both folders
        # must be writable, --fresh deletes only the run's task files; the run store refuses
        # a tasks/store.sqlite that is not a run's.
        claim_files(out, "check", REPORT_FILES)
        executor, store = open_execution(args, run_dir)
    except (ValueError, ImportError, RuntimeError, OSError) as exc:
        return _usage(str(exc))
    before = len(store)                 # finished tasks from earlier runs (reuse_text)
    try:
        with executor, using(executor, store, args.device):
            # A local pool runs whole claims in parallel (a claim's own simulations are small
            # and sequential); Dask and serial execution take the claims' tasks one by one.
            claim_workers = executor.workers if isinstance(executor, ProcessExecutor) else 1
            # The figures do not depend on the claims' outcomes: with workers they are drawn
            # in the pool while the claims run, not after them on one core.
            job = None if args.no_plots else figures
            result = run_claims(claims, ctx, shrink=not args.no_shrink, progress=not args.no_progress,
                                workers=claim_workers, alongside=job,
                                waiting="plots: the claims are done; a worker is still drawing the figures")
            drawn = result.alongside
    except KeyboardInterrupt:
        return interrupted("python -m verify", f"finished simulation tasks are kept in {run_dir}")
    except OSError as exc:
        return io_error(exc, f"running the checks (run folder {run_dir}); no report was written")
    ex = executor.totals.to_dict()
    result.settings.setdefault("execution", {}).update(ex)
    try:
        write_outputs(result, out, plots=None if drawn is None else drawn["data"],
                      figures=None if drawn is None else drawn["png"])
    except OutputError as exc:        # someone wrote into --out during the run
        return _usage(str(exc))
    except OSError as exc:
        return io_error(exc, "writing the report; the previous report is kept")
    print_summary(result, out=out, seconds=time.monotonic() - t0)
    print(f"simulation tasks: {ex['tasks']} on executor {ex['executor']} ({ex['workers']} "
          f"worker(s)), {reuse_text(ex['tasks_from_store'], before, run_dir)}, {ex['retries']} re-run "
          "after a worker died")
    return result.exit_code
