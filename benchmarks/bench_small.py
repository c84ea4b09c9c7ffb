"""Per-trial cost of the wishart engine at the claims' small sizes, against commit 2a30bd8 in
the same process (run by hand; results: benchmarks/README.md, "Small sizes").

    .venv/bin/python benchmarks/bench_small.py                 # small scenarios
    .venv/bin/python benchmarks/bench_small.py --large         # also d_w = 7000 (2 trials)
    .venv/bin/python benchmarks/bench_small.py --large-only
    .venv/bin/python benchmarks/bench_small.py --base 2a30bd8 --repeats 9

The baseline is the ``numeric`` package of ``--base`` (default 2a30bd8, before the block
streams and the store rewrite), extracted with ``git archive`` into a temporary folder and
imported as ``numeric_base`` (its imports rewritten), so both run in this process, interleaved,
``--repeats`` times; each figure is the minimum over the repeats (the machine is shared: the
minimum is the least contaminated estimate). Two call patterns per scenario:

* ``run``: ``simulate(scenario, 1024, seed)``, the whole run in engine batches;
* ``block``: 64 calls ``simulate_block(scenario, child(root, b), 16)``, one seed block at a time
  (how the check run extends a configuration's trials), so the fixed cost of an engine call
  is paid per 16 trials;
* ``blocks``: one ``simulate_blocks(scenario, root, range(64))`` (the baseline, which lacks it,
  runs ``block``).

"floor" is a rough price of the arithmetic of one trial: drawing its random numbers (the
entries of a ``p x p`` triangular factor) in one generator call and one stacked Cholesky of a
``p x p`` matrix, per trial, at 1024 trials (each the minimum of 7); ``new/floor`` says how far
above it the engine is.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SMALL = {          # (d_s, d_w, n, N, sigma2, d_sw): sizes the claims draw (d ~ 5-20)
    "5/10 n=40 N=80": (5, 10, 40, 80, 0.5, 3.0),
    "8/12 n=10 N=6 (wide fits)": (8, 12, 10, 6, 0.3, 4.0),
    "12/6 n=30 N=200": (12, 6, 30, 200, 0.2, 3.0),
    "20/15 n=60 N=300": (20, 15, 60, 300, 1.0, 8.0),
}
LARGE = {"700/7000 n=20000 N=50000": (700, 7000, 20000, 50000, 1.0, 350.0)}


def load_base(rev: str):
    """``numeric`` of ``rev`` imported as ``numeric_base``."""
    tmp = tempfile.mkdtemp(prefix="bench-small-")
    tar = subprocess.run(["git", "-C", ROOT, "archive", rev, "numeric"], check=True,
                         capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
    os.rename(os.path.join(tmp, "numeric"), os.path.join(tmp, "numeric_base"))
    pat = re.compile(r"^(\s*)(from|import)\s+numeric(\b)", re.M)
    for d, _, files in os.walk(os.path.join(tmp, "numeric_base")):
        for f in files:
            if f.endswith(".py"):
                p = os.path.join(d, f)
                src = open(p, encoding="utf-8").read()
                open(p, "w", encoding="utf-8").write(pat.sub(r"\1\2 numeric_base\3", src))
    sys.path.insert(0, tmp)
    return importlib.import_module("numeric_base"), tmp


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _patterns(pkg, sc, trials):
    sim = pkg.simulate
    block = importlib.import_module(pkg.__name__ + ".simulate").simulate_block
    child = importlib.import_module(pkg.__name__ + ".seeding").child
    blk = pkg.TRIAL_BLOCK
    root = np.random.SeedSequence(5)

    def run():
        sim(sc, trials, seed=5)

    def blocks():
        for b in range(trials // blk):
            block(sc, child(root, b), blk)

    many = getattr(pkg, "simulate_blocks", None)

    def together():                     # the baseline has no simulate_blocks: block by block
        if many is None:
            return blocks()
        many(sc, root, range(trials // blk))
    return {"run": run, "block": blocks, "blocks": together}


def floor_per_trial(p: int, trials: int = 1024) -> float:
    g = np.random.Generator(np.random.SFC64(0))
    A = g.standard_normal((trials, p, p))
    G = np.swapaxes(A, -1, -2) @ A + p * np.eye(p)
    t = min(_timed(lambda: g.standard_normal((trials, p * (p + 1) // 2))) for _ in range(7))
    t += min(_timed(lambda: np.linalg.cholesky(G)) for _ in range(7))
    return t / trials


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="2a30bd8", help="baseline commit (default 2a30bd8)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--trials", type=int, default=1024)
    ap.add_argument("--large", action="store_true", help="also the d_w = 7000 scenario")
    ap.add_argument("--large-only", action="store_true", help="only the d_w = 7000 scenario")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    import numeric
    from numeric.design import build_design
    from numeric.engines.wishart import block_streams, wishart_plan
    base, tmp = load_base(args.base)
    print(f"# baseline {args.base} from {tmp}; {args.repeats} repeats, minimum kept; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| scenario | p | streams | pattern | base us/trial | new us/trial | base/new "
          "| floor us/trial | new/floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    cases = {} if args.large_only else dict(SMALL)
    if args.large or args.large_only:
        cases.update(LARGE)
    with threadpool_limits(1, user_api="blas"):
        for name, (d_s, d_w, n, N, s2, dsw) in cases.items():
            large = name in LARGE
            trials = 2 if large else args.trials
            repeats = args.repeats
            sc_new = numeric.Scenario(d_s, d_w, n, N, s2, d_sw=dsw)
            sc_old = base.Scenario(d_s, d_w, n, N, s2, d_sw=dsw)
            p = wishart_plan(build_design(sc_new)).p
            streams = "block" if block_streams(build_design(sc_new)) else "trial"
            pats_new, pats_old = _patterns(numeric, sc_new, trials), _patterns(base, sc_old, trials)
            flo = None if large else floor_per_trial(p)
            for pat in (("run",) if large else ("run", "block", "blocks")):
                pats_old[pat](), pats_new[pat]()                 # warm-up (designs, caches)
                t_old, t_new = [], []
                for _ in range(repeats):
                    t_old.append(_timed(pats_old[pat]))
                    t_new.append(_timed(pats_new[pat]))
                o, w = min(t_old) / trials * 1e6, min(t_new) / trials * 1e6
                fl = "" if flo is None else f"{flo * 1e6:.2f}"
                rf = "" if flo is None else f"{w / (flo * 1e6):.1f}"
                print(f"| {name} | {p} | {streams} | {pat} | {o:.1f} | {w:.1f} | {o / w:.2f} "
                      f"| {fl} | {rf} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
