"""Cost of numeric.features.run_w2s against the authors' per-fit SVD, in one process.

Baseline: a plain NumPy port of the authors' ``run_simulation_`` (``linear_probing/
utkface.ipynb``): per split, four thin SVDs ``np.linalg.svd(X, full_matrices=False)`` on the
float32 rows cast to float64, and test MSEs from the test rows (``X_test @ theta``).
Compared: ``run_w2s`` (Cholesky of the regularised Gram side, shared test moments) and
``run_w2s(solver="svd")`` (the literal SVD inside run_w2s). All with 1 BLAS thread; each
method keeps its minimum over ``--repeats``. Data: Gaussian float32 features of UTKFace widths
(weak 2,048 or 512, strong 768), random labels; the numbers do not matter, the shapes do.

    .venv/bin/python benchmarks/bench_probe.py                  # 12,000 rows, n=1000, N=5000
    .venv/bin/python benchmarks/bench_probe.py --rows 23708 --N 10000 --weak-width 2048
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from numeric.features import run_w2s


def authors_baseline(F_w, F_s, y, n, N, trials, test, seed=0, ridge=1e-6):
    """Per split: four SVD ridge fits as in the notebook, MSEs on the test rows."""
    pool = np.setdiff1d(np.arange(len(y)), test)
    Xw_t, Xs_t, y_t = F_w[test].astype(float), F_s[test].astype(float), y[test]

    def fit(X, t):
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        return Vt.T @ ((s / (s * s + ridge)) * (U.T @ t))

    out = []
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        rows = rng.choice(pool, n + N, replace=False)
        L, U_ = rows[:n], rows[n:]
        Xw, Xs, Xs2, Xw2 = (F_w[L].astype(float), F_s[L].astype(float),
                            F_s[U_].astype(float), F_w[U_].astype(float))
        bw = fit(Xw, y[L])
        bs = fit(Xs, y[L])
        bc = fit(np.vstack([Xs, Xs2]), np.concatenate([y[L], y[U_]]))
        b2 = fit(Xs2, Xw2 @ bw)
        out.append([np.mean((Xw_t @ bw - y_t) ** 2), np.mean((Xs_t @ bs - y_t) ** 2),
                    np.mean((Xs_t @ bc - y_t) ** 2), np.mean((Xs_t @ b2 - y_t) ** 2)])
    return np.array(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=12000)
    ap.add_argument("--weak-width", type=int, default=2048)
    ap.add_argument("--strong-width", type=int, default=768)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--N", type=int, default=5000)
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    F_w = rng.standard_normal((a.rows, a.weak_width), dtype=np.float32)
    F_s = rng.standard_normal((a.rows, a.strong_width), dtype=np.float32)
    y = rng.standard_normal(a.rows)
    test = np.sort(rng.permutation(a.rows)[:3708])
    best = {}
    with threadpool_limits(1):
        for _ in range(a.repeats):
            for name, f in (
                    ("authors' SVD port", lambda: authors_baseline(F_w, F_s, y, a.n, a.N,
                                                                     a.trials, test)),
                    ("run_w2s (svd)", lambda: run_w2s(F_w, F_s, y, a.n, a.N, a.trials, seed=0,
                                                      test_index=test, solver="svd")),
                    ("run_w2s (default)", lambda: run_w2s(F_w, F_s, y, a.n, a.N, a.trials,
                                                          seed=0, test_index=test))):
                t = time.perf_counter()
                f()
                best[name] = min(best.get(name, np.inf), time.perf_counter() - t)
    base = best["authors' SVD port"]
    print(f"rows {a.rows}, widths {a.weak_width}/{a.strong_width}, n {a.n}, N {a.N}, "
          f"{a.trials} splits, min of {a.repeats}")
    for k, v in best.items():
        print(f"  {k:20s} {v / a.trials:8.3f} s/split   speed-up x{base / v:5.2f}")


if __name__ == "__main__":
    main()
