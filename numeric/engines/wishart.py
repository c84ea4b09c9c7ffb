r"""Engine ``"wishart"``: Gaussian features and noise; draws sufficient statistics, not samples.

Every output of a trial is a function of the Gram matrix of the augmented rows :math:`[x, z]`
(the ``m`` drawn coordinates of the reduced design and one standard-normal label column, with
:math:`y = \theta^\top x + w_e z`, :math:`w_e = \sqrt{\mathrm{fold}^2 + \sigma^2}`), separately
for the ``n`` labelled and the ``N`` unlabelled samples; the two Grams are independent. Proof
that the engine has the same joint law as ``"samples"``: ``notes/wishart-engine.md``.

Fast path (``n >= p = m + 1`` and ``N >= d_s``), :math:`O(p^2 (d_s + 1) + d_w^2)` per trial:

* labelled: rotate the drawn coordinates to :math:`v = [B_w, C_w]^\top x` (the weak features
  first, then an orthonormal complement) and append ``z``. Then :math:`v` is
  :math:`N(0, I_p)` and its Gram is :math:`R^\top R` with :math:`R` the Bartlett factor (upper
  triangular, :math:`R_{ii}^2 \sim \chi^2_{n-i}`, :math:`R_{ij} \sim N(0,1)` for ``j > i``). The
  ``p`` rows of :math:`R` are "virtual samples" with exactly the data's Gram. The teacher's
  Gram is :math:`R_{11}^\top R_{11}` (leading ``d_w`` block), so
  :math:`\hat\beta_w = R_{11}^{-1} (R\varphi)_{1:d_w}` with :math:`\varphi` the label vector in
  ``v`` coordinates; the strong baseline is OLS on the virtual rows.
* unlabelled: the strong features are the first ``d_s`` drawn coordinates, so only the first
  ``d_s`` rows of the Bartlett factor :math:`R'` are needed (their law is that of the ``R``
  factor of the QR of the first ``d_s`` columns, with the other columns' projections iid
  normal, valid for ``N >= d_s``): :math:`\hat b = R_{11}'^{-1}(R' g)_{1:d_s}` with ``g`` the
  teacher's function, and the ceiling adds :math:`R_{11}'^\top R_{11}'` and
  :math:`R_{11}'^\top (R'\varphi')_{1:d_s}` to the labelled strong statistics.

Otherwise (interpolating sizes) the ``rows x p`` Gaussian rows are drawn directly (there are
fewer than ``p`` of them) and fed to the shared accumulators.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from numeric.design import Projector
from numeric.engines.fitting import (
    LabelledStats, UnlabelledStats, finish, risks, teacher_and_strong,
)
from numeric.solvers import min_norm_solve

__all__ = ["run_wishart", "bartlett_rows"]


def bartlett_rows(gens, p: int, rows: int, keep: int | None = None) -> np.ndarray:
    r"""First ``keep`` rows of upper-triangular Bartlett factors, shape (B, keep, p).

    For ``keep = p``: :math:`R^\top R \sim W_p(\mathrm{rows}, I)`. Requires
    ``rows >= keep``. Per trial the stream holds ``keep`` chi-squares (df ``rows - i``) then the
    strictly-upper entries row by row.
    """
    keep = p if keep is None else keep
    B = len(gens)
    R = np.zeros((B, keep, p))
    iu = np.triu_indices(keep, 1, p)
    flat = iu[0] * p + iu[1]
    ar = np.arange(keep)
    df = rows - ar
    buf = np.empty(flat.size)
    for b, g in enumerate(gens):
        Rb = R[b].reshape(-1)
        Rb[ar * (p + 1)] = np.sqrt(g.chisquare(df))
        g.standard_normal(out=buf)
        Rb[flat] = buf
    return R


def _gaussian_rows(gens, p: int, rows: int) -> np.ndarray:
    out = np.empty((len(gens), rows, p))
    for b, g in enumerate(gens):
        g.standard_normal(out=out[b])
    return out


def _tri_solve(R: np.ndarray, v: np.ndarray, trans: int = 0) -> np.ndarray:
    return scipy.linalg.solve_triangular(R, v[..., None], trans=trans, lower=False,
                                         check_finite=False)[..., 0]


class _FastPlan:
    """Per-design constants of the fast path."""

    def __init__(self, design):
        m, d_w = design.m, design.d_w
        Q = np.hstack([design.B_w, design.C_w])            # m x m orthogonal, weak first
        self.T_s = Projector(Q.T @ design.B_s)             # strong features from v coords
        w_e = math.sqrt(design.fold ** 2 + design.sigma2)
        self.phi = np.append(Q.T @ design.theta, w_e)      # labels in (v, z) coordinates
        self.phi_u = np.append(design.theta, w_e)          # labels in (x, z) coordinates
        self.p = m + 1
        self.d_w = d_w


def _plan(design) -> _FastPlan:
    plan = getattr(design, "_wishart_plan", None)
    if plan is None:
        plan = _FastPlan(design)
        design._wishart_plan = plan
    return plan


def run_wishart(design, gens, n: int, N: int) -> dict:
    """Run ``len(gens)`` trials of the wishart engine; returns per-trial arrays.

    Raises
    ------
    ValueError
        If the feature or noise law is not Gaussian or the design is not reduced.
    """
    if not (design.features.is_gaussian and design.noise.is_gaussian) or design.C_w is None:
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian' "
                         "(and a reduced design)")
    m, d_s = design.m, design.d_s
    p = m + 1
    if n >= p and N >= d_s:
        return _run_fast(design, gens, n, N)
    w_e = math.sqrt(design.fold ** 2 + design.sigma2)
    lab = LabelledStats(design, len(gens))
    R = bartlett_rows(gens, p, n) if n >= p else _gaussian_rows(gens, p, n)
    lab.add(R[..., :m], w_e * R[..., m])
    beta_w, beta_s = teacher_and_strong(lab, n)
    unl = UnlabelledStats(design, beta_w)
    R = bartlett_rows(gens, p, N) if N >= p else _gaussian_rows(gens, p, N)
    unl.add(R[..., :m], w_e * R[..., m])
    return finish(design, lab, unl, beta_s, n, N)


def _run_fast(design, gens, n: int, N: int) -> dict:
    plan = _plan(design)
    m, d_s, d_w, p = design.m, design.d_s, design.d_w, plan.p
    # Labelled: virtual rows R (B, p, p) in (v, z) coordinates.
    R = bartlett_rows(gens, p, n)
    Rphi = R @ plan.phi                                   # labels of the virtual rows
    beta_w = _tri_solve(R[:, :d_w, :d_w], Rphi[:, :d_w])
    P_s = plan.T_s(R[..., :m])                            # (B, p, d_s)
    P_sT = np.swapaxes(P_s, -1, -2)
    G_s = P_sT @ P_s
    r_s = (P_sT @ Rphi[..., None])[..., 0]
    beta_s = min_norm_solve(G_s, r_s, n)
    # Unlabelled: first d_s rows of the Bartlett factor in (x, z) coordinates.
    Ru = bartlett_rows(gens, p, N, keep=d_s)              # (B, d_s, p)
    R11 = Ru[:, :, :d_s]
    g = beta_w @ design.B_w.T                             # teacher's function on x
    t = np.einsum("bij,bj->bi", Ru[..., :m], g)
    b_w2s = _tri_solve(R11, t)
    u = Ru @ plan.phi_u
    R11T = np.swapaxes(R11, -1, -2)
    G_c = G_s + R11T @ R11
    r_c = r_s + (R11T @ u[..., None])[..., 0]
    b_c = min_norm_solve(G_c, r_c, n + N)
    return risks(design, beta_w, beta_s, b_w2s, b_c)
