r"""Engine ``"samples"``: draws the actual samples, any feature and noise law.

Each trial has its own generator (see :mod:`numeric.seeding`). Per trial the stream is consumed
in a fixed order: for each labelled chunk the ``rows x m`` coordinates, then (Gaussian designs
with a folded target component) ``rows`` fold coordinates, then ``rows`` noise values; then the
unlabelled chunks.

Unlabelled rows of a Gaussian (reduced) design: the student and the ceiling read an
unlabelled sample only through its strong features (the first ``d_s`` drawn coordinates), the
teacher's prediction and the true label. The other coordinates ``x_c`` (and the fold
coordinate) are independent of the strong features and enter only through the two scalars
:math:`x_c^\top g_c` (teacher) and :math:`x_c^\top \theta_c` (target), jointly normal given
the teacher; so each unlabelled row draws ``d_s`` strong coordinates, one normal pair and the
noise (see :func:`numeric.engines.fitting.complement_pair`). Other laws draw every coordinate. The chunk length depends only on the design (not on the batch),
so results are bit-identical whatever the batch size. Rows are streamed in chunks and only the
Gram statistics are kept, so memory is :math:`O(B \cdot \mathrm{chunk} \cdot m + B d^2)`.

With ``backend`` (a :class:`numeric.xp.Backend`: PyTorch or CuPy, e.g. on a GPU) the
:math:`O(\mathrm{rows} \cdot d^2)` part, projecting each chunk onto the features and
accumulating the Grams and moments, runs on that device (:mod:`numeric.engines.samples_xp`).
The random numbers are still drawn here, by the same generators in the same order, and copied
to the device, so a device run is the same Monte Carlo sample as the NumPy run.
"""
from __future__ import annotations

import math

import numpy as np

from numeric.engines.fitting import (
    LabelledStats, UnlabelledStats, complement_pair, finish, rowmat, teacher_and_strong,
)

__all__ = ["run_samples", "chunk_rows", "reduced_chunks", "stream", "CHUNK_BYTES"]

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


def stream(design, gens, total, consumer):
    """Draw ``total`` rows per trial in chunks and feed each to ``consumer.add(Z, e)``.

    ``Z`` (B, rows, m) and ``e`` (B, rows) are views of buffers reused by the next chunk, so
    a consumer must not keep them.
    """
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


class _ReducedUnlabelled:
    """Streams unlabelled rows of a reduced Gaussian design (strong coords + one normal pair)."""

    def __init__(self, design, unl: UnlabelledStats):
        d_s, m = design.d_s, design.m
        g = rowmat(unl.beta_w, design.B_w.T)
        B = g.shape[0]
        self.unl, self.design = unl, design
        self.g_s = g[:, :d_s]
        self.theta_s = design.theta[:d_s]
        g_c = np.zeros((B, m - d_s + 1))
        g_c[:, : m - d_s] = g[:, d_s:]
        phi_c = np.broadcast_to(np.append(design.theta[d_s:], design.fold), g_c.shape)
        self.g_c, self.phi_c = g_c, phi_c

    def run(self, gens, total):
        sigma = math.sqrt(self.design.sigma2)
        for Zs, U, e in reduced_chunks(self.design, gens, total):
            a, c = complement_pair(self.g_c, self.phi_c, U)
            f_w = (Zs @ self.g_s[..., None])[..., 0] + a
            y = Zs @ self.theta_s + c + sigma * e
            self.unl.add_parts(Zs, f_w, y)


def reduced_chunks(design, gens, total):
    """Yield the unlabelled draws of a reduced Gaussian design, chunk by chunk.

    Per chunk and trial: ``rows x d_s`` strong coordinates, ``rows`` normal pairs, ``rows``
    noise values (in that order). Yields ``(Zs, U, e)`` of shapes (B, rows, d_s),
    (B, rows, 2) and (B, rows), freshly allocated for each chunk.
    """
    B = len(gens)
    step = min(total, chunk_rows(design.d_s + 1))
    done = 0
    while done < total:
        rows = min(step, total - done)
        Zs = np.empty((B, rows, design.d_s))
        U = np.empty((B, rows, 2))
        e = np.empty((B, rows))
        for b, gen in enumerate(gens):
            gen.standard_normal(out=Zs[b])
            gen.standard_normal(out=U[b])
            design.noise.fill(gen, e[b])
        yield Zs, U, e
        done += rows


def run_samples(design, gens, n: int, N: int) -> dict:
    """Run ``len(gens)`` trials of the samples engine; returns per-trial arrays.

    Parameters
    ----------
    design : numeric.design.Design
    gens : list of numpy.random.Generator
        One generator per trial (the batch is ``len(gens)``).
    n, N : int
        Labelled and unlabelled sample sizes.

    Returns
    -------
    dict
        Per-trial arrays ``weak, strong, ceiling, w2s, misfit`` of length ``len(gens)``.
    """
    lab = LabelledStats(design, len(gens))
    stream(design, gens, n, lab)
    beta_w, beta_s = teacher_and_strong(lab, n)
    unl = UnlabelledStats(design, beta_w)
    if design.C_w is not None:          # reduced Gaussian design
        _ReducedUnlabelled(design, unl).run(gens, N)
    else:
        stream(design, gens, N, unl)
    return finish(design, lab, unl, beta_s, n, N)
