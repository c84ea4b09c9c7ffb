"""False alarms of ``python -m verify point`` on a true scenario at small trial counts (issue 14).

The scenario of the issue: ``n - d_w - 1 = 5`` and ``N - d_s - 1 = 5`` (d_s 4, d_w 6, n 12,
N 10), where the per-trial risks are strongly right-skewed (their fourth moments are infinite).
For each seed the simulation is made once (as ``point --seed S --trials T`` makes it) and judged
twice: by the old tests (Student t for the risks, normal for PGR/OPR) and by the current ones
(Hall's skewness-corrected tests, none below ``verify.stats.MIN_TRIALS`` trials), each with
Holm at ``--alpha`` over the six quantities, as ``point`` does. Prints, per trial count, the
number of seeds with a rejection, its Clopper-Pearson 95 % interval and the one-sided binomial
p-value against ``alpha``.

Usage: ``.venv/bin/python benchmarks/point_small_samples.py --trials 10 100 400 --seeds 100``
"""
from __future__ import annotations

import argparse
import math

import numeric
from verify import stats
from verify.compare import QUANTITIES, build_record, scenario_summary, simulation_summary


def scenario():
    return numeric.Scenario.from_block_energies(4, 6, 12, 10, 0.5, d_sw=2, both=0.5, strong_only=0.2,
                                                weak_only=0.3, neither=0.1)


def rejects(rec, alpha) -> tuple[bool, bool]:
    """(some quantity rejected, some quantity not tested for lack of trials)"""
    p = [rec["deviation"][q]["p_vs_exact"] for q in QUANTITIES]
    tested = [x for x in p if x is not None]
    rej = bool(stats.holm(tested, alpha)[0].any()) if tested else False
    return rej, len(tested) < sum(rec["deviation"][q]["exact"] is not None for q in QUANTITIES)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, nargs="+", default=[10, 100, 400])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--alpha", type=float, default=0.05)
    args = ap.parse_args(argv)
    sc = scenario()
    info, geo = scenario_summary(sc), sc.geometry()
    for T in args.trials:
        old = new = untested = 0
        for seed in range(args.seeds):
            res = numeric.simulate(sc, T, seed=seed, engine="auto")
            sim = simulation_summary(res)
            r_new = build_record(info, geo, sim)
            r_old = build_record(info, geo, {**sim, "skewness": None})
            old += rejects(r_old, args.alpha)[0]
            rn, un = rejects(r_new, args.alpha)
            new += rn
            untested += un
        for name, k in (("old (t / z tests)", old), ("new (Hall, >= %d trials)" % stats.MIN_TRIALS, new)):
            lo, hi = stats.clopper_pearson(k, args.seeds)
            print(f"trials {T:5d} {name:26s}: {k:3d}/{args.seeds} seeds rejected the exact theory "
                  f"(95 % CP [{lo:.3f}, {hi:.3f}]; P[X >= {k}] at rate {args.alpha} = "
                  f"{stats.binomial_upper_p(k, args.seeds, args.alpha):.3g})")
        print(f"trials {T:5d} new: {untested}/{args.seeds} seeds not tested (inconclusive)", flush=True)


if __name__ == "__main__":
    main()
