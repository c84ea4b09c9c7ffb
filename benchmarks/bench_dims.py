"""Timing of numeric.features on UTKFace-sized inputs (run by hand; prints ratios).

25,000 x 2,048 float32 (weak) and 25,000 x 768 float32 (strong), low-rank-plus-noise so the
spectra resemble real features. Baseline in the same process: the direct float64 route the
authors' notebook takes (a float64 copy, F^T F, eigh). Usage:

    .venv/bin/python benchmarks/bench_dims.py [--n 25000] [--groups 20]
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from numeric.features import correlation_dim, intrinsic_dim


def _features(n, width, rank, rng):
    Z = rng.standard_normal((n, rank), dtype=np.float32)
    F = Z @ (rng.standard_normal((rank, width), dtype=np.float32) * np.geomspace(1, 1e-2, rank, dtype=np.float32)[:, None])
    F += 0.01 * rng.standard_normal((n, width), dtype=np.float32)
    return F


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=25_000)
    ap.add_argument("--groups", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    Fw = _features(args.n, 2048, 600, rng)
    Fs = np.concatenate([Fw[:, :300], _features(args.n, 468, 200, rng)], axis=1)

    def baseline():  # the float64 route: copy, Gram, full eigh
        F = Fw.astype(np.float64)
        return np.linalg.eigh(F.T @ F / F.shape[0])

    _, t_base = _timed(baseline)
    tracemalloc.start()
    dw, t_id = _timed(lambda: intrinsic_dim(Fw))
    peak_id = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ds = intrinsic_dim(Fs)
    ra, t_auth = _timed(lambda: correlation_dim(Fw, Fs, dw, ds, method="authors", seed=42))
    rf, t_fun = _timed(lambda: correlation_dim(Fw, Fs, dw, ds, groups=0))
    rj, t_jack = _timed(lambda: correlation_dim(Fw, Fs, dw, ds, groups=args.groups, seed=1))
    mb = Fw.nbytes / 2 ** 20
    print(f"F_w {Fw.shape} float32 ({mb:.0f} MiB), F_s {Fs.shape}; d_w = {dw}, d_s = {ds}")
    print(f"baseline float64 copy + Gram + eigh (weak only): {t_base:.2f} s")
    print(f"intrinsic_dim(F_w):              {t_id:.2f} s  ratio {t_id / t_base:.2f}; "
          f"peak NumPy allocation {peak_id / 2 ** 20:.0f} MiB (= {peak_id / Fw.nbytes:.2f} x F_w)")
    print(f"correlation_dim authors:         {t_auth:.2f} s  ratio {t_auth / t_base:.2f}  raw {ra.raw:.2f}")
    print(f"correlation_dim function, no CI: {t_fun:.2f} s  ratio {t_fun / t_base:.2f}  raw {rf.raw:.2f}")
    print(f"correlation_dim function, {args.groups}-group jackknife: {t_jack:.2f} s  ratio "
          f"{t_jack / t_base:.2f}  estimate {rj.estimate:.2f} CI {rj.ci[0]:.2f}..{rj.ci[1]:.2f}")


if __name__ == "__main__":
    main()
