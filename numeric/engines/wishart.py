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

  *Idle weak directions are marginalised* (``notes/wishart-engine.md`` section 7). The ``q``
  weak directions that no strong feature and no label reads (:class:`IdleWeak`; e.g.
  150 - 1 of the paper geometry's 200) are partialled out of the teacher, which then needs
  only its own block ``t`` (the other weak features and the labels' direction): two
  ``t``-dimensional factors (:math:`W_t(n-q, I)` and :math:`W_t(q, I)`), one
  :math:`\chi^2_{n-q+1}` and a uniform direction for the idle coefficients. The strong model
  needs the whole Gram; given the teacher block it takes ``t x r`` normals and one
  :math:`W_r(n-t, I)` factor for the rest. Random numbers per trial fall from
  :math:`p^2/2` to at most :math:`t(t+1) + tr + r^2/2`: 4.7 times fewer in the paper
  geometry, 85 times at ``d_w = 7000``.
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

from numeric.design import Projector
from numeric.engines.draws import as_draws
from numeric.engines.fitting import (
    LabelledStats, ceiling_fit, complement_pair, risks, rowmat, teacher_and_strong,
)
from numeric.solvers import min_norm_rows, min_norm_solve, ridge_solve, tri_solve

__all__ = ["run_wishart", "bartlett_rows", "IdleWeak", "strong_statistics", "block_streams",
           "BLOCK_STREAM_MAX_P", "WishartPlan", "wishart_plan", "labelled_bartlett",
           "labelled_draws", "idle_scalars"]

BLOCK_STREAM_MAX_P = 64
r"""Designs with at most this many drawn coordinates plus the label column (``p = m + 1``) draw
from one stream per seed block (:func:`block_streams`): a trial's random numbers are then
:math:`O(p^2)`, a few kB, and a block's are drawn in one call per section. Larger designs (the
paper's, ``d_w`` in the thousands) keep one stream per trial, so that a batch may be a single
trial."""


def block_streams(design) -> bool:
    """Whether the trials of ``design`` draw from one stream per seed block (see
    :data:`BLOCK_STREAM_MAX_P` and :mod:`numeric.engines.draws`)."""
    return wishart_plan(design).p <= BLOCK_STREAM_MAX_P


def bartlett_rows(gens, p: int, rows: int, keep: int | None = None) -> np.ndarray:
    r"""First ``keep`` rows of upper-triangular Bartlett factors, shape (B, keep, p).

    For ``keep = p``: :math:`R^\top R \sim W_p(\mathrm{rows}, I)`. Requires
    ``rows >= keep``. Per trial the stream holds ``keep`` chi-squares (df ``rows - i``) then the
    strictly-upper entries row by row.
    """
    keep = p if keep is None else keep
    src = as_draws(gens)
    B = len(src)
    diag, upper = _factor_index(keep, p)
    chi = src.chisquare_steps(rows, keep)
    off = src.normal(upper.size)
    R = np.zeros((B, keep * p))
    R[:, diag] = np.sqrt(chi)
    R[:, upper] = off
    return R.reshape(B, keep, p)


_INDEX: dict = {}


def _factor_index(keep: int, p: int):
    """Flat positions of the diagonal and of the strictly-upper entries (row by row) of a
    ``keep x p`` factor (cached: the engines build the same few factors again and again)."""
    out = _INDEX.get((keep, p))
    if out is None:
        iu = np.triu_indices(keep, 1, p)
        out = _INDEX[(keep, p)] = (np.arange(keep) * (p + 1), iu[0] * p + iu[1])
    return out


def _gaussian_rows(gens, p: int, rows: int) -> np.ndarray:
    return as_draws(gens).normal((rows, p))


class WishartPlan:
    r"""Per-design constants of the fast path.

    The labelled side works in the coordinates ``v = [u, a]``: ``u`` are the ``q`` *idle*
    weak directions (inside ``span B_w``, orthogonal to every strong feature and to the target,
    :class:`IdleWeak`), ``a`` the ``p_a = p - q`` others, ordered as the ``d_wr = d_w - q``
    remaining weak directions (the non-blind weak features in order, then the target's blind
    direction), the complement ``C_w`` and the label column ``z``. Within ``a``, the teacher
    block ``t = [a_w, f]`` adds ``f``, the labels' direction off ``a_w``; the rest ``r``
    completes it. The two bases of the complement-and-``z`` block differ by the Householder
    reflection ``I - 2 w w^T`` (``w = None``: no reflection needed).
    ``notes/wishart-engine.md`` section 7. Built in :math:`O(m\,d_w)`: no ``d_w x d_w`` matrix.
    """

    def __init__(self, design):
        m, d_w = design.m, design.d_w
        self.idle = idle = IdleWeak(design.B_w, design.B_s, design.theta)
        q = idle.q
        cols = [design.B_w[:, idle.keep]]
        if idle.t_hat is not None:
            cols.append((design.B_w[:, idle.J] @ idle.t_hat)[:, None])
        Qa = np.hstack(cols + [design.C_w])               # m x (m - q): a_w, C_w
        self.q, self.d_w = q, d_w
        self.d_wr = d_w - q
        self.p = m + 1
        self.p_a = self.p - q
        rows = np.flatnonzero(np.any(design.B_s != 0.0, axis=1))   # B_s reads these only
        self.T_s = Projector(Qa[rows].T @ design.B_s[rows])          # strong from a coordinates
        w_e = math.sqrt(design.fold ** 2 + design.sigma2)
        self.phi = np.append(Qa.T @ design.theta, w_e)    # labels in (a, z) coordinates
        self.phi_u = np.append(design.theta, w_e)         # labels in (x, z) coordinates
        # Teacher block t = [a_w, f], f the labels' direction off a_w; the rest r spans the
        # other complement directions (with z). The c block (a_w's complement, z included)
        # is rotated by the Householder reflection H = I - 2 w w^T, H e_0 = f.
        phi_c = self.phi[self.d_wr:]
        nc = float(np.linalg.norm(phi_c))
        self.w = None
        if nc > 0:
            w = phi_c / nc
            w[0] -= 1.0
            if np.linalg.norm(w) > 0:
                self.w = w / np.linalg.norm(w)
        self.t = self.d_wr + (nc > 0)
        self.r = self.p_a - self.t
        self.phi_t = np.append(self.phi[:self.d_wr], [nc] if nc > 0 else [])
        T_full = np.vstack([self.T_s.B, np.zeros((1, self.T_s.d))])
        self.c_vec = None if self.w is None else self.w @ T_full[self.d_wr:]
        # Columns F is applied to: the labels (phi_t, 0) and, with a reflection, (0, w).
        self.probe = np.zeros((self.p_a, 1 if self.w is None else 2))
        self.probe[:self.t, 0] = self.phi_t
        if self.w is not None:
            self.probe[self.d_wr:, 1] = self.w


class IdleWeak:
    r"""The idle weak directions of a design: strong-blind weak features, less the target's.

    A weak feature ``i`` is *strong-blind* when :math:`(B_w^\top B_s)_{i\cdot} = 0` exactly
    (canonical cosine 0, or a weak-only coordinate); ``J`` lists them and ``keep`` the others.
    The target's blind component :math:`t = (B_w^\top\theta)_J` spans one direction ``t_hat``
    (``None`` if :math:`t = 0`); the idle directions are the rest of ``span(e_J)``:
    ``q = |J| - [t \ne 0]`` of them, read by no strong feature and no label.

    The test is on exact zeros, so a direction is never treated as idle by approximation (a
    cosine of 1e-17 simply keeps its feature in ``keep``). Cost :math:`O(m\,d_w)`.
    """

    def __init__(self, B_w: np.ndarray, B_s: np.ndarray, theta: np.ndarray):
        d_w = B_w.shape[1]
        rows = np.flatnonzero(np.any(B_s != 0.0, axis=1))
        sub_s = B_s[rows]
        if sub_s.shape[0] == sub_s.shape[1] and np.array_equal(sub_s, np.eye(sub_s.shape[0])):
            cross = B_w[rows].T                           # B_s selects coordinates
        else:
            cross = B_w[rows].T @ sub_s
        self.J = np.flatnonzero(np.all(cross == 0.0, axis=1))
        self.keep = np.setdiff1d(np.arange(d_w), self.J)
        t = B_w[:, self.J].T @ theta
        tn = float(np.linalg.norm(t))
        self.t_hat = t / tn if tn > 0 else None
        self.q = int(self.J.size - (tn > 0))

    def coefficients(self, beta_a: np.ndarray, norm2: np.ndarray, g: np.ndarray) -> np.ndarray:
        r"""The teacher's coefficients on the design's weak features, per trial.

        ``beta_a`` (B, d_wr): on ``keep`` then (if any) ``t_hat``; ``norm2`` (B,): the idle
        coefficients' squared norm; ``g`` (B, |J|): standard normals, whose projection off
        ``t_hat``, normalised, is a uniform direction in the idle subspace (both unused, and
        may be ``None``, when ``q = 0``).
        """
        B = beta_a.shape[0]
        out = np.zeros((B, self.keep.size + self.J.size))
        out[:, self.keep] = beta_a[:, :self.keep.size]
        if self.J.size:
            idle = np.zeros((B, self.J.size))
            if self.q:
                if self.t_hat is not None:
                    # einsum, not a GEMV: a trial's rounding must not depend on its batch
                    g = g - np.einsum("bi,i->b", g, self.t_hat)[:, None] * self.t_hat
                idle += np.sqrt(norm2 / np.einsum("bi,bi->b", g, g))[:, None] * g
            if self.t_hat is not None:
                idle += beta_a[:, -1:] * self.t_hat
            out[:, self.J] = idle
        return out


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


def wishart_plan(design) -> WishartPlan:
    """The :class:`WishartPlan` of ``design``, built once per design (:meth:`Design.derived`)."""
    return design.derived("wishart_plan", WishartPlan)


def run_wishart(design, gens, n: int, N: int, labelled_device=None) -> dict:
    """Run ``len(gens)`` trials of the wishart engine; returns per-trial arrays.

    The labelled side takes the Bartlett path when ``n >= p`` and draws its ``n x p`` rows
    otherwise; the unlabelled side takes the ``d_s x d_s`` Bartlett factor when ``N >= d_s``
    and draws ``N x d_s`` strong rows otherwise, plus one normal pair per (virtual) row in both
    cases. Every regime (interpolating teacher, student, strong baseline or ceiling) is exact:
    ``notes/wishart-engine.md`` sections 4 and 6. The stream (per trial, or per seed block
    with the sections drawn for the block's trials at once: ``gens`` a
    :class:`numeric.engines.draws.BlockDraws`, see :func:`block_streams`) holds the labelled
    draws, then the unlabelled factor or rows, then the pairs.

    ``labelled_device(design, plan, gens, n) -> (beta_w, G_s, r_s)``, if given, replaces the
    labelled Bartlett side (the bulk of the work at large ``d_w``) up to the strong fit: that is
    how :func:`numeric.engines.wishart_xp.run_wishart_device` runs it on an array-API device
    (the device module depends on this one, not the other way round). The rest, and every
    other path, stays on the host.

    Raises
    ------
    ValueError
        If the feature or noise law is not Gaussian or the design is not reduced.
    """
    if not (design.features.is_gaussian and design.noise.is_gaussian) or design.C_w is None:
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian' "
                         "(and a reduced design)")
    plan = wishart_plan(design)
    gens = as_draws(gens)
    if design.lambda_w > 0:
        # Ridge teacher: the idle-direction marginalisation (section 7) is an OLS argument, so
        # the labelled side takes the generic path (notes/ridge.md, "Engines").
        beta_w, beta_s, G_s, r_s, lab_store = _labelled_rows(design, plan, gens, n,
                                                            bartlett=n >= plan.p)
    elif n >= plan.p and labelled_device is not None:
        beta_w, G_s, r_s = labelled_device(design, plan, gens, n)
        beta_s = _strong_fit(design, G_s, r_s, n)
        lab_store = None
    elif n >= plan.p:
        beta_w, beta_s, G_s, r_s = labelled_bartlett(design, plan, gens, n)
        lab_store = None
    else:
        beta_w, beta_s, G_s, r_s, lab_store = _labelled_rows(design, plan, gens, n)
    return _unlabelled(design, plan, gens, n, N, beta_w, beta_s, G_s, r_s, lab_store)


def _strong_fit(design, G_s, r_s, n):
    """Strong baseline from its Gram statistics: min-norm (tall here) or ridge."""
    if design.lambda_s > 0:
        return ridge_solve(G_s, r_s, n, design.lambda_s)
    return min_norm_solve(G_s, r_s, n)


def _labelled_rows(design, plan, gens, n: int, bartlett: bool = False):
    r"""Labelled side for ``n < p``: the ``n x p`` Gaussian rows themselves (fewer than p).

    With ``bartlett`` (``n >= p``, the generic path of section 3 used for a ridge teacher): the
    ``p`` rows of a Bartlett factor :math:`R`, :math:`R^\top R \sim W_p(n, I)`, as virtual rows.
    """
    m = design.m
    w_e = math.sqrt(design.fold ** 2 + design.sigma2)
    lab = LabelledStats(design, len(gens))
    A = bartlett_rows(gens, plan.p, n) if bartlett else _gaussian_rows(gens, plan.p, n)
    lab.add(A[..., :m], w_e * A[..., m])
    beta_w, beta_s = teacher_and_strong(lab, n)
    return beta_w, beta_s, lab.G_s, lab.r_s, lab.store


def labelled_bartlett(design, plan, gens, n: int):
    r"""Labelled side for ``n >= p``, with the idle weak directions marginalised.

    Coordinates: the teacher block ``t = [a_w, f]`` (the weak features that are not idle and
    the labels' direction off them) and the rest ``r``; ``notes/wishart-engine.md`` section 7.
    Draws, per trial:

    * ``R``, the Bartlett factor of :math:`W_t(n - q, I)`: the teacher block's Gram after
      partialling out the ``q`` idle columns;
    * ``K`` with :math:`K^\top K \sim W_t(q, I)` (Bartlett factor if ``q >= t``, else ``q``
      Gaussian rows): the teacher block's Gram within the idle columns' span;
    * ``V`` (``t x r`` standard normals) and the Bartlett factor ``R_r`` of
      :math:`W_r(n - t, I)`, so that with :math:`L^\top L = R^\top R + K^\top K`
      (Cholesky), :math:`F = [[L, V], [0, R_r]]` has :math:`F^\top F` distributed as the whole
      labelled Gram;
    * one :math:`\chi^2_{n-q+1}` and a uniform direction for the idle coefficients.

    Then

    .. math:: \hat\beta_{a_w} = R_{11}^{-1}(R\varphi_t)_{1:d_{wr}},\quad
              \|\hat\beta_u\|^2 = \|K\psi\|^2/\chi^2_{n-q+1},\quad
              \psi = \varphi_t - (\hat\beta_{a_w}, 0),

    and the strong statistics from :math:`F^\top F`, rotated back to the drawn coordinates
    by the plan's Householder reflection (a rank-two update).
    """
    q, d_wr, t, p_a = plan.q, plan.d_wr, plan.t, plan.p_a
    B = len(gens)
    R, K, V, R_r = labelled_draws(gens, plan, n)
    Rphi = R @ plan.phi_t                                 # teacher-block labels of the rows
    # R11^{-1} h via the full factor with a zero-padded right-hand side: back substitution
    # gives zeros below row d_wr and R11^{-1} h above, and no block copy is needed.
    h = np.zeros((B, t))
    h[:, :d_wr] = Rphi[:, :d_wr]
    beta_a = tri_solve(R, h)[:, :d_wr]
    F = np.zeros((B, p_a, p_a))
    if q:
        chi, g = idle_scalars(gens, n - q + 1, plan.idle.J.size)
        psi = np.broadcast_to(plan.phi_t, (B, t)).copy()
        psi[:, :d_wr] -= beta_a
        Kpsi = (K @ psi[..., None])[..., 0]
        beta_w = plan.idle.coefficients(beta_a, np.einsum("bi,bi->b", Kpsi, Kpsi) / chi, g)
        T_tt = np.swapaxes(R, -1, -2) @ R
        T_tt += np.swapaxes(K, -1, -2) @ K
        F[:, :t, :t] = np.swapaxes(np.linalg.cholesky(T_tt), -1, -2)
    else:
        F[:, :t, :t] = R                                  # L = R when nothing is idle
        beta_w = plan.idle.coefficients(beta_a, None, None)
    F[:, :t, t:] = V
    F[:, t:, t:] = R_r
    G_s, r_s = strong_statistics(F, plan)
    beta_s = _strong_fit(design, G_s, r_s, n)
    return beta_w, beta_s, G_s, r_s


def strong_statistics(F: np.ndarray, plan) -> tuple[np.ndarray, np.ndarray]:
    r"""Strong Gram and moment :math:`(T_s^\top S T_s, T_s^\top S\varphi)` from ``F``.

    ``F`` (B, p_a, p_a) is upper triangular with :math:`F^\top F = S`, the labelled Gram in
    the ``(t, r)`` coordinates. Back in the drawn ``a`` coordinates the Gram is
    :math:`D^\top S D` with :math:`D = \mathrm{diag}(I, H)`, so the strong rows are
    :math:`P = F D T_s = F T_s - 2 u c^\top` with :math:`u = F_{\cdot c} w`,
    :math:`c = T_{s,c}^\top w`: the triangular Gram of :math:`F T_s` plus a rank-two update.
    """
    ma = plan.p_a - 1
    M = F @ plan.probe                                    # (B, p_a, 1 or 2): F phi and u
    G_s, P_s = _tri_gram(F[..., :ma], plan.T_s)
    Mt = np.swapaxes(M, -1, -2)
    if P_s is None:                                       # (F T_s)^T M, one trial at a time
        Y = (Mt @ F[..., :ma]) @ plan.T_s.B
    else:
        Y = Mt @ P_s
    r_s = Y[:, 0]
    if plan.w is None:
        return G_s, r_s
    # G = P0^T P0 - 2 (c s^T + s c^T) + 4 |u|^2 c c^T = P0^T P0 - 2 (c y^T + y c^T),
    # with s = P0^T u and y = s - |u|^2 c; r = P0^T F phi - 2 (u . F phi) c.
    u, Fphi, c = M[..., 1], M[..., 0], plan.c_vec
    y = Y[:, 1] - np.einsum("bi,bi->b", u, u)[:, None] * c
    cy = c[None, :, None] * (-2.0 * y)[:, None, :]
    G_s += cy
    G_s += np.swapaxes(cy, -1, -2)
    r_s = r_s - 2.0 * np.einsum("bi,bi->b", u, Fphi)[:, None] * c
    return G_s, r_s


def labelled_draws(gens, plan, n: int):
    """The labelled factors ``R, K, V, R_r`` of :func:`labelled_bartlett`, in stream order.

    Per trial the stream holds ``R`` (Bartlett, :math:`W_t(n-q)`), ``K`` (``None`` when
    ``q = 0``), ``V`` (``t x r`` normals), ``R_r`` (Bartlett, :math:`W_r(n-t)`); the idle
    scalars (:func:`idle_scalars`) come after. The host and device paths both draw here, so
    they consume the same random numbers.
    """
    t, q = plan.t, plan.q
    R = bartlett_rows(gens, t, n - q)
    K = _idle_factor(gens, t, q)
    V = _gaussian_rows(gens, plan.r, t)
    R_r = bartlett_rows(gens, plan.r, n - t)
    return R, K, V, R_r


def _idle_factor(gens, t: int, q: int):
    r"""``K`` with :math:`K^\top K \sim W_t(q, I)`: Bartlett factor or ``q`` rows."""
    if q == 0:
        return None
    if q >= t:
        return bartlett_rows(gens, t, q)
    return _gaussian_rows(gens, t, q)


def idle_scalars(gens, df: int, k: int):
    r"""Per trial one :math:`\chi^2_{df}` and ``k`` standard normals (the idle direction)."""
    src = as_draws(gens)
    return src.chisquare(float(df)), src.normal(k)


def _unlabelled(design, plan, gens, n, N, beta_w, beta_s, G_s, r_s, lab_store):
    """Student and ceiling: strong coordinates (Bartlett factor or rows) + one pair per row."""
    m, d_s, p = design.m, design.d_s, plan.p
    B = len(gens)
    k = min(N, d_s)                                       # virtual rows of the strong block
    if N >= d_s:
        Xs = bartlett_rows(gens, d_s, N)                  # R11 (B, d_s, d_s), upper
    else:
        Xs = _gaussian_rows(gens, d_s, N)                 # (B, N, d_s): the rows themselves
    U = gens.normal((k, 2))
    g = rowmat(beta_w, design.B_w.T)                      # teacher's function on x
    phi_c = np.broadcast_to(plan.phi_u[d_s:], (B, p - d_s))
    g_c = np.zeros((B, p - d_s))
    g_c[:, : m - d_s] = g[:, d_s:]
    a, b_ = complement_pair(g_c, phi_c, U)
    t = (Xs @ g[:, :d_s, None])[..., 0] + a               # teacher labels of the rows
    u = Xs @ plan.phi_u[:d_s] + b_                        # true labels of the rows
    XsT = np.swapaxes(Xs, -1, -2)
    if design.lambda_s > 0:
        # Ridge student: a function of the Gram R11^T R11 (or X_s^T X_s) and moment X_s^T t.
        b_w2s = ridge_solve(XsT @ Xs, (XsT @ t[..., None])[..., 0], N, design.lambda_s)
    elif N >= d_s:
        b_w2s = tri_solve(Xs, t)
    else:
        b_w2s = min_norm_rows(Xs, t)
    G_c = XsT @ Xs
    G_c += G_s
    r_c = r_s + (XsT @ u[..., None])[..., 0]
    b_c = ceiling_fit(G_c, r_c, n + N, lab_store, (Xs, u), lam=design.lambda_s)
    return risks(design, beta_w, beta_s, b_w2s, b_c)
