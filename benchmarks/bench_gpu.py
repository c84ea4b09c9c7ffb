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
  This is a lower bound on the hardware's useful work: drawing the normals (about 0.31
  million per trial once the idle weak directions are marginalised) is not counted as FLOPs.

With ``--samples`` it also times the ``samples`` engine (Gaussian, reduced design) on the device
and, with ``--samples-cpu-trials``, on the CPU, at ``--samples-dims`` (default the same
dimensions; one trial there streams n = 20000 rows of m = 7350 coordinates: about 2 TFLOP of
Gram accumulation, tens of seconds on a CPU). Its model FLOPs (:func:`samples_flops`) are the
Gram and moment accumulation plus the host solves; drawing the ``(n + N) x m`` normals on the
host is not counted and bounds the device's speed-up (the numbers are the CPU's stream).

The engine runs on the device only if ``numeric.simulate`` accepts ``device=`` (the array-API
port of the engines); otherwise the device row says so and only the peak is measured there.
Results go to stdout and, with ``--out``, to a JSON file (written atomically). Record them in
benchmarks/README.md with the card's name.

    .venv/bin/python benchmarks/bench_gpu.py --samples --samples-trials 2 --samples-cpu-trials 1
    .venv/bin/python benchmarks/bench_gpu.py --device torch:cpu --trials 1 --cpu-trials 0 \
        --peak-size 256 --samples --samples-dims 20,40,400,300    # a smoke run of the code path
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

    The labelled side (``notes/wishart-engine.md`` section 7; ``q`` idle weak directions
    marginalised, teacher block ``t``, rest ``r``, ``p_a = t + r``) computes:
    - the teacher's labels and back substitution, ``3 t^2``, and, when ``q > 0``, the idle
      norm ``2 t^2``, the teacher block's Gram ``2 t^3`` and its Cholesky ``t^3/3``;
    - the strong Gram of the ``p_a x p_a`` factor, ``sum 2 |s_i| |s_j| min(stop_i, stop_j)``
      over pairs of runs (or ``2 p_a m_a d_s + 2 p_a d_s^2`` when the projector is dense), its
      labels ``2 p_a t`` and moments ``2 p_a m_a + 2 m_a d_s``, and the rank-two rotation
      ``4 p_a r + 4 p_a m_a + 6 d_s^2``;
    - the map back to the weak features, ``4 d_w``.

    Add two Cholesky solves ``2 d_s^3/3``, the unlabelled factor's Gram ``2 d_s^3``, the teacher
    function ``2 d_w m`` and ``O(d_s^2)`` triangular products.
    """
    from numeric.engines.wishart import wishart_plan

    m, d_s, d_w = design.m, design.d_s, design.d_w
    plan = wishart_plan(design)
    t, r, p_a, m_a = plan.t, plan.r, plan.p_a, plan.p_a - 1
    terms = plan.T_s.terms
    if terms is None or any(tt[2] is not None for tt in terms):
        gram = 2.0 * p_a * m_a * d_s + 2.0 * p_a * d_s ** 2
    else:
        gram = 0.0
        for i, (di, si, _) in enumerate(terms):
            for dj, sj, _ in terms[: i + 1]:
                top = min(si.stop, sj.stop)
                gram += 2.0 * (si.stop - si.start) * (sj.stop - sj.start) * top
    teacher = 3.0 * t ** 2 + ((2.0 * t ** 2 + 2.0 * t ** 3 + t ** 3 / 3 + 4.0 * d_w)
                              if plan.q else 0.0)
    strong = gram + 2.0 * p_a * t + 2.0 * p_a * m_a + 2.0 * m_a * d_s
    rotation = (4.0 * p_a * r + 4.0 * p_a * m_a + 6.0 * d_s ** 2) if plan.w is not None else 0.0
    return (teacher + strong + rotation + 2.0 * d_s ** 3 / 3 + 2.0 * d_s ** 3
            + 2.0 * d_w * m + 8.0 * d_s ** 2)


def samples_flops(design, n: int, N: int) -> float:
    """Model count of the dense floating-point work of one samples-engine trial (reduced
    Gaussian design, every fit tall).

    Labelled rows: the strong and weak Grams as full products ``2 n (d_s^2 + d_w^2)``, the
    weak projection ``2 n d_w`` (at most two non-zeros per column), labels ``2 n m`` and moments
    ``2 n (d_s + d_w)``; unlabelled rows: Gram ``2 N d_s^2``, teacher function and labels
    ``4 N d_s``, moments ``4 N d_s``; host solves: Cholesky of the teacher's and the three
    strong Grams ``(d_w^3 + 3 d_s^3) / 3``.
    """
    m, d_s, d_w = design.m, design.d_s, design.d_w
    return (2.0 * n * (d_s ** 2 + d_w ** 2) + 2.0 * n * d_w + 2.0 * n * m
            + 2.0 * n * (d_s + d_w) + 2.0 * N * d_s ** 2 + 8.0 * N * d_s
            + (d_w ** 3 + 3.0 * d_s ** 3) / 3.0)


def time_engine(sc, trials: int, seed: int, device: str | None, blas_threads,
                engine: str = "wishart"):
    """Seconds for ``trials`` trials of ``engine`` (one warm-up trial first, not timed)."""
    kw = {} if device is None else {"device": device}
    simulate(sc, 1, seed=seed + 1, engine=engine, blas_threads=blas_threads, **kw)
    t = time.perf_counter()
    res = simulate(sc, trials, seed=seed, engine=engine, blas_threads=blas_threads, **kw)
    return time.perf_counter() - t, res


def _dims(text: str) -> dict:
    try:
        d_s, d_w, n, N = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--samples-dims must be four integers D_S,D_W,N_LAB,N_UNL, "
                                         f"got {text!r}") from None
    if min(d_s, d_w, n, N) < 1 or n <= d_w + 1 or N <= d_s + 1:
        raise argparse.ArgumentTypeError(f"--samples-dims needs n > d_w + 1 and N > d_s + 1 (every "
                                         f"fit tall) and sizes >= 1, got {text!r}")
    return dict(d_s=d_s, d_w=d_w, n=n, N=N, sigma2=1.0, d_sw=min(d_s, d_w) // 2)


def bench_samples(args, be, peak: float, cpu_peak: float | None) -> dict:
    """Time the samples engine on the device (and on the CPU with ``--samples-cpu-trials``)."""
    from numeric.blas import blas_limit

    dims = args.samples_dims
    sc = Scenario(dims["d_s"], dims["d_w"], dims["n"], dims["N"], dims["sigma2"], d_sw=dims["d_sw"])
    design = build_design(sc)
    flops = samples_flops(design, dims["n"], dims["N"])
    out = {"dims": dims, "m": design.m, "model_flops_per_trial": flops}
    print(f"samples engine at {dims}: m = {design.m}, model {flops:.3g} FLOP/trial")
    secs, dev_res = time_engine(sc, args.samples_trials, args.seed, args.device, None, "samples")
    rate = args.samples_trials / secs
    out["device"] = {"trials": args.samples_trials, "seconds": secs, "trials_per_s": rate,
                     "fraction_of_peak": flops * rate / peak}
    print(f"  device: {rate:.4g} trials/s, {100 * flops * rate / peak:.3g}% of measured peak")
    if args.samples_cpu_trials:
        with blas_limit(args.cpu_blas_threads):
            if cpu_peak is None:
                cpu_peak = matmul_flops(backend("cpu"), size=min(args.peak_size, 4096))
            secs, cpu_res = time_engine(sc, args.samples_cpu_trials, args.seed, None,
                                        args.cpu_blas_threads, "samples")
        rate_c = args.samples_cpu_trials / secs
        k = min(args.samples_trials, args.samples_cpu_trials)   # same seed: the same trials
        agree = max(float(abs(dev_res.per_trial[q][:k] / cpu_res.per_trial[q][:k] - 1).max())
                    for q in ("weak", "strong", "ceiling", "w2s"))
        out["cpu"] = {"blas_threads": args.cpu_blas_threads, "trials": args.samples_cpu_trials,
                      "seconds": secs, "trials_per_s": rate_c,
                      "fraction_of_peak": flops * rate_c / cpu_peak,
                      "max_rel_diff_device_vs_cpu": agree}
        print(f"  cpu ({args.cpu_blas_threads} BLAS threads): {rate_c:.4g} trials/s, "
              f"{100 * flops * rate_c / cpu_peak:.3g}% of measured peak; device / cpu "
              f"speed-up {rate / rate_c:.3g}x; max relative difference of the risks {agree:.2g}")
    return out


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
    ap.add_argument("--samples", action="store_true",
                    help="also time the samples engine (device, and CPU with --samples-cpu-trials)")
    ap.add_argument("--samples-dims", type=_dims, default=_dims("700,7000,20000,50000"),
                    metavar="D_S,D_W,N_LAB,N_UNL",
                    help="dimensions of the samples-engine run (default 700,7000,20000,50000)")
    ap.add_argument("--samples-trials", type=int, default=2, help="timed samples trials on the device")
    ap.add_argument("--samples-cpu-trials", type=int, default=0,
                    help="timed samples trials on the CPU (default 0: skip; tens of s each)")
    args = ap.parse_args(argv)
    for name in ("trials", "peak_size", "cpu_blas_threads", "samples_trials"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")
    for name in ("cpu_trials", "samples_cpu_trials"):
        if getattr(args, name) < 0:
            ap.error(f"--{name.replace('_', '-')} must be >= 0")

    sc = Scenario(DIMS["d_s"], DIMS["d_w"], DIMS["n"], DIMS["N"], DIMS["sigma2"], d_sw=DIMS["d_sw"])
    design = build_design(sc)
    flops = engine_flops(design)
    from numeric.engines.wishart import wishart_plan

    out = {"dims": DIMS, "p": design.m + 1, "p_a": wishart_plan(design).p_a,
           "model_flops_per_trial": flops,
           "host": platform.node(), "python": sys.version.split()[0]}
    print(f"wishart engine at {DIMS}: p = {design.m + 1}, p_a = {out['p_a']}, "
          f"model {flops:.3g} FLOP/trial")

    from numeric.blas import blas_limit

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
    if args.samples:
        out["samples"] = bench_samples(args, be, peak, out.get("cpu", {}).get("fp64_matmul_peak_flops"))
    if args.out:
        atomic_write_bytes(args.out, json.dumps(out, indent=1).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
