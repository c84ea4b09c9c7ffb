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

    def chisquare_steps(self, top: int, k: int) -> np.ndarray:
        r"""``(B, k)``: column ``i`` is :math:`\chi^2_{top - i}` (a Bartlett diagonal); one
        ``chisquare`` call per trial with the ``k`` degrees of freedom."""
        return self.chisquare(np.arange(top, top - k, -1, dtype=float))


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
        # Row indices of the trials asked for in an array of every block's full draw (None:
        # every block is used whole).
        self._rows = None if all(c == self.block for c in self.counts) else np.concatenate(
            [np.arange(i * self.block, i * self.block + c) for i, c in enumerate(self.counts)])

    def __len__(self) -> int:
        return sum(self.counts)

    def _cat(self, parts):
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def normal(self, shape) -> np.ndarray:
        # Each block's generator fills its own rows of one array (the values of a separate
        # array per block, without the copies of concatenating them).
        shape = _shape(shape)
        out = np.empty((len(self.gens) * self.block, *shape))
        for i, g in enumerate(self.gens):
            g.standard_normal(out=out[i * self.block:(i + 1) * self.block])
        return out if self._rows is None else out[self._rows]

    def chisquare(self, df: float) -> np.ndarray:
        r"""``(B,)`` draws of :math:`\chi^2_{df}` (one degree of freedom for all: the scalar
        path of ``Generator.chisquare``, whose array path costs ~30 us a call)."""
        return self._cat([g.chisquare(float(df), size=self.block)[:c]
                          for g, c in zip(self.gens, self.counts)])

    def chisquare_steps(self, top: int, k: int) -> np.ndarray:
        r"""``(B, k)``: column ``i`` is :math:`\chi^2_{top - i}`, ``top - k + 1 >= 1`` (integer
        degrees of freedom, as in a Bartlett factor).

        Per block: ``k`` draws of :math:`\chi^2_{top-k+1}`, then :math:`k(k-1)/2` standard
        normals, of which column ``i`` adds the squares of ``k - 1 - i``: a sum of independent
        chi-squares is chi-square with the summed degrees of freedom, so column ``i`` is exactly
        :math:`\chi^2_{top-i}`, from two generator calls instead of one call per degree of
        freedom.
        """
        top, k = int(top), int(k)
        base = top - k + 1
        if base < 1:
            raise ValueError(f"need top - k + 1 >= 1, got top={top}, k={k}")
        # The generator calls stay block by block, in this order (each block's stream); the
        # arithmetic on them is elementwise or along a row, so it is done once for all blocks.
        rows_all = len(self.gens) * self.block
        chi = np.empty((rows_all, k))
        z = np.empty((rows_all, k * (k - 1) // 2)) if k > 1 else None
        for i, g in enumerate(self.gens):
            sl = slice(i * self.block, (i + 1) * self.block)
            chi[sl] = g.chisquare(float(base), size=(self.block, k))
            if z is not None:
                g.standard_normal(out=z[sl])
        if z is not None:
            extra = np.zeros((rows_all, k, k - 1))
            extra[:, _steps_mask(k)] = z * z
            chi += extra.sum(axis=-1)
        return chi if self._rows is None else chi[self._rows]


_MASKS: dict = {}


def _steps_mask(k: int) -> np.ndarray:
    """``(k, k-1)`` boolean: entry ``(i, j)`` set for ``j < k - 1 - i`` (row-major fill order)."""
    m = _MASKS.get(k)
    if m is None:
        m = _MASKS[k] = np.arange(k - 1)[None, :] < (k - 1 - np.arange(k))[:, None]
    return m


def _shape(shape) -> tuple:
    return tuple(int(s) for s in shape) if isinstance(shape, (tuple, list)) else (int(shape),)


def as_draws(gens):
    """``gens`` as a draw source: a :class:`TrialDraws`/:class:`BlockDraws` as is, a sequence
    of generators as :class:`TrialDraws`."""
    if isinstance(gens, (TrialDraws, BlockDraws)):
        return gens
    return TrialDraws(gens)
