"""GPU benchmark of the wishart engine at the paper's NLP dimensions (run by hand on a GPU machine).

    .venv/bin/python benchmarks/bench_gpu.py                       # --device cuda, CPU comparison
    .venv/bin/python benchmarks/bench_gpu.py --device torch:cpu    # the array-API path on the CPU
    .venv/bin/python benchmarks/bench_gpu.py --trials 8 --cpu-trials 2 --out bench-gpu.json

Reports, for d_s = 700, d_w = 7000, n = 20000, N = 50000 (d_sw = 350, sigma2 = 1):

* trials per second of the ``wishart`` engine on the device (``--device``) and on the CPU
  (NumPy, all cores' BLAS threads: ``--cpu-blas-threads``);
* the device's FP64 matrix-multiply rate, measured here (best of 5 products of
  ``--peak-size``-square float64 matrices), and the same on the CPU;
* the fraction of that measured peak the engine reaches: model FLOPs per trial
  (:func:`engine_flops`, the engine's dense linear algebra) times trials/s, over the peak.
  This is a lower bound on the hardware's useful work: drawing the ~p^2/2 Bartlett normals
  (p = 7351) is not counted as FLOPs, and on the CPU it dominates.

The engine runs on the device only if ``numeric.simulate`` accepts ``device=`` (the array-API
port of the engines); otherwise the device row says so and only the peak is measured there.
Results go to stdout and, with ``--out``, to a JSON file (written atomically). Record them in
benchmarks/README.md with the card's name.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from numeric import Scenario, simulate  # noqa: E402
from numeric.design import build_design  # noqa: E402
from numeric.store import atomic_write_bytes  # noqa: E402
from numeric.xp import backend, matmul_flops  # noqa: E402

DIMS = dict(d_s=700, d_w=7000, n=20000, N=50000, sigma2=1.0, d_sw=350)


def engine_flops(design) -> float:
    """Model count of the dense floating-point work of one fast-path wishart trial.

    With ``p = m + 1`` and the strong Gram assembled from selected runs of the upper-triangular
    factor (``numeric/engines/wishart.py``): labels of the virtual rows ``2p^2``, teacher solve
    ``p^2``, strong Gram ``sum 2 |s_i| |s_j| min(stop_i, stop_j)`` over pairs of runs (or
    ``2 p m d_s + 2 p d_s^2`` when the projector is dense), strong moments ``2pm + 2 m d_s``,
    two Cholesky solves ``2 d_s^3/3``, the unlabelled factor's Gram ``2 d_s^3``, teacher function
    ``2 d_w m`` and ``O(d_s^2)`` triangular products.
    """
    from numeric.engines.wishart import _plan

    m, d_s, d_w = design.m, design.d_s, design.d_w
    p = m + 1
    plan = _plan(design)
    terms = plan.T_s.terms
    if terms is None or any(t[2] is not None for t in terms):
        gram = 2.0 * p * m * d_s + 2.0 * p * d_s ** 2
    else:
        gram = 0.0
        for i, (di, si, _) in enumerate(terms):
            for dj, sj, _ in terms[: i + 1]:
                top = min(si.stop, sj.stop)
                gram += 2.0 * (si.stop - si.start) * (sj.stop - sj.start) * top
    return (3.0 * p ** 2 + gram + 2.0 * p * m + 2.0 * m * d_s + 2.0 * d_s ** 3 / 3
            + 2.0 * d_s ** 3 + 2.0 * d_w * m + 8.0 * d_s ** 2)


def time_engine(sc, trials: int, seed: int, device: str | None, blas_threads):
    """Seconds for ``trials`` wishart trials (one warm-up trial first, not timed)."""
    kw = {} if device is None else {"device": device}
    simulate(sc, 1, seed=seed + 1, engine="wishart", blas_threads=blas_threads, **kw)
    t = time.perf_counter()
    res = simulate(sc, trials, seed=seed, engine="wishart", blas_threads=blas_threads, **kw)
    return time.perf_counter() - t, res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda", help="device string (numeric.xp.backend)")
    ap.add_argument("--trials", type=int, default=8, help="timed trials on the device")
    ap.add_argument("--cpu-trials", type=int, default=2, help="timed trials on the CPU (0: skip)")
    ap.add_argument("--cpu-blas-threads", type=int, default=os.cpu_count() or 1,
                    help="BLAS threads of the CPU run (default: all CPUs)")
    ap.add_argument("--peak-size", type=int, default=8192, help="matrix size of the peak measurement")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--out", help="also write the results as JSON here")
    args = ap.parse_args(argv)
    for name in ("trials", "peak_size", "cpu_blas_threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.cpu_trials < 0:
        ap.error("--cpu-trials must be >= 0")

    sc = Scenario(DIMS["d_s"], DIMS["d_w"], DIMS["n"], DIMS["N"], DIMS["sigma2"], d_sw=DIMS["d_sw"])
    design = build_design(sc)
    flops = engine_flops(design)
    out = {"dims": DIMS, "p": design.m + 1, "model_flops_per_trial": flops,
           "host": platform.node(), "python": sys.version.split()[0]}
    print(f"wishart engine at {DIMS}: p = {design.m + 1}, model {flops:.3g} FLOP/trial")

    from numeric.simulate import blas_limit

    be = backend(args.device)
    out["device"] = {"string": args.device, "library": be.name, "label": be.label}
    if be.name == "torch" and be.is_gpu:
        import torch
        out["device"]["name"] = torch.cuda.get_device_name(be.device)
    peak = matmul_flops(be, size=args.peak_size)
    out["device"]["fp64_matmul_peak_flops"] = peak
    print(f"device {args.device} ({be.name}): measured FP64 matmul {peak / 1e12:.3f} TFLOP/s")
    if "device" in inspect.signature(simulate).parameters:
        secs, _ = time_engine(sc, args.trials, args.seed, args.device, None)
        rate = args.trials / secs
        out["device"].update(trials=args.trials, seconds=secs, trials_per_s=rate,
                             fraction_of_peak=flops * rate / peak)
        print(f"  engine: {rate:.4g} trials/s, {100 * flops * rate / peak:.3g}% of measured peak")
    else:
        out["device"]["engine"] = "not run: numeric.simulate has no device= (engines not ported)"
        print("  engine: not run, numeric.simulate has no device= parameter in this version")

    if args.cpu_trials:
        with blas_limit(args.cpu_blas_threads):
            cpu_peak = matmul_flops(backend("cpu"), size=min(args.peak_size, 4096))
        secs, _ = time_engine(sc, args.cpu_trials, args.seed, None, args.cpu_blas_threads)
        rate = args.cpu_trials / secs
        out["cpu"] = {"blas_threads": args.cpu_blas_threads, "fp64_matmul_peak_flops": cpu_peak,
                      "trials": args.cpu_trials, "seconds": secs, "trials_per_s": rate,
                      "fraction_of_peak": flops * rate / cpu_peak}
        print(f"cpu ({args.cpu_blas_threads} BLAS threads): measured FP64 matmul "
              f"{cpu_peak / 1e9:.3g} GFLOP/s; engine {rate:.4g} trials/s, "
              f"{100 * flops * rate / cpu_peak:.3g}% of measured peak")
        if "trials_per_s" in out["device"]:
            print(f"device / cpu speed-up: {out['device']['trials_per_s'] / rate:.3g}x")
    if args.out:
        atomic_write_bytes(args.out, json.dumps(out, indent=1).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
