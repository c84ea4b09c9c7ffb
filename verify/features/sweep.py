"""Sweeps of :func:`numeric.features.run_w2s` over N (fixed n) and over n (fixed N), resumable.

Seeds: the root ``SeedSequence(seed)`` draws the one test set of the whole sweep (its child 1,
the rule of :func:`run_w2s`); the point ``(n, N)`` runs with
``SeedSequence(seed, spawn_key=(n, N))``, so a point shared by the two sweeps is computed once
and its numbers do not depend on the grid, the order, the executor or the worker count.

Execution: each point is one task (:class:`numeric.features.tasks.ProbeChunk`) run by an
executor of :mod:`numeric.executors` (in this process, a local process pool, or Dask: the
options ``--workers`` and ``--dask`` of ``verify features``). Resuming: each finished point is
one atomically written row of a :class:`numeric.store.RunStore` folder, keyed by the data's
digest and every setting (:func:`numeric.features.tasks.probe_key`); rerunning the same command
reads it back, and a stored row that does not fit the point is computed again.
"""
from __future__ import annotations

import json

import numpy as np

from numeric.executors import ExecutionStats, SerialExecutor
from numeric.features.probe import PROBE_KEYS
from numeric.features.tasks import FeatureData, ProbeChunk, valid_point
from numeric.result import summarise
from numeric.seeding import as_seed_sequence, child

__all__ = ["data_digest", "test_rows", "run_points", "run_sweep", "grid"]


def data_digest(F_w, F_s, y) -> str:
    """SHA-256 of the three arrays (shape, dtype and bytes)."""
    return FeatureData(F_w, F_s, y).digest


def test_rows(rows: int, test_size: int, seed: int) -> np.ndarray:
    """The sweep's fixed test set (as :func:`run_w2s` draws it from the root seed)."""
    rng = np.random.default_rng(child(as_seed_sequence(seed), 1))
    return np.sort(rng.permutation(rows)[:test_size])


def grid(lo: int, hi: int, points: int) -> list[int]:
    """``points`` integers from ``lo`` to ``hi`` (the authors' ``linspace(..., dtype=int)``)."""
    return sorted(set(int(v) for v in np.linspace(lo, hi, points).astype(int)))


def run_points(data: FeatureData, points, settings: dict, test, *, executor=None, store=None,
               blas_threads: int = 1, progress=None) -> tuple[dict, ExecutionStats]:
    """Per-split arrays of each point ``(n, N)`` in ``points``: ``({point: arrays}, stats)``.

    Points found in ``store`` (and fitting the point: :func:`valid_point`) are read back; the
    others run on ``executor`` (default: in this process) and are stored as they finish, so an
    interrupted sweep keeps them. ``progress(point)`` is called for each point as it is ready.
    """
    executor = SerialExecutor() if executor is None else executor
    points = list(dict.fromkeys((int(n), int(N)) for n, N in points))
    text = json.dumps(settings, sort_keys=True)
    test = tuple(int(i) for i in np.asarray(test))
    groups = int(settings.get("test_groups", 0) or 0)
    stats = ExecutionStats(executor.name, executor.workers, tasks=len(points))
    out, chunks = {}, []
    for p in points:
        c = ProbeChunk(data, data.digest, p[0], p[1], text, test, blas_threads)
        got = store.get(c.key) if store is not None else None
        if valid_point(got, settings["trials"], groups):
            out[p] = got
            stats.tasks_from_store += 1
            if progress:
                progress(p)
        else:
            chunks.append(c)

    def done(i, per):
        c = chunks[i]
        if store is not None:
            store.put(c.key, per, meta={"n": c.n, "N": c.N})
        out[(c.n, c.N)] = per
        stats.tasks_run += 1
        if progress:
            progress((c.n, c.N))

    executor.run(chunks, done, stats)
    executor.totals.add(stats)
    return {p: out[p] for p in points}, stats


def _summarise(points, x):
    """Sweep dict of :mod:`verify.features.analysis` from per-split arrays."""
    ns, Ns, mean, se = [], [], {k: [] for k in PROBE_KEYS}, {k: [] for k in PROBE_KEYS}
    extra = {k: [] for k in ("pgr_of_means", "pgr_of_means_se", "opr_of_means",
                             "opr_of_means_se")}
    for (n, N), per in points:
        s = summarise({k: np.asarray(v, float) for k, v in per.items()})
        ns.append(n)
        Ns.append(N)
        for k in PROBE_KEYS:
            mean[k].append(s["mean"][k])
            se[k].append(s["stderr"][k])
        for k in extra:
            extra[k].append(s[k])
    T = int(len(points[0][1]["weak"]))
    out = {"x": x, "n": np.array(ns, float), "N": np.array(Ns, float), "trials": T,
           "mean": {k: np.array(v) for k, v in mean.items()},
           "se": {k: np.array(v) for k, v in se.items()},
           "ratio_of_means": {k: np.array(v) for k, v in extra.items()}}
    if all("w2s_groups" in per for _, per in points):
        # Mean over splits of each test group's MSE (paired comparisons, geometry module).
        out["groups"] = {k: np.array([np.asarray(per[k + "_groups"]).mean(0)
                                      for _, per in points])
                         for k in ("weak", "strong", "ceiling", "w2s")}
    return out


def run_sweep(data: FeatureData, *, n_fixed, N_grid, N_fixed, n_grid, settings, test,
              executor=None, store=None, blas_threads: int = 1, progress=None) -> dict:
    """Both sweeps: ``{"N": sweep over N_grid at n_fixed, "n": sweep over n_grid at N_fixed}``
    (points through :func:`run_points`; the run's counts in ``executor.totals``)."""
    plan = {"N": [(n_fixed, N) for N in N_grid], "n": [(n, N_fixed) for n in n_grid]}
    per, _ = run_points(data, plan["N"] + plan["n"], settings, test, executor=executor,
                        store=store, blas_threads=blas_threads, progress=progress)
    out = {}
    for x, pts in plan.items():
        out[x] = _summarise([(p, per[p]) for p in pts], x)
        K = settings.get("test_groups", 0)
        if K and "groups" in out[x]:
            out[x]["group_sizes"] = np.bincount(np.arange(len(test)) % K, minlength=K)
    return out
