"""Seed handling: every trial's random numbers are fixed by the run seed and its index only.

Trials are grouped in blocks of :data:`TRIAL_BLOCK`. Trial ``j`` lives in block
``b = j // TRIAL_BLOCK`` at position ``i = j % TRIAL_BLOCK``; block ``b``'s ``SeedSequence`` is
``SeedSequence(seed).spawn(n_blocks)[b]`` (:func:`child`, built directly from its spawn key, so
nothing is mutated). Within a block, two schemes, chosen by the engine from the design alone:

* *trial streams* (the samples engine, and wishart designs with more than
  :data:`numeric.engines.wishart.BLOCK_STREAM_MAX_P` drawn coordinates): trial ``i`` draws from
  its own generator, seeded by ``spawn(TRIAL_BLOCK)[i]`` of the block's sequence
  (:func:`trial_generator`);
* *block streams* (small wishart designs, the claims' sizes): the block draws from one
  generator seeded by the block's sequence itself (:func:`block_generator`), one call per
  section for all its ``TRIAL_BLOCK`` trials, trial ``i`` taking row ``i``
  (:class:`numeric.engines.draws.BlockDraws`).

Either way the stream of a trial does not depend on batch size, worker count or how many
trials were requested.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

__all__ = ["TRIAL_BLOCK", "as_seed_sequence", "block_generator", "child", "child_key", "ChildKey", "seed_blocks",
           "trial_generator", "trial_seed_sequences"]

TRIAL_BLOCK = 16
"""Number of trials per seed block."""


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Turn a seed input into a :class:`numpy.random.SeedSequence` (like ``check_random_state``).

    Parameters
    ----------
    seed : None, int, sequence of int, SeedSequence or Generator
        ``None`` draws fresh OS entropy (recorded in the result's ``seed``); a non-negative int
        or sequence of ints is used as entropy; a ``SeedSequence`` is used as is; a
        ``Generator`` is consumed to derive 128 bits of entropy.

    Raises
    ------
    ValueError
        If an integer seed is negative or the type is not supported.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=2, dtype=np.uint64).tolist())
    if isinstance(seed, bool):
        raise ValueError(f"seed must be None, an int >= 0, a SeedSequence or a Generator, got {seed!r}")
    if isinstance(seed, numbers.Integral):
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        return np.random.SeedSequence(int(seed))
    if isinstance(seed, (list, tuple)) and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seed):
        return np.random.SeedSequence([int(s) for s in seed])
    raise ValueError(f"seed must be None, an int >= 0, a SeedSequence or a Generator, got {seed!r}")


def child(parent: np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """The ``index``-th child that ``parent.spawn`` would create from a fresh parent."""
    return np.random.SeedSequence(
        entropy=parent.entropy,
        spawn_key=tuple(parent.spawn_key) + (int(index),),
        pool_size=parent.pool_size,
    )


class ChildKey(NamedTuple):
    """What names ``child(parent, index)`` -- its ``entropy`` and ``spawn_key`` -- without
    building the ``SeedSequence`` (which hashes its pool): store keys need only these."""

    entropy: object
    spawn_key: tuple


def child_key(parent: np.random.SeedSequence, index: int) -> ChildKey:
    """The ``entropy`` and ``spawn_key`` of ``child(parent, index)``."""
    return ChildKey(parent.entropy, tuple(parent.spawn_key) + (int(index),))


def seed_blocks(trials: int) -> list:
    """The seed blocks of ``trials`` trials: ``[(b, trials_in_block_b), ...]``, every block
    full but the last."""
    return [(b, min(TRIAL_BLOCK, trials - b * TRIAL_BLOCK))
            for b in range(-(-trials // TRIAL_BLOCK))]


def trial_seed_sequences(root: np.random.SeedSequence, trial_indices) -> list:
    """Seed sequences of the given global trial indices (block/position rule above)."""
    return [child(child(root, j // TRIAL_BLOCK), j % TRIAL_BLOCK) for j in trial_indices]


def block_generator(block: np.random.SeedSequence) -> np.random.Generator:
    """The generator of a whole seed block (``child(root, b)``), for engines that draw each
    section of the block's trials in one call (:class:`numeric.engines.draws.BlockDraws`).

    Its stream is the block sequence's own, independent of its children's (the per-trial
    streams), which have longer spawn keys.
    """
    return np.random.Generator(np.random.SFC64(block))


def trial_generator(ss: np.random.SeedSequence) -> np.random.Generator:
    """The generator a trial draws from (SFC64: ~20% faster normals than PCG64 here)."""
    return np.random.Generator(np.random.SFC64(ss))
