r"""Engine ``"samples"``: draws the actual samples, any feature and noise law.

Each trial has its own generator (see :mod:`numeric.seeding`). Per trial the stream is consumed
in a fixed order: for each labelled chunk the ``rows x m`` coordinates, then (Gaussian designs
with a folded target component) ``rows`` fold coordinates, then ``rows`` noise values; then the
same for the unlabelled chunks. The chunk length depends only on the design (not on the batch),
so results are bit-identical whatever the batch size. Rows are streamed in chunks and only the
Gram statistics are kept, so memory is :math:`O(B \cdot \mathrm{chunk} \cdot m + B d^2)`.
"""
from __future__ import annotations

import math

import numpy as np

from numeric.engines.fitting import LabelledStats, UnlabelledStats, finish, teacher_and_strong

__all__ = ["run_samples", "chunk_rows", "CHUNK_BYTES"]

CHUNK_BYTES = 16 * 2**20
"""Target size in bytes of one trial's chunk of drawn coordinates."""


def chunk_rows(m: int) -> int:
    """Rows per chunk for ``m`` drawn coordinates (a function of the design only)."""
    return max(256, CHUNK_BYTES // (8 * (m + 2)))


def _draw(design, gens, Zbuf, fbuf, ebuf, rows):
    """Fill the first ``rows`` rows of the buffers for each trial; return (Z, e) views."""
    Z, e = Zbuf[:, :rows], ebuf[:, :rows]
    sigma = math.sqrt(design.sigma2)
    for b, g in enumerate(gens):
        design.features.fill(g, Z[b])
        if design.fold > 0.0:
            g.standard_normal(out=fbuf[b, :rows])
        design.noise.fill(g, e[b])
    e *= sigma
    if design.fold > 0.0:
        e += design.fold * fbuf[:, :rows]
    return Z, e


def _stream(design, gens, total, consumer):
    B = len(gens)
    step = min(total, chunk_rows(design.m))
    Zbuf = np.empty((B, step, design.m))
    fbuf = np.empty((B, step)) if design.fold > 0.0 else None
    ebuf = np.empty((B, step))
    done = 0
    while done < total:
        rows = min(step, total - done)
        if rows < step:
            # Contiguous smaller buffers keep each trial's draws in row-major order.
            Zbuf = np.empty((B, rows, design.m))
            fbuf = np.empty((B, rows)) if design.fold > 0.0 else None
            ebuf = np.empty((B, rows))
        consumer.add(*_draw(design, gens, Zbuf, fbuf, ebuf, rows))
        done += rows


def run_samples(design, gens, n: int, N: int) -> dict:
    """Run ``len(gens)`` trials of the samples engine; returns per-trial arrays."""
    lab = LabelledStats(design, len(gens))
    _stream(design, gens, n, lab)
    beta_w, beta_s = teacher_and_strong(lab, n)
    unl = UnlabelledStats(design, beta_w)
    _stream(design, gens, N, unl)
    return finish(design, lab, unl, beta_s, n, N)
