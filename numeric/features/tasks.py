"""Feature-probe sweeps as executor tasks: one task = one point ``(n, N)``, all its splits.

A :class:`ProbeChunk` runs on every executor of :mod:`numeric.executors` (in this process, a
local process pool, Dask): it has the chunk interface (``scenario`` = the shared payload,
``digest``, ``name``, ``size``, ``execute``). The payload is a :class:`FeatureData`, shipped
once per chunk (process pool; workers keep a few by digest) or once per run (Dask). Feature
matrices read from ``.npy`` files travel as their paths and are memory-mapped again in the
worker (nothing but a path is pickled); other arrays travel as arrays.

Numbers: the point ``(n, N)`` draws from ``SeedSequence(seed, spawn_key=(n, N))`` (the rules
of :func:`numeric.features.run_w2s`) under a BLAS thread limit fixed by the task, so they do
not depend on the executor, the worker count, the order or the grid.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from numeric.features.probe import PROBE_KEYS, run_w2s
from numeric.store import package_version

__all__ = ["FeatureData", "ProbeChunk", "probe_key", "valid_point", "GROUP_MODELS"]

GROUP_MODELS = ("weak", "strong", "ceiling", "w2s")


def _digest(arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


class FeatureData:
    """The three arrays of a sweep (weak features, strong features, labels).

    Parameters
    ----------
    F_w, F_s, y : ndarray
        As :func:`numeric.features.run_w2s` takes them.
    paths : tuple of (str or None), optional
        For each array, the ``.npy`` file it was memory-mapped from (``None`` = an array in
        memory): such an array is pickled as its path and mapped again where it is unpickled.
    digest : str, optional
        SHA-256 of the three arrays (computed if not given).
    """

    def __init__(self, F_w, F_s, y, paths=(None, None, None), digest=None):
        self.F_w, self.F_s, self.y = F_w, F_s, y
        self.paths = tuple(paths)
        self.digest = digest or _digest((F_w, F_s, y))

    def __getstate__(self):
        arrays = [None if p is not None else a
                  for p, a in zip(self.paths, (self.F_w, self.F_s, self.y))]
        return {"arrays": arrays, "paths": self.paths, "digest": self.digest}

    def __setstate__(self, state):
        out = [np.load(p, mmap_mode="r", allow_pickle=False) if p is not None else a
               for p, a in zip(state["paths"], state["arrays"])]
        self.F_w, self.F_s, self.y = out
        self.paths, self.digest = tuple(state["paths"]), state["digest"]


def probe_key(digest: str, n: int, N: int, settings: dict) -> str:
    """Run-store key of a point: the data's digest, ``(n, N)``, every setting, the code."""
    ident = {"data": digest, "n": int(n), "N": int(N), "version": package_version(),
             **settings}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def valid_point(data: dict | None, trials: int, groups: int) -> bool:
    """Whether stored arrays are a point's per-split result: the probe keys (and the group
    keys if ``groups``), float64, shapes ``(trials,)`` and ``(trials, groups)``."""
    if data is None:
        return False
    want = set(PROBE_KEYS) | ({k + "_groups" for k in GROUP_MODELS} if groups else set())
    if set(data) != want:
        return False
    for k, a in data.items():
        shape = (trials, groups) if k.endswith("_groups") else (trials,)
        if a.dtype != np.float64 or a.shape != shape:
            return False
    return True


@dataclass(frozen=True)
class ProbeChunk:
    """One point ``(n, N)`` of a sweep, all ``settings["trials"]`` splits.

    ``settings`` is a JSON string (hashable) of ``seed, trials, ridge, label_noise, dims,
    solver, sketch_rank, test_groups``; ``test`` the sweep's fixed test rows (a tuple);
    ``blas_threads`` the BLAS thread limit of the fits (part of the task: the same everywhere).
    """

    scenario: FeatureData | None
    digest: str
    n: int
    N: int
    settings: str
    test: tuple
    blas_threads: int = 1

    @property
    def size(self) -> int:
        return 1

    @property
    def key(self) -> str:
        return probe_key(self.digest, self.n, self.N, json.loads(self.settings))

    @property
    def name(self) -> str:
        return "w2s-probe-" + self.key[:32]

    def execute(self, data: FeatureData) -> dict:
        """The point's per-split arrays (:attr:`numeric.features.ProbeResult.per_split`)."""
        s = json.loads(self.settings)
        ss = np.random.SeedSequence(s["seed"], spawn_key=(int(self.n), int(self.N)))
        with threadpool_limits(self.blas_threads):
            r = run_w2s(data.F_w, data.F_s, data.y, self.n, self.N, s["trials"], seed=ss,
                        ridge=s["ridge"], test_index=np.asarray(self.test, dtype=np.int64),
                        dims=s["dims"], label_noise=s["label_noise"], solver=s["solver"],
                        sketch_rank=s["sketch_rank"], test_groups=s.get("test_groups", 0))
        return {k: np.asarray(v, dtype=np.float64) for k, v in r.per_split.items()}
