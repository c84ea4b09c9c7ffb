"""Double descent of W2S in n and in N: exact curves, simulated points, thresholds marked.

Usage: ``python -m verify double-descent [--out DIR] [--quick] [--seed S] [--trials T]
[--alpha A]``.

Writes (atomically) to ``DIR`` (default ``verify-report/double-descent``):
``double_descent_n.png`` (weak, strong and W2S risks against ``n``, one panel per ``d_w``),
``double_descent_N.png`` (against ``N``, one panel per ``d_s``, OLS and interpolating teacher),
``double_descent.md`` (summary table) and ``double_descent.json`` (settings, summaries, every
simulated point). Curves are exact (``theory.regimes``), with gaps where the expectation is
infinite; points are simulated means +- SE (``numeric``, wishart engine), each also tested
against the exact value (one Holm family at ``--alpha``). Exit status: 0 written and no test
rejected; 1 some simulated point disagrees with the theory; 2 usage error.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

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


def _validate(args):
    if args.trials is not None and (args.trials < 16 or args.trials > 10**6):
        raise ValueError(f"--trials must be an integer in [16, 1000000], got {args.trials}")
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {args.seed}")
    if not (0 < args.alpha < 1) or math.isnan(args.alpha):
        raise ValueError(f"--alpha must be in (0, 1), got {args.alpha}")


def run(args) -> int:
    try:
        _validate(args)
    except ValueError as exc:
        print(f"verify double-descent: error: {exc}", file=sys.stderr)
        return 2
    from scipy import stats as sps

    from verify.double_descent import compute as C
    from verify.double_descent import figures as F
    from verify.double_descent import report as Rp
    from verify.paper.io import write_json, write_text

    t0 = time.monotonic()
    seed = C.DEFAULT_SEED if args.seed is None else args.seed
    trials = args.trials or (150 if args.quick else 600)
    count = 6 if args.quick else 9
    lay = C.layout(args.quick)
    panels = lay.n_panels + lay.N_panels
    geometries = {p.label: C.geometry_of(p) for p in panels}
    records = C.simulate_points(lay, count, trials, seed)
    pvals = [float(2 * sps.norm.sf(abs(r["z"]))) if math.isfinite(r["z"]) else 1.0 for r in records]
    rejected = C.holm_reject(pvals, args.alpha)
    for r, p, rej in zip(records, pvals, rejected):
        r["p_value"], r["rejected"] = p, bool(rej)
    checks = {"tests": len(records), "alpha": args.alpha, "sim_gap": C.SIM_GAP,
              "rejected": [f"{r['panel']} {r['sweep']}={r['x']} {r['model']}"
                           for r in records if r["rejected"]],
              "max_abs_z": max((abs(r["z"]) for r in records if math.isfinite(r["z"])),
                               default=math.nan)}
    out = Path(args.out)
    F.sweep_figure(lay.n_panels, geometries, records, trials, out / "double_descent_n.png",
                   "W2S, weak and strong risks against n (N fixed) across d_w")
    F.sweep_figure(lay.N_panels, geometries, records, trials, out / "double_descent_N.png",
                   "W2S, weak and strong risks against N across d_s; top row OLS teacher, "
                   "bottom row interpolating teacher", cols=len(lay.N_panels) // 2)
    summaries = [Rp.panel_summary(p, geometries[p.label]) for p in panels]
    settings = {"seed": seed, "trials": trials, "quick": bool(args.quick), "engine": "wishart",
                "sigma2": C.SIGMA2, "theta": C.THETA, "alpha": args.alpha}
    write_text(out / "double_descent.md", Rp.markdown(summaries, records, checks, settings))
    clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
              for k, v in r.items()} for r in records]
    checks_json = dict(checks, max_abs_z=None if not math.isfinite(checks["max_abs_z"])
                       else checks["max_abs_z"])
    write_json(out / "double_descent.json", {"settings": settings, "summaries": summaries,
                                            "checks": checks_json, "points": clean,
                                            "seconds": time.monotonic() - t0})
    print(f"double descent: {len(records)} simulated points x {trials} trials, "
          f"{len(checks['rejected'])} of {len(records)} z-tests rejected (Holm, alpha="
          f"{args.alpha}), max |z| = {checks['max_abs_z']:.2f}; wrote {out}/ in "
          f"{time.monotonic() - t0:.1f} s")
    return 1 if checks["rejected"] else 0
