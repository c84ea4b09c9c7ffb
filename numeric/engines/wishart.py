r"""Engine ``"wishart"``: Gaussian features and noise; draws sufficient statistics, not samples.

All outputs of a trial are functions of the Gram matrix of the augmented sample rows
:math:`[x, z]` (``m`` drawn coordinates and one standard-normal label column, with
:math:`y = \theta^\top x + \sqrt{\mathrm{fold}^2 + \sigma^2}\, z`), separately for the labelled
and the unlabelled samples. For ``rows >= p = m + 1`` that Gram is
:math:`W_p(\mathrm{rows}, I)`, drawn by the Bartlett decomposition :math:`W = LL^\top`
(:math:`L_{ii}^2 \sim \chi^2_{\mathrm{rows}-i}`, :math:`L_{ij} \sim N(0,1)` below the diagonal); the
``p`` virtual rows :math:`L^\top` have exactly that Gram and are fed to the same accumulators as
the samples engine. For ``rows < p`` the ``rows x p`` Gaussian rows are drawn directly (already
cheaper). Cost per trial :math:`O(p^2 (d_s + d_w))`, whatever ``n`` and ``N``. Proof of
distributional equivalence: ``notes/wishart-engine.md``.
"""
from __future__ import annotations

import math

import numpy as np

from numeric.engines.fitting import LabelledStats, UnlabelledStats, finish, teacher_and_strong

__all__ = ["run_wishart", "virtual_rows"]


def virtual_rows(gens, p: int, rows: int) -> np.ndarray:
    """(B, r, p) rows whose Gram has the law of ``rows`` iid :math:`N(0, I_p)` rows' Gram."""
    B = len(gens)
    if rows < p:
        out = np.empty((B, rows, p))
        for b, g in enumerate(gens):
            g.standard_normal(out=out[b])
        return out
    # R = L^T is built directly (upper triangular, C-contiguous) so that later matmuls see
    # BLAS-friendly strides.
    R = np.zeros((B, p, p))
    iu = np.triu_indices(p, 1)
    ar = np.arange(p)
    df = rows - ar
    buf = np.empty(iu[0].size)
    for b, g in enumerate(gens):
        R[b, ar, ar] = np.sqrt(g.chisquare(df))
        g.standard_normal(out=buf)
        R[b][iu] = buf
    return R


def run_wishart(design, gens, n: int, N: int) -> dict:
    """Run ``len(gens)`` trials of the wishart engine; returns per-trial arrays.

    Raises
    ------
    ValueError
        If the feature or noise law is not Gaussian or the design was not reduced.
    """
    if not (design.features.is_gaussian and design.noise.is_gaussian):
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian'")
    m = design.m
    w_e = math.sqrt(design.fold ** 2 + design.sigma2)
    lab = LabelledStats(design, len(gens))
    R = virtual_rows(gens, m + 1, n)
    lab.add(R[..., :m], w_e * R[..., m])
    beta_w, beta_s = teacher_and_strong(lab, n)
    unl = UnlabelledStats(design, beta_w)
    R = virtual_rows(gens, m + 1, N)
    unl.add(R[..., :m], w_e * R[..., m])
    return finish(design, lab, unl, beta_s, n, N)
