r"""Engine ``"wishart"``: Gaussian features and noise; draws sufficient statistics, not samples.

Every output of a trial is a function of the Gram matrix of the augmented rows :math:`[x, z]`
(the ``m`` drawn coordinates of the reduced design and one standard-normal label column, with
:math:`y = \theta^\top x + w_e z`, :math:`w_e = \sqrt{\mathrm{fold}^2 + \sigma^2}`), separately
for the ``n`` labelled and the ``N`` unlabelled samples; the two Grams are independent. Proof
that the engine has the same joint law as ``"samples"``: ``notes/wishart-engine.md``.

Bartlett paths (labelled ``n >= p = m + 1``; unlabelled ``N >= d_s``; each side chosen on its
own), :math:`O(p^2 d_s + d_w^2)` per trial when both apply:

* labelled: rotate the drawn coordinates to :math:`v = [B_w, C_w]^\top x` (the weak features
  first, then an orthonormal complement) and append ``z``. Then :math:`v` is
  :math:`N(0, I_p)` and its Gram is :math:`R^\top R` with :math:`R` the Bartlett factor (upper
  triangular, :math:`R_{ii}^2 \sim \chi^2_{n-i}`, :math:`R_{ij} \sim N(0,1)` for ``j > i``). The
  ``p`` rows of :math:`R` are "virtual samples" with exactly the data's Gram. The teacher's
  Gram is :math:`R_{11}^\top R_{11}` (leading ``d_w`` block), so
  :math:`\hat\beta_w = R_{11}^{-1} (R\varphi)_{1:d_w}` with :math:`\varphi` the label vector in
  ``v`` coordinates; the strong baseline is OLS on the virtual rows.
* unlabelled: the strong features are the first ``d_s`` drawn coordinates. With
  :math:`X' = Q [R_{11}, A]` (QR of the first ``d_s`` columns; valid for ``N >= d_s``),
  :math:`R_{11}` is a ``d_s x d_s`` Bartlett factor and :math:`A = Q^\top X'_{\rm rest}` is
  iid :math:`N(0,1)`, independent of :math:`R_{11}` and of the teacher. The student and the
  ceiling need :math:`A` only through :math:`A g_c` and :math:`A\varphi_c` (teacher function
  and labels on the other coordinates), whose rows are iid bivariate normal given the teacher:
  two normals per row instead of ``p - d_s``. Then
  :math:`\hat b = R_{11}^{-1}(R_{11} g_s + A g_c)` and the ceiling adds
  :math:`R_{11}^\top R_{11}` and :math:`R_{11}^\top (R_{11}\varphi_s + A\varphi_c)` to the
  labelled strong statistics.

The two sides are independent, so each takes its own path:

* labelled, ``n < p``: the ``n x p`` Gaussian rows are drawn directly (fewer than ``p``) and fed
  to the shared accumulators; wide fits (``n < d_w`` or ``n < d_s``) are solved from the rows by
  a QR of :math:`X^\top` (:func:`numeric.solvers.min_norm_rows`);
* unlabelled, ``N < d_s``: the ``N x d_s`` strong rows are drawn directly, and the other
  coordinates again enter through one normal pair per row; the student is the min-norm fit on
  those rows, and a wide ceiling (``n + N < d_s``) stacks them under the labelled rows.

So every regime (interpolating teacher, baseline, student or ceiling, and sizes within one
sample of a threshold, where per-trial risks are finite but their expectation is not) is exact:
``notes/wishart-engine.md`` section 6.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import lapack

from numeric.design import Projector
from numeric.engines.fitting import (
    LabelledStats, ceiling_fit, complement_pair, risks, rowmat, teacher_and_strong,
)
from numeric.solvers import min_norm_rows, min_norm_solve

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


def _tri_solve(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Solve upper-triangular ``R x = v`` per trial (LAPACK trtrs; R.T is F-ordered lower)."""
    out = np.empty(v.shape)
    for b in range(R.shape[0]):
        x, info = lapack.dtrtrs(R[b].T, v[b], lower=1, trans=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"singular Bartlett factor (info={info})")
        out[b] = x
    return out


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


def _tri_gram(R: np.ndarray, proj: Projector) -> tuple[np.ndarray, np.ndarray | None]:
    """Gram of the projected virtual rows, ``P^T P`` with ``P = proj(R)``, and ``P`` if formed.

    When the projector is a plain column selection made of runs, the Gram is assembled block
    by block; because ``R`` is upper triangular, the block of runs ``i, j`` only needs rows up
    to the smaller of their last columns.
    """
    terms = proj.terms
    if terms is None or any(t[2] is not None for t in terms):
        P = proj(R)
        return np.swapaxes(P, -1, -2) @ P, P
    G = np.empty(R.shape[:-2] + (proj.d, proj.d))
    for i, (di, si, _) in enumerate(terms):
        for j, (dj, sj, _) in enumerate(terms[: i + 1]):
            top = min(si.stop, sj.stop)
            blk = np.swapaxes(R[:, :top, si], -1, -2) @ R[:, :top, sj]
            G[:, di, dj] = blk
            if i != j:
                G[:, dj, di] = np.swapaxes(blk, -1, -2)
    return G, None


def _plan(design) -> _FastPlan:
    plan = getattr(design, "_wishart_plan", None)
    if plan is None:
        plan = _FastPlan(design)
        design._wishart_plan = plan
    return plan


def run_wishart(design, gens, n: int, N: int, backend=None) -> dict:
    """Run ``len(gens)`` trials of the wishart engine; returns per-trial arrays.

    The labelled side takes the Bartlett path when ``n >= p`` and draws its ``n x p`` rows
    otherwise; the unlabelled side takes the ``d_s x d_s`` Bartlett factor when ``N >= d_s``
    and draws ``N x d_s`` strong rows otherwise, plus one normal pair per (virtual) row in both
    cases. Every regime (interpolating teacher, student, strong baseline or ceiling) is exact:
    ``notes/wishart-engine.md`` sections 4 and 6. Per trial the stream holds the labelled
    draws, then the unlabelled factor or rows, then the pairs.

    ``backend`` (a :class:`numeric.xp.Backend`, e.g. PyTorch on CUDA) runs the labelled
    Bartlett side, the bulk of the work at large ``d_w``, on that device
    (:mod:`numeric.engines.wishart_xp`); the rest, and every other path, stays on the host.

    Raises
    ------
    ValueError
        If the feature or noise law is not Gaussian or the design is not reduced.
    """
    if not (design.features.is_gaussian and design.noise.is_gaussian) or design.C_w is None:
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian' "
                         "(and a reduced design)")
    plan = _plan(design)
    if n >= plan.p and backend is not None and backend.name != "numpy":
        from numeric.engines.wishart_xp import labelled_bartlett_device

        beta_w, G_s, r_s = labelled_bartlett_device(design, plan, gens, n, backend)
        beta_s = min_norm_solve(G_s, r_s, n)
        lab_store = None
    elif n >= plan.p:
        beta_w, beta_s, G_s, r_s = _labelled_bartlett(design, plan, gens, n)
        lab_store = None
    else:
        beta_w, beta_s, G_s, r_s, lab_store = _labelled_rows(design, plan, gens, n)
    return _unlabelled(design, plan, gens, n, N, beta_w, beta_s, G_s, r_s, lab_store)


def _labelled_rows(design, plan, gens, n: int):
    """Labelled side for ``n < p``: the ``n x p`` Gaussian rows themselves (fewer than p)."""
    m = design.m
    w_e = math.sqrt(design.fold ** 2 + design.sigma2)
    lab = LabelledStats(design, len(gens))
    A = _gaussian_rows(gens, plan.p, n)
    lab.add(A[..., :m], w_e * A[..., m])
    beta_w, beta_s = teacher_and_strong(lab, n)
    return beta_w, beta_s, lab.G_s, lab.r_s, lab.store


def _labelled_bartlett(design, plan, gens, n: int):
    """Labelled side for ``n >= p``: virtual rows R (B, p, p) in (v, z) coordinates."""
    m, d_w = design.m, design.d_w
    R = bartlett_rows(gens, plan.p, n)
    Rphi = R @ plan.phi                                   # labels of the virtual rows
    # R11^{-1} h via the full factor with a zero-padded right-hand side: back substitution
    # gives zeros below row d_w and R11^{-1} h above, and no block copy is needed.
    h = np.zeros((len(gens), plan.p))
    h[:, :d_w] = Rphi[:, :d_w]
    beta_w = _tri_solve(R, h)[:, :d_w]
    G_s, P_s = _tri_gram(R[..., :m], plan.T_s)
    if P_s is None:
        r_s = rowmat(rowmat(Rphi, R[..., :m]), plan.T_s.B)            # P_s^T R phi
    else:
        r_s = (np.swapaxes(P_s, -1, -2) @ Rphi[..., None])[..., 0]
    beta_s = min_norm_solve(G_s, r_s, n)
    return beta_w, beta_s, G_s, r_s


def _unlabelled(design, plan, gens, n, N, beta_w, beta_s, G_s, r_s, lab_store):
    """Student and ceiling: strong coordinates (Bartlett factor or rows) + one pair per row."""
    m, d_s, p = design.m, design.d_s, plan.p
    B = len(gens)
    k = min(N, d_s)                                       # virtual rows of the strong block
    if N >= d_s:
        Xs = bartlett_rows(gens, d_s, N)                  # R11 (B, d_s, d_s), upper
    else:
        Xs = _gaussian_rows(gens, d_s, N)                 # (B, N, d_s): the rows themselves
    U = np.empty((B, k, 2))
    for b, gen in enumerate(gens):
        gen.standard_normal(out=U[b])
    g = rowmat(beta_w, design.B_w.T)                      # teacher's function on x
    phi_c = np.broadcast_to(plan.phi_u[d_s:], (B, p - d_s))
    g_c = np.zeros((B, p - d_s))
    g_c[:, : m - d_s] = g[:, d_s:]
    a, b_ = complement_pair(g_c, phi_c, U)
    t = (Xs @ g[:, :d_s, None])[..., 0] + a               # teacher labels of the rows
    u = Xs @ plan.phi_u[:d_s] + b_                        # true labels of the rows
    XsT = np.swapaxes(Xs, -1, -2)
    if N >= d_s:
        b_w2s = _tri_solve(Xs, t)
    else:
        b_w2s = min_norm_rows(Xs, t)
    G_c = G_s + XsT @ Xs
    r_c = r_s + (XsT @ u[..., None])[..., 0]
    b_c = ceiling_fit(G_c, r_c, n + N, lab_store, (Xs, u))
    return risks(design, beta_w, beta_s, b_w2s, b_c)
