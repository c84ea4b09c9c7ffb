"""Reproduce the paper's synthetic study: paper forms vs exact theory vs simulation.

Usage: ``python -m verify paper [--out DIR] [--engine wishart|samples] [--trials T]
[--config FILE] [--set section.key=value ...] [--quick] [--seed S] [--workers W]
[--dask local|ADDRESS] [--device cuda] [--run-dir DIR] [--fresh]``.

Finished simulation tasks are kept in the run folder (default ``OUT/run/``): rerunning the same
command (after an interrupt, say) runs only the tasks that are missing.

The defaults are the saved configuration ``configs/paper.toml`` (the authors' parameters).
Exit status: 0 the study ran and the simulation agrees with the exact theory at every point
(Holm at the configured alpha); 1 some point disagrees; 2 usage error.
"""
from __future__ import annotations

import os

from verify.commands.execution import add_execution_arguments, open_execution, reuse_text
from verify.exitcodes import interrupted, usage_error
from verify.outputs import claim_folder, mark_folder, staged


def add_arguments(parser):
    parser.add_argument("--out", default="verify-report/paper", metavar="DIR",
                        help="output folder (default: verify-report/paper)")
    parser.add_argument("--config", metavar="FILE",
                        help="TOML configuration (a path, or the name of one in configs/)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE",
                        help="override one value (TOML syntax), e.g. grid.d_sw=[90,10]; repeatable")
    parser.add_argument("--engine", choices=("wishart", "samples"), help="simulation engine")
    parser.add_argument("--trials", type=int, help="Monte Carlo trials per grid point")
    parser.add_argument("--seed", type=int, help="root seed")
    parser.add_argument("--quick", action="store_true",
                        help="CI-sized run: apply the configuration's [quick] overrides")
    add_execution_arguments(parser, "OUT/run")


def run(args) -> int:
    from verify.paper.config import load_config

    overrides = list(args.overrides)
    for key, value in (("study.engine", args.engine), ("study.trials", args.trials),
                       ("study.seed", args.seed)):
        if value is not None:
            overrides.append((key, value))
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    try:
        config = load_config(args.config, overrides, quick=args.quick)
        if args.device is not None:
            from numeric.xp import backend

            backend(args.device)
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise ValueError(f"--out {args.out!r} exists and is not a directory")
    except (ValueError, ImportError, RuntimeError) as exc:
        return usage_error("verify paper", str(exc))
    from verify.paper.study import run_study

    run_dir = args.run_dir or os.path.join(args.out, "run")
    try:
        # Before any computation: --out is empty or this command's, --fresh deletes only the
        # run's task files, the run store refuses a tasks/store.sqlite that is not a run's.
        claim_folder(args.out, "paper")
        executor, store = open_execution(args, run_dir)
    except (ValueError, ImportError, RuntimeError, OSError) as exc:
        return usage_error("verify paper", str(exc))
    before = len(store)                 # finished tasks from earlier runs (reuse_text)
    try:
        with executor:
            mark_folder(args.out, "paper")
            # The report's files are written into a staging folder and swapped in only when
            # all are written: a failed run leaves the previous report whole.
            with staged(args.out, "paper") as stage:
                outcome = run_study(config, stage, workers=workers, progress=True,
                                    executor=executor, store=store, device=args.device)
    except KeyboardInterrupt:
        return interrupted("verify paper", f"finished tasks are kept in {run_dir}")
    ex = outcome.findings["sim_vs_exact"]
    run = outcome.execution
    print(f"paper study: {outcome.findings['points']} grid points, {config.trials} trials each, "
          f"engine {config.engine}, {run['executor']} executor, {run['workers']} worker(s): "
          f"{outcome.wall_s:.1f} s wall, {outcome.timings.get('cpu_s', float('nan')):.1f} s CPU")
    print(f"tasks: {run['tasks']} ({reuse_text(run['tasks_from_store'], before, run_dir)}, "
          f"{run['tasks_run']} run, {run['retries']} re-run after a worker died)")
    print(f"simulation vs exact theory: {ex['rejected']} of {ex['tests']} tests rejected "
          f"(Holm, alpha={config.alpha})")
    for q, b in outcome.findings["bounds"].items():
        print(f"paper {q.upper()} lower bound fails against the exact {q.upper()} at "
              f"{b['grid_fail']} of {b['grid_defined']} grid points")
    print(f"report: {os.path.join(args.out, 'report.md')}")
    return outcome.exit_code
