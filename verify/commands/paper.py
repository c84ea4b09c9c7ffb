"""Reproduce the paper's synthetic study: paper forms vs exact theory vs simulation.

Usage: ``python -m verify paper [--out DIR] [--engine wishart|samples] [--trials T]
[--config FILE] [--set section.key=value ...] [--quick] [--seed S] [--workers W]``.

The defaults are the saved configuration ``configs/paper.toml`` (the authors' parameters).
Exit status: 0 the study ran and the simulation agrees with the exact theory at every point
(Holm at the configured alpha); 1 some point disagrees; 2 usage error.
"""
from __future__ import annotations

import os
import sys


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
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: CPU count; 0 = run in this process)")


def run(args) -> int:
    from verify.paper.config import load_config

    overrides = list(args.overrides)
    for key, value in (("study.engine", args.engine), ("study.trials", args.trials),
                       ("study.seed", args.seed)):
        if value is not None:
            overrides.append((key, value))
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    try:
        if workers < 0:
            raise ValueError(f"--workers must be an integer >= 0, got {workers}")
        config = load_config(args.config, overrides, quick=args.quick)
    except ValueError as exc:
        print(f"verify paper: error: {exc}", file=sys.stderr)
        return 2
    from verify.paper.study import run_study

    outcome = run_study(config, args.out, workers=workers, progress=True)
    ex = outcome.findings["sim_vs_exact"]
    print(f"paper study: {outcome.findings['points']} grid points, {config.trials} trials each, "
          f"engine {config.engine}, {workers} worker(s): {outcome.wall_s:.1f} s wall, "
          f"{outcome.timings.get('cpu_s', float('nan')):.1f} s CPU")
    print(f"simulation vs exact theory: {ex['rejected']} of {ex['tests']} tests rejected "
          f"(Holm, alpha={config.alpha})")
    for q, b in outcome.findings["bounds"].items():
        print(f"paper {q.upper()} lower bound fails against the exact {q.upper()} at "
              f"{b['grid_fail']} of {b['grid_defined']} grid points")
    print(f"report: {os.path.join(args.out, 'report.md')}")
    return outcome.exit_code
