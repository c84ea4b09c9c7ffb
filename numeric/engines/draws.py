r"""Where an engine's random numbers come from: one generator per trial, or one per seed block.

An engine asks for its random numbers section by section (a Bartlett factor's chi-squares, then
its normals, ...), each section for every trial of the batch at once: ``normal(shape)`` returns
an array ``(B, *shape)``, ``chisquare(df)`` an array ``(B, *df.shape)``.

* :class:`TrialDraws` (a list of per-trial generators, :func:`numeric.seeding.trial_generator`):
  trial ``b`` draws each section from its own generator, so its numbers do not depend on the
  batch. One generator call per trial and section.
* :class:`BlockDraws` (one generator per seed block, :func:`numeric.seeding.block_generator`):
  each section is drawn for the whole block of :data:`numeric.seeding.TRIAL_BLOCK` trials in one
  call, shape ``(TRIAL_BLOCK, *shape)`` in C order, and trial ``i`` of the block takes row ``i``.
  A block always draws its full ``TRIAL_BLOCK`` rows, also when fewer of its trials are asked
  for, so trial ``i``'s numbers depend only on the block's seed and ``i`` (not on the batch, the
  worker, or how many trials the run has). One generator call per block and section.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TrialDraws", "BlockDraws", "as_draws"]


class TrialDraws:
    """Sections drawn trial by trial from ``gens`` (one :class:`numpy.random.Generator` each)."""

    def __init__(self, gens):
        self.gens = list(gens)

    def __len__(self) -> int:
        return len(self.gens)

    def normal(self, shape) -> np.ndarray:
        out = np.empty((len(self.gens), *_shape(shape)))
        for b, g in enumerate(self.gens):
            g.standard_normal(out=out[b])
        return out

    def chisquare(self, df) -> np.ndarray:
        df = np.asarray(df, dtype=float)
        out = np.empty((len(self.gens), *df.shape))
        for b, g in enumerate(self.gens):
            out[b] = g.chisquare(df if df.ndim else float(df))
        return out


class BlockDraws:
    """Sections drawn block by block: ``gens[k]`` is block ``k``'s generator, of which the first
    ``counts[k]`` trials are used (see the module docstring)."""

    def __init__(self, gens, counts, block: int):
        self.gens = list(gens)
        self.counts = [int(c) for c in counts]
        self.block = int(block)
        if len(self.gens) != len(self.counts) or not all(1 <= c <= self.block
                                                          for c in self.counts):
            raise ValueError(f"counts must be in [1, {self.block}], one per generator, got "
                             f"{self.counts}")

    def __len__(self) -> int:
        return sum(self.counts)

    def _cat(self, parts):
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def normal(self, shape) -> np.ndarray:
        return self._cat([g.standard_normal((self.block, *_shape(shape)))[:c]
                          for g, c in zip(self.gens, self.counts)])

    def chisquare(self, df) -> np.ndarray:
        df = np.broadcast_to(np.asarray(df, dtype=float),
                             (self.block, *np.shape(df)))
        return self._cat([g.chisquare(df)[:c] for g, c in zip(self.gens, self.counts)])


def _shape(shape) -> tuple:
    return tuple(int(s) for s in shape) if isinstance(shape, (tuple, list)) else (int(shape),)


def as_draws(gens):
    """``gens`` as a draw source: a :class:`TrialDraws`/:class:`BlockDraws` as is, a sequence
    of generators as :class:`TrialDraws`."""
    if isinstance(gens, (TrialDraws, BlockDraws)):
        return gens
    return TrialDraws(gens)
