"""End-to-end false-alarm rate of the built-in claim set (issue 14), run by hand.

Runs the built-in claims with the quick preset (``python -m verify --quick`` without shrinking,
plots or reports, in this process: no re-import per seed) at family-wise level ``--alpha`` for
seeds ``--start``, ``--start + 1``, ... and appends one JSON line per seed to ``--out`` as soon as
it is done. A seed already in the file is skipped, so the same command resumes. A *false alarm*
is a run in which some claim registered as true (``expect="pass"``) has status ``fail``; Holm
promises that this happens in at most a fraction ``alpha`` of the runs.

Usage::

    nice -n 19 timeout 3000 .venv/bin/python benchmarks/false_alarm_e2e.py --alpha 0.05 \\
        --seeds 200 --out benchmarks/results/e2e_alpha0.05.jsonl
    .venv/bin/python benchmarks/false_alarm_e2e.py --summary benchmarks/results/e2e_alpha0.05.jsonl

``--summary FILE`` prints the count, the Clopper-Pearson 95 % interval, the one-sided binomial
p-value against ``alpha`` and the pass criterion of the issue (not significantly above alpha at
5 %, point estimate at most 1.2 alpha). ``--interleave`` alternates two alphas seed by seed,
so that a run stopped early has comparable counts for both.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _done(path: str) -> set:
    seen = set()
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue            # a line cut by a kill: the seed is redone
                seen.add((rec["alpha"], rec["seed"]))
    return seen


def run_seed(seed: int, alpha: float) -> dict:
    # imported here, after main() has set the BLAS thread variables
    from verify.claimsets import registry
    from verify.context import Context
    from verify.runner import run_claims

    t0 = time.monotonic()
    ctx = Context.preset("quick", seed=seed, alpha=alpha)
    res = run_claims(registry(), ctx, shrink=False, workers=1)
    false_alarms = [r.claim.name for r in res.results if r.claim.expect == "pass" and r.status == "fail"]
    missed = [r.claim.name for r in res.results if r.claim.expect == "fail" and r.status != "fail"]
    inconclusive = [r.claim.name for r in res.results if r.status == "inconclusive"]
    return {"seed": seed, "alpha": alpha, "false_alarm": bool(false_alarms),
            "false_alarms": false_alarms, "known_false_not_failed": missed,
            "inconclusive": inconclusive, "m": res.summary.get("m"), "exit_code": int(res.exit_code),
            "seconds": round(time.monotonic() - t0, 2)}


def summary(paths) -> None:
    from verify import stats

    rows = {}
    for p in paths:
        with open(p) as fh:
            for line in fh:
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                rows[(r["alpha"], r["seed"])] = r
    for alpha in sorted({a for a, _ in rows}):
        rs = [r for (a, _), r in sorted(rows.items()) if a == alpha]
        n, k = len(rs), sum(r["false_alarm"] for r in rs)
        lo, hi = stats.clopper_pearson(k, n)
        p = stats.binomial_upper_p(k, n, alpha)
        ok = p > 0.05 and k / n <= 1.2 * alpha
        inc = sum(bool(r["inconclusive"]) for r in rs)
        names = sorted({c for r in rs for c in r["false_alarms"]})
        print(f"alpha {alpha}: {k} of {n} runs with a false alarm = {k / n:.3f} "
              f"(95 % CP [{lo:.3f}, {hi:.3f}]); P[X >= {k}] under Bin({n}, {alpha}) = {p:.3g}; "
              f"criterion (p > 0.05 and rate <= 1.2 alpha, 200 runs): "
              f"{('met' if ok else 'NOT met') if n >= 200 else 'undecided, only %d runs' % n}; "
              f"runs with an inconclusive claim: {inc}; "
              f"mean {sum(r['seconds'] for r in rs) / n:.0f} s/run; claims that false-alarmed: {names}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alpha", type=float, action="append", help="family-wise level (repeatable)")
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--start", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/results/e2e.jsonl")
    ap.add_argument("--summary", nargs="*", metavar="FILE")
    args = ap.parse_args(argv)
    if args.summary is not None:
        summary(args.summary or [args.out])
        return 0
    # one BLAS thread: the machine is shared and the trials are tiny matrices
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    alphas = args.alpha or [0.05]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    seen = _done(args.out)
    for seed in range(args.start, args.start + args.seeds):
        for alpha in alphas:            # interleaved: a stopped run has both alphas' counts
            if (alpha, seed) in seen:
                continue
            rec = run_seed(seed, alpha)
            with open(args.out, "a") as fh:
                fh.write(json.dumps(rec) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            print(json.dumps({k: rec[k] for k in ("seed", "alpha", "false_alarm", "seconds")}),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
