"""Sweeps of :func:`numeric.features.run_w2s` over N (fixed n) and over n (fixed N), resumable.

Seeds: the root ``SeedSequence(seed)`` draws the one test set of the whole sweep (its child 1,
the rule of :func:`run_w2s`); the point ``(n, N)`` runs with
``SeedSequence(seed, spawn_key=(n, N))``, so a point shared by the two sweeps is computed once
and its numbers do not depend on the grid, the order or the worker count.

Resuming: each finished point is one atomically written task in a
:class:`numeric.store.RunStore` folder, keyed by the data's digest and every setting; rerunning
the same command reads it back. (The project's executors run ``Scenario`` tasks only; the
splits of a point run in parallel through ``run_w2s(workers=...)`` instead.)
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

from numeric.features import run_w2s
from numeric.features.probe import PROBE_KEYS
from numeric.seeding import as_seed_sequence, child
from numeric.store import package_version

__all__ = ["data_digest", "test_rows", "run_point", "run_sweep", "grid"]


def data_digest(F_w, F_s, y) -> str:
    """SHA-256 of the three arrays (shape, dtype and bytes)."""
    h = hashlib.sha256()
    for a in (F_w, F_s, y):
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def test_rows(rows: int, test_size: int, seed: int) -> np.ndarray:
    """The sweep's fixed test set (as :func:`run_w2s` draws it from the root seed)."""
    rng = np.random.default_rng(child(as_seed_sequence(seed), 1))
    return np.sort(rng.permutation(rows)[:test_size])


def grid(lo: int, hi: int, points: int) -> list[int]:
    """``points`` integers from ``lo`` to ``hi`` (the authors' ``linspace(..., dtype=int)``)."""
    return sorted(set(int(v) for v in np.linspace(lo, hi, points).astype(int)))


def _key(digest, n, N, settings) -> str:
    ident = {"data": digest, "n": n, "N": N, "version": package_version(), **settings}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def run_point(F_w, F_s, y, n, N, settings, test, store=None, digest=None, workers=1) -> dict:
    """Per-split arrays of the point ``(n, N)`` (from ``store`` if it holds them)."""
    key = _key(digest, n, N, settings) if store is not None else None
    if store is not None:
        got = store.get(key)
        if got is not None and all(k in got for k in PROBE_KEYS):
            return got
    ss = np.random.SeedSequence(settings["seed"], spawn_key=(int(n), int(N)))
    r = run_w2s(F_w, F_s, y, n, N, settings["trials"], seed=ss, ridge=settings["ridge"],
                test_index=test, dims=settings["dims"], label_noise=settings["label_noise"],
                solver=settings["solver"], sketch_rank=settings["sketch_rank"], workers=workers,
                test_groups=settings.get("test_groups", 0))
    if store is not None:
        store.put(key, r.per_split, meta={"n": int(n), "N": int(N)})
    return r.per_split


def _summarise(points, x):
    """Sweep dict of :mod:`verify.features.analysis` from per-split arrays."""
    from numeric.result import summarise

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


def run_sweep(F_w, F_s, y, *, n_fixed, N_grid, N_fixed, n_grid, settings, test, store=None,
              workers=1, progress=None) -> dict:
    """Both sweeps: ``{"N": sweep over N_grid at n_fixed, "n": sweep over n_grid at N_fixed}``."""
    digest = data_digest(F_w, F_s, y) if store is not None else None
    cache, out = {}, {}
    for x, pts in (("N", [(n_fixed, N) for N in N_grid]), ("n", [(n, N_fixed) for n in n_grid])):
        done = []
        for p in pts:
            if p not in cache:
                cache[p] = run_point(F_w, F_s, y, p[0], p[1], settings, test, store, digest,
                                     workers)
                if progress:
                    progress(p)
            done.append((p, cache[p]))
        out[x] = _summarise(done, x)
        K = settings.get("test_groups", 0)
        if K and "groups" in out[x]:
            out[x]["group_sizes"] = np.bincount(np.arange(len(test)) % K, minlength=K)
    if store is not None:
        store.flush()
    return out
