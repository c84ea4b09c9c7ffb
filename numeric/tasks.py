"""The task body: seed blocks of one scenario through an engine, in engine batches.

A *task* is one seed block (:data:`numeric.seeding.TRIAL_BLOCK` trials) of one scenario. This
module turns blocks into engine batches and their random-number sources, runs them
(:func:`run_blocks`, :func:`run_block`: what a worker of :mod:`numeric.executors` runs) and
reads stored tasks back (:func:`read_task`). It knows nothing of executors or of how the
blocks were planned; a task's numbers depend only on its scenario, its block's seed and the
engine, never on the batching.
"""
from __future__ import annotations

import numpy as np

from numeric.blas import blas_limit
from numeric.design import build_design
from numeric.engines import run_engine
from numeric.engines.draws import BlockDraws
from numeric.engines.samples import chunk_rows
from numeric.engines.wishart import block_streams, wishart_plan
from numeric.result import PER_TRIAL_KEYS
from numeric.seeding import TRIAL_BLOCK, block_generator, child, trial_generator
from numeric.xp import backend

__all__ = ["device_backend", "default_batch", "block_batches", "batch_draws", "run_batch",
           "run_blocks", "run_block", "read_task", "read_tasks"]

# Trials processed together: enough to amortise Python overhead, small enough for memory.
# Wishart: 16 keeps a batch's factors in cache at the paper's sizes (16 x 102^2 doubles per
# factor); on this 2-core machine the 10th-percentile time per trial was 0.78 ms at 16
# against 0.96 ms at 64 (benchmarks/README.md).
_DEFAULT_BATCH = {"samples": 4, "wishart": 16}
# Samples engine: a trial's buffers are its streamed rows (at most chunk_rows(m) of m + 3
# numbers) and a few m x m Gram matrices; small designs batch up to 32 trials (about 1.8x less
# time per trial than 4 at m = 10, the robust claims' sizes), large ones stay at 4 or fewer.
_SAMPLES_BATCH_MAX = 32
_SAMPLES_BATCH_BYTES = 64 * 2**20
# Small designs with block streams: whole blocks, many per batch (the per-batch overhead is
# then spread over many trials; the arrays are a few kB per trial).
_BLOCK_STREAM_BATCH = 256
_WISHART_BATCH_BYTES = 64 * 2**20


def device_backend(device):
    """The :class:`numeric.xp.Backend` of ``device`` (``None`` for NumPy on the CPU).

    Both engines take a backend (see ``device`` in :func:`numeric.simulate`).
    """
    if device is None or device == "cpu":
        return None
    be = backend(device)
    return None if be.name == "numpy" else be


def _block_streams(name: str, design) -> bool:
    """Whether the trials of ``design`` draw from one stream per seed block (small wishart
    designs, :data:`numeric.engines.wishart.BLOCK_STREAM_MAX_P`) rather than one per trial."""
    return name == "wishart" and block_streams(design)


def default_batch(name: str, design, rows: int | None = None) -> int:
    """Trials per engine batch when the caller does not say; ``rows`` (``n + N``, where
    known) lets the samples engine batch more trials of a small design."""
    if _block_streams(name, design):
        return _BLOCK_STREAM_BATCH
    if name == "wishart":
        per_trial = 16 * wishart_plan(design).p_a ** 2      # the two labelled Bartlett factors
        return int(max(1, min(_DEFAULT_BATCH[name], _WISHART_BATCH_BYTES // per_trial)))
    if name == "samples" and rows is not None:
        m = design.m
        per_trial = 8 * (min(int(rows), chunk_rows(m)) * (m + 3) + 4 * m * m)
        return int(max(1, min(_SAMPLES_BATCH_MAX, _SAMPLES_BATCH_BYTES // per_trial)))
    return _DEFAULT_BATCH[name]


def _draws(name: str, design, root, blocks):
    """Random-number source of blocks ``[(b, trials), ...]`` of run ``root`` (a batch).

    Block streams: block ``b``'s generator is seeded by ``child(root, b)`` itself
    (:class:`numeric.engines.draws.BlockDraws`). Trial streams: trial ``i`` of block ``b`` has
    its own generator, seeded by ``child(child(root, b), i)`` (a list of generators).
    """
    if _block_streams(name, design):
        return BlockDraws([block_generator(child(root, b)) for b, _ in blocks],
                          [t for _, t in blocks], TRIAL_BLOCK)
    gens = []
    for b, t in blocks:
        ss = child(root, b)
        gens.extend(trial_generator(child(ss, i)) for i in range(t))
    return gens


def block_batches(name: str, design, blocks, batch_trials: int) -> list:
    """``blocks`` cut into engine batches of about ``batch_trials`` trials.

    Block streams keep each block whole (a block's draws are made together); trial streams
    cut anywhere. Either way the numbers do not depend on the cut.
    """
    if _block_streams(name, design):
        per = max(1, batch_trials // TRIAL_BLOCK)
        return [blocks[i:i + per] for i in range(0, len(blocks), per)]
    out, cur, room = [], [], batch_trials
    for b, t in blocks:
        start = 0
        while start < t:
            take = min(room, t - start)
            cur.append((b, start, take))
            start += take
            room -= take
            if room == 0:
                out.append(cur)
                cur, room = [], batch_trials
    if cur:
        out.append(cur)
    return out


def batch_draws(name: str, design, root, batch):
    """Draw source of one batch from :func:`block_batches`."""
    if _block_streams(name, design):
        return _draws(name, design, root, batch)
    gens = []
    for b, start, take in batch:
        ss = child(root, b)
        gens.extend(trial_generator(child(ss, i)) for i in range(start, start + take))
    return gens


def _ratios(out):
    """``(pgr, opr)`` of per-trial risks (NaN/inf where a denominator vanishes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((out["weak"] - out["w2s"]) / (out["weak"] - out["ceiling"]),
                out["strong"] / out["w2s"])


def run_batch(scenario, design, name: str, gens, be=None) -> dict:
    """One engine batch: the engine's per-trial risks plus ``pgr`` and ``opr``."""
    out = run_engine(name, design, gens, scenario.n, scenario.N, backend=be)
    out["pgr"], out["opr"] = _ratios(out)
    return out


def run_blocks(scenario, root, blocks, name: str, device=None) -> list:
    """Blocks ``(b, trials)`` of run ``root`` in engine batches of the usual size (a chunk's
    body). Results do not depend on the batching, so each block equals :func:`run_block`'s."""
    be = device_backend(device)
    design = build_design(scenario)
    batches = block_batches(name, design, list(blocks),
                            default_batch(name, design, scenario.n + scenario.N))
    with blas_limit(1):
        parts = [run_batch(scenario, design, name, batch_draws(name, design, root, bt), be)
                 for bt in batches]
    flat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out, start = [], 0
    for _, t in blocks:
        # Views: each block's slices are its own (disjoint) part of arrays made here.
        out.append({k: v[start:start + t] for k, v in flat.items()})
        start += t
    return out


def run_block(scenario, seed_sequence, trials: int, name: str, device=None) -> dict:
    """One block with a resolved engine name (no store)."""
    be = device_backend(device)
    design = build_design(scenario)
    if _block_streams(name, design):
        gens = BlockDraws([block_generator(seed_sequence)], [trials], TRIAL_BLOCK)
    else:
        gens = [trial_generator(child(seed_sequence, i)) for i in range(trials)]
    with blas_limit(1):
        return run_batch(scenario, design, name, gens, be)


def read_tasks(store, keys, trials) -> list:
    """:func:`read_task` of several tasks (``trials``: one count for all, or one per key),
    reading the store once per few hundred keys (:meth:`numeric.store.RunStore.get_many`)."""
    keys = list(keys)
    counts = [trials] * len(keys) if isinstance(trials, (int, np.integer)) else list(trials)
    out = [None] * len(keys)
    for t in sorted(set(counts)):
        idx = [i for i, c in enumerate(counts) if c == t]
        for i, data in zip(idx, store.get_many([keys[i] for i in idx], fields=PER_TRIAL_KEYS,
                                               trials=t)):
            out[i] = None if data is None else _fits_ratios(store, data)
    return out


def _fits_ratios(store, out):
    pgr, opr = _ratios(out)
    if not (np.array_equal(pgr, out["pgr"], equal_nan=True)
            and np.array_equal(opr, out["opr"], equal_nan=True)):
        store.rejected += 1
        return None
    return out


def read_task(store, key: str, trials: int):
    """A stored task's per-trial arrays if they fit the task, else ``None`` (run it again).

    Fitting means: exactly the :data:`PER_TRIAL_KEYS`, float64 arrays of length ``trials``
    (:meth:`numeric.store.RunStore.get`), and ``pgr``/``opr`` equal bit for bit to the ratios
    of the stored risks (how :func:`run_batch` made them), which catches arrays that were
    swapped or edited.
    """
    return read_tasks(store, [key], trials)[0]
