"""Double descent of W2S in n and in N: exact curves, simulated points, thresholds marked.

Usage: ``python -m verify double-descent [--out DIR] [--quick] [--seed S] [--trials T]
[--alpha A] [--workers W] [--dask local|ADDRESS] [--device DEV] [--run-dir DIR] [--fresh]``.

The simulations run as tasks of (point, 16-trial seed block) on one executor (a local process
pool by default, ``--workers 0`` in this process, ``--dask`` a Dask cluster); the numbers are
the same bit for bit whatever runs them. Finished tasks are kept in the run folder (default
``OUT/run/``): rerunning the same command (after Ctrl-C, say) runs only the missing tasks.

Writes (atomically) to ``DIR`` (default ``verify-report/double-descent``):
``double_descent_n.png`` (weak, strong and W2S risks against ``n``, one panel per ``d_w``),
``double_descent_N.png`` (against ``N``, one panel per ``d_s``, OLS and interpolating teacher),
``double_descent.md`` (summary table) and ``double_descent.json`` (settings, summaries, every
simulated point). Curves are exact (``theory.regimes``), with gaps where the expectation is
infinite; points are simulated means +- SE (``numeric``, wishart engine), each also tested
against the exact value (one Holm family at ``--alpha``). Exit status: 0 written and no test
rejected; 1 some simulated point disagrees with the theory; 2 usage error; 130 interrupted
(finished tasks kept).
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

from verify.commands.execution import add_execution_arguments, open_execution, reuse_text
from verify.exitcodes import ExitCode, interrupted, usage_error
from verify.outputs import claim_folder, mark_folder, staged

DEFAULT_OUT = "verify-report/double-descent"


def add_arguments(parser):
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true",
                        help="fewer panels, points and trials (CI-sized, a few seconds)")
    parser.add_argument("--seed", type=int, default=None,
                        help="root seed (default 20250205); point i uses SeedSequence(seed).spawn()[i]")
    parser.add_argument("--trials", type=int, default=None,
                        help="trials per simulated point (default 600; 150 with --quick)")
    parser.add_argument("--alpha", type=float, default=0.001,
                        help="family-wise false-alarm rate of the simulation checks (default 0.001)")
    add_execution_arguments(parser, "OUT/run")


def _validate(args):
    from numeric.validation import check_scalar   # deliberate: keeps --help free of NumPy

    if args.trials is not None:
        check_scalar(args.trials, "--trials", int, min_val=16, max_val=10**6)
    if args.seed is not None:
        check_scalar(args.seed, "--seed", int, min_val=0)
    check_scalar(args.alpha, "--alpha", float, min_val=0.0, max_val=1.0,
                 include_boundaries="neither")


def _phase(message: str) -> None:
    """One line on stderr per phase (also where no progress bar is shown)."""
    print(f"verify double-descent: {message}", file=sys.stderr, flush=True)


def _usage(message) -> int:
    return usage_error("verify double-descent", str(message))


def run(args) -> int:
    try:
        _validate(args)
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise ValueError(f"--out {args.out!r} exists and is not a directory")
    except ValueError as exc:
        return _usage(exc)
    from verify import stats
    from verify.double_descent import compute as C
    from verify.double_descent import figures as F
    from verify.double_descent import report as Rp
    from verify.paper.io import write_json, write_text

    t0 = time.monotonic()
    seed = C.DEFAULT_SEED if args.seed is None else args.seed
    trials = args.trials or (150 if args.quick else 600)
    count = C.point_count(args.quick)
    lay = C.layout(args.quick)
    panels = lay.n_panels + lay.N_panels
    geometries = {p.label: C.geometry_of(p) for p in panels}
    run_dir = args.run_dir or os.path.join(args.out, "run")
    try:
        claim_folder(args.out, "double-descent")   # empty or ours, before any computation
        executor, store = open_execution(args, run_dir)
        before = len(store)             # finished tasks from earlier runs (reuse_text)
    except (ValueError, ImportError, RuntimeError, OSError) as exc:
        return _usage(exc)
    try:
        with executor:
            mark_folder(args.out, "double-descent")
            npts = len(C.points(lay, count))
            _phase(f"simulating {npts} points x {trials} trials (wishart engine)")
            records = C.simulate_points(lay, count, trials, seed, executor=executor, store=store,
                                        device=args.device, progress=True)
    except KeyboardInterrupt:
        return interrupted("verify double-descent", f"finished tasks are kept in {run_dir}")
    ex = executor.totals.to_dict()
    # NaN z (zero SE): not tested, out of the Holm family (verify.stats' NaN rule)
    pvals = [stats.z_p_value(r["z"]) for r in records]
    rejected = stats.holm(pvals, args.alpha)[0]
    for r, p, rej in zip(records, pvals, rejected):
        r["p_value"], r["rejected"] = p, bool(rej)
    checks = {"tests": len(records), "alpha": args.alpha, "sim_gap": C.SIM_GAP,
              "rejected": [f"{r['panel']} {r['sweep']}={r['x']} {r['model']}"
                           for r in records if r["rejected"]],
              "max_abs_z": max((abs(r["z"]) for r in records if math.isfinite(r["z"])),
                               default=math.nan)}
    # Written into a staging folder and swapped in once complete: a failed run leaves the
    # previous report whole.
    with staged(args.out, "double-descent") as stage:
        out = Path(stage)
        _phase("drawing the figures and tables")
        F.sweep_figure(lay.n_panels, geometries, records, trials, out / "double_descent_n.png",
                       "W2S, weak and strong risks against n (N fixed) across d_w")
        F.sweep_figure(lay.N_panels, geometries, records, trials, out / "double_descent_N.png",
                       "W2S, weak and strong risks against N across d_s; top row OLS teacher, "
                       "bottom row interpolating teacher", cols=len(lay.N_panels) // 2)
        summaries = [Rp.panel_summary(p, geometries[p.label]) for p in panels]
        settings = {"seed": seed, "trials": trials, "quick": bool(args.quick), "engine": "wishart",
                    "sigma2": C.SIGMA2, "theta": C.THETA, "alpha": args.alpha,
                    "device": args.device or "cpu"}
        write_text(out / "double_descent.md", Rp.markdown(summaries, records, checks, settings))
        clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                  for k, v in r.items()} for r in records]
        checks_json = dict(checks, max_abs_z=None if not math.isfinite(checks["max_abs_z"])
                           else checks["max_abs_z"])
        write_json(out / "double_descent.json", {"settings": settings, "summaries": summaries,
                                                "checks": checks_json, "points": clean,
                                                "execution": ex, "seconds": time.monotonic() - t0})
    out = Path(args.out)
    print(f"double descent: {len(records)} simulated points x {trials} trials, "
          f"{len(checks['rejected'])} of {len(records)} z-tests rejected (Holm, alpha="
          f"{args.alpha}), max |z| = {checks['max_abs_z']:.2f}; wrote {out}/ in "
          f"{time.monotonic() - t0:.1f} s")
    print(f"tasks: {ex['tasks']} on executor {ex['executor']} ({ex['workers']} worker(s)), "
          f"{reuse_text(ex['tasks_from_store'], before, run_dir)}, {ex['tasks_run']} run, "
          f"{ex['retries']} re-run after a worker died")
    return ExitCode.CLAIM_FAILED if checks["rejected"] else ExitCode.OK
