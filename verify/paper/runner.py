"""Simulate every grid point of the paper study through one executor (``numeric.executors``).

Seeding: point ``i`` of the saved grid draws from ``SeedSequence(seed).spawn(len(grid))[i]``;
its seed blocks are tasks, whichever worker runs them, so the numbers do not depend on the
executor or ``workers``.

Local workers are *spawned* processes started with single-threaded BLAS: the engines do many
small batched solves, for which OpenBLAS threads only contend with each other (and with the
other worker) on a small machine. Their entry point is in ``numeric``, so a worker imports
``numeric`` only.
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

import numeric
from numeric.executors import make_executor
from numeric.simulate import simulate_many
from numeric.validation import check_scalar

# Environment variables that fix the BLAS/OpenMP thread count of a freshly started process.
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def spectrum_scenario(latent: int, decay: float, d_s: int, d_w: int, theta_seed: int, d_sw: int,
                      n: int, N: int, sigma2: float):
    r"""The authors' diagonal-spectrum scenario (notes/paper-study.md), any parameters.

    :math:`\lambda_i = i^{-\mathrm{decay}}` over ``latent`` coordinates; strong features are
    coordinates ``[0, d_s)``, weak ``[d_s - d_sw, d_s - d_sw + d_w)``; target
    :math:`\theta_i = \pm 1/\sqrt{d_s d_w}` with Rademacher signs from
    ``numpy.random.default_rng(theta_seed)`` (the same draw as
    :meth:`numeric.Scenario.paper_notebook`).
    """
    doff = d_s - d_sw
    if doff < 0 or doff + d_w > latent:
        raise ValueError(f"d_sw must be in [{max(0, d_s + d_w - latent)}, {min(d_s, d_w)}] so that "
                         f"the weak block fits in {latent} latent coordinates, got {d_sw}")
    lam = np.arange(1, latent + 1, dtype=float) ** (-float(decay))
    signs = np.random.default_rng(theta_seed).choice([-1.0, 1.0], size=latent)
    theta = signs / math.sqrt(d_s * d_w)
    return numeric.Scenario.from_spectrum(lam, np.arange(d_s), np.arange(doff, doff + d_w), theta,
                                          n=n, N=N, sigma2=sigma2)


@lru_cache(maxsize=16)
def _base(latent, decay, d_s, d_w, theta_seed, d_sw):
    # Geometry and the rotation to canonical form (SVDs of the bases) are computed once per
    # d_sw; Scenario.replace keeps them, so the points (which change n, N, sigma2) and the
    # workers they are sent to do not redo them.
    sc = spectrum_scenario(latent, decay, d_s, d_w, theta_seed, d_sw, 1, 1, 1.0)
    sc.canonical_form()
    return sc


def point_scenario(spec: tuple, n: int, N: int, sigma2: float):
    """Scenario of one grid point; ``spec = (latent, decay, d_s, d_w, theta_seed, d_sw)``."""
    return _base(*spec).replace(n=int(n), N=int(N), sigma2=float(sigma2))


def summarise(result, seed_record) -> SimpleNamespace:
    """What :func:`verify.compare.simulation_summary` reads from a ``SimulationResult``, without
    its scenario and per-trial arrays (which would cost about 1 MB per grid point to keep)."""
    return SimpleNamespace(
        engine=result.engine, trials=int(result.trials), seed=seed_record,
        mean={k: float(v) for k, v in result.mean.items()},
        stderr={k: float(v) for k, v in result.stderr.items()},
        pgr_of_means=float(result.pgr_of_means), pgr_of_means_se=float(result.pgr_of_means_se),
        opr_of_means=float(result.opr_of_means), opr_of_means_se=float(result.opr_of_means_se),
        mean_of_pgr=float(result.mean_of_pgr), mean_of_opr=float(result.mean_of_opr),
    )


def seed_record(seq: np.random.SeedSequence) -> dict:
    """JSON form of a point's seed: ``SeedSequence(entropy, spawn_key=spawn_key)``."""
    return {"entropy": int(seq.entropy), "spawn_key": [int(k) for k in seq.spawn_key]}


@contextmanager
def _single_threaded_children():
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def grid_seeds(config, points) -> list[np.random.SeedSequence]:
    """Each point's own child of ``SeedSequence(config.seed)``, by its index in the grid.

    ``SeedSequence(seed, spawn_key=(i,))`` is exactly ``SeedSequence(seed).spawn(m)[i]`` for any
    ``m > i``, so a subset of the grid gets the same numbers as in the full study.
    """
    return [np.random.SeedSequence(config.seed, spawn_key=(p.index,)) for p in points]


def simulate_grid(config, points, workers: int = 1, progress: bool = False, *, executor=None,
                  store=None, device=None) -> list:
    """Simulate every point; returns :func:`summarise` records in grid order.

    Every point is cut into tasks of one seed block, and all tasks of the grid go to one
    executor (:func:`numeric.simulate_many`), so the numbers do not depend on the executor or
    the number of workers.

    Parameters
    ----------
    workers : int
        Used when ``executor`` is None: 0 runs in this process (for debugging); ``k >= 1`` uses
        ``k`` spawned processes with single-threaded BLAS. Workers import only ``numeric``
        (importing ``verify`` would cost seconds per worker).
    progress : bool
        Show a progress bar on a terminal.
    executor : numeric.executors.Executor, optional
        Run the tasks there instead (e.g. a Dask cluster); not closed here.
    store : numeric.store.RunStore or path, optional
        Resumable run folder: finished tasks are read back, new ones written as they finish.
    device : str, optional
        Array-API device of the simulation engine (``numeric.simulate``'s ``device``).
    """
    workers = check_scalar(workers, "workers", int, min_val=0)
    seqs = grid_seeds(config, points)
    spec = (config.latent, config.decay, config.d_s, config.d_w, config.theta_seed)
    jobs = [(point_scenario((*spec, p.d_sw), p.n, p.N, p.sigma2), config.trials, seq,
             config.engine) for p, seq in zip(points, seqs)]
    out = [None] * len(points)

    def keep(j, result):
        out[j] = summarise(result, seed_record(seqs[j]))   # drop the ~1 MB result at once

    own = executor is None
    ex = make_executor(workers) if own else executor
    try:
        with _single_threaded_children():
            simulate_many(jobs, executor=ex, store=store, quiet=not progress, on_result=keep,
                          device=device)
    finally:
        if own:
            ex.close()
    return out
