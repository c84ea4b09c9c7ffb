"""Engine benchmarks against the notebook baseline, run by hand (results: benchmarks/README.md).

    .venv/bin/python benchmarks/bench_engines.py            # subset of sweep points
    .venv/bin/python benchmarks/bench_engines.py --full     # all 40 sweep points
    .venv/bin/python benchmarks/bench_engines.py --only flat,memory

Sections:

* ``sweeps``: the paper's two sweeps at d_w = 200, d_s = 100 (N-sweep: 20 points N = 400..4000
  at n = 2000; n-sweep: 20 points n = 400..4000 at N = 4000), 40 trials per point. At every
  point the baseline, the samples engine, its floor and the wishart engine run interleaved,
  ``--repeats`` times; each method's time at a point is its minimum over the repeats (the
  machine is shared: the minimum is the least contaminated estimate). Ratios are of summed
  times over the same points, measured in this process.
  Floor of the samples engine: drawing exactly the random numbers it draws (same generator
  calls, same buffers) plus one Gram pass ``X^T X`` over each drawn block.
* ``flat``: wishart time per trial at the paper geometry for N = 1e3 .. 1e9.
* ``memory``: peak memory of the samples engine at N = 1e7, d_s = 100 (child process,
  ``ru_maxrss``, plus ``tracemalloc`` peak of NumPy allocations).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from notebook_baseline import notebook_point  # noqa: E402

from numeric import Scenario, simulate  # noqa: E402
from numeric.design import build_design  # noqa: E402
from numeric.engines.samples import chunk_rows  # noqa: E402
from numeric.seeding import as_seed_sequence, trial_generator, trial_seed_sequences  # noqa: E402

D_W, D_S = 200, 100


def sweep_points(full: bool):
    grid = np.linspace(400, 4000, 20).astype(int)
    idx = range(20) if full else (0, 5, 10, 15, 19)
    pts = [("N-sweep", 2000, int(grid[i])) for i in idx]
    pts += [("n-sweep", int(grid[i]), 4000) for i in idx]
    return pts


def floor_samples(sc, trials, seed):
    """Draw the samples engine's random numbers (same calls) plus one Gram pass per block."""
    design = build_design(sc)
    gens = [trial_generator(s) for s in trial_seed_sequences(as_seed_sequence(seed), range(trials))]
    acc = 0.0
    for g in gens:
        for total, cols in ((sc.n, design.m), (sc.N, design.d_s)):
            step = min(total, chunk_rows(design.m if cols == design.m else design.d_s + 1))
            done = 0
            while done < total:
                rows = min(step, total - done)
                Z = np.empty((rows, cols))
                if cols == design.m:
                    design.features.fill(g, Z)
                    if design.fold > 0:
                        g.standard_normal(rows)
                else:
                    g.standard_normal(out=Z)
                    g.standard_normal((rows, 2))
                design.noise.fill(g, np.empty(rows))
                acc += float((Z.T @ Z)[0, 0])
                done += rows
    return acc


def _time(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_sweeps(args):
    lam = 1.0 / np.arange(1, 301)
    theta = np.random.default_rng(args.theta_seed).choice([-1.0, 1.0], size=300)
    theta = theta / np.sqrt(D_S * D_W)
    doff = D_S - args.d_sw
    totals = {"baseline": 0.0, "samples": 0.0, "floor": 0.0, "wishart": 0.0}
    T = args.trials
    print(f"# sweeps: d_sw={args.d_sw} sigma2={args.sigma2} trials/point={T} "
          f"repeats={args.repeats} points={'all 40' if args.full else '10 (5 per sweep)'}")
    print(f"{'sweep':8s} {'n':>5s} {'N':>5s} {'baseline':>9s} {'samples':>9s} {'floor':>9s} "
          f"{'wishart':>9s}  (seconds for {T} trials, min over repeats)")
    # One geometry for the whole sweep (as a user would write it); its set-up (canonical form,
    # design, engine plan) is paid once, at the first point, inside the timings.
    base = Scenario.paper_notebook(d_sw=args.d_sw, n=2000, N=4000, sigma2=args.sigma2,
                                   seed=args.theta_seed)
    for i, (tag, n, N) in enumerate(sweep_points(args.full)):
        sc = base.replace(n=n, N=N)
        best = {k: np.inf for k in totals}
        for r in range(args.repeats):
            seed = [i, r]
            best["baseline"] = min(best["baseline"], _time(lambda: notebook_point(
                lam, theta, D_S, D_W, doff, n, N, args.sigma2, T, np.random.default_rng(seed))))
            best["samples"] = min(best["samples"], _time(
                lambda: simulate(sc, T, seed=seed, engine="samples")))
            best["floor"] = min(best["floor"], _time(lambda: floor_samples(sc, T, seed)))
            best["wishart"] = min(best["wishart"], _time(
                lambda: simulate(sc, T, seed=seed, engine="wishart")))
        for k in totals:
            totals[k] += best[k]
        print(f"{tag:8s} {n:5d} {N:5d} {best['baseline']:9.3f} {best['samples']:9.3f} "
              f"{best['floor']:9.3f} {best['wishart']:9.4f}", flush=True)
    print(f"TOTAL {'':13s} {totals['baseline']:9.3f} {totals['samples']:9.3f} "
          f"{totals['floor']:9.3f} {totals['wishart']:9.4f}")
    print(f"baseline / samples = {totals['baseline'] / totals['samples']:.2f}  (target >= 3)")
    print(f"samples / floor    = {totals['samples'] / totals['floor']:.2f}  (target <= 1.5)")
    print(f"baseline / wishart = {totals['baseline'] / totals['wishart']:.0f}  (target >= 100)")
    ntr = len(sweep_points(args.full)) * T
    print(f"wishart per trial  = {totals['wishart'] / ntr * 1e3:.2f} ms")


def bench_flat(args):
    print(f"# wishart flatness: paper geometry d_sw={args.d_sw}, n=2000, {args.flat_trials} "
          f"trials, min over {args.repeats + 2} interleaved rounds")
    Ns = [10 ** k for k in range(3, 10)]
    scs = {}
    for N in Ns:
        scs[N] = Scenario.paper_notebook(d_sw=args.d_sw, n=2000, N=N, sigma2=args.sigma2)
        scs[N].canonical_form()
        simulate(scs[N], 8, seed=0)
    best = {N: np.inf for N in Ns}
    for r in range(args.repeats + 2):          # rounds over all N: load drifts hit every N
        for N in Ns:
            best[N] = min(best[N], _time(lambda: simulate(scs[N], args.flat_trials, seed=[N, r],
                                                          engine="wishart")))
    per = {N: best[N] / args.flat_trials for N in Ns}
    for N in Ns:
        print(f"N = {N:>10d}: {per[N] * 1e3:.3f} ms/trial")
    print(f"max/min = {max(per.values()) / min(per.values()):.2f}  (target <= 1.5)")


_MEMORY_CHILD = r"""
import resource, sys, time, tracemalloc
from numeric import Scenario, simulate
sc = Scenario.paper_notebook(d_sw=50, n=2000, N=10_000_000, sigma2=0.01,
                             features=sys.argv[1])
tracemalloc.start()
t0 = time.perf_counter()
r = simulate(sc, 1, seed=0, engine="samples")
dt = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"features={sys.argv[1]}: {dt:.1f} s, tracemalloc peak {peak / 2**20:.0f} MiB, "
      f"ru_maxrss {rss / 1024:.0f} MiB, w2s risk {r.per_trial['w2s'][0]:.3e}")
"""


def bench_memory(args):
    print("# samples engine at N = 1e7, d_s = 100, d_w = 200 (paper geometry), one trial")
    for law in args.memory_laws.split(","):
        subprocess.run([sys.executable, "-c", _MEMORY_CHILD, law], check=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="sweeps,flat,memory")
    ap.add_argument("--full", action="store_true", help="all 40 sweep points")
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--d-sw", type=int, default=50)
    ap.add_argument("--sigma2", type=float, default=0.01)
    ap.add_argument("--theta-seed", type=int, default=0)
    ap.add_argument("--flat-trials", type=int, default=64)
    ap.add_argument("--memory-laws", default="gaussian")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads for every method, baseline included (default 1)")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits
    threadpool_limits(args.blas_threads, user_api="blas")
    print(f"# machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}, "
          f"numpy {np.__version__}, BLAS threads {args.blas_threads}")
    for part in args.only.split(","):
        {"sweeps": bench_sweeps, "flat": bench_flat, "memory": bench_memory}[part](args)
    print(f"# load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
