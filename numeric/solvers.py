r"""Ridgeless (minimum-norm least-squares) solves from accumulated Gram matrices, batched.

Given :math:`G = X^\top X` (``rows`` samples, ``d`` features) and :math:`r = X^\top y`, the
min-norm least-squares coefficient is :math:`\hat\beta = G^+ r` (because
:math:`(X^\top X)^+ X^\top = X^+`).

* ``rows >= d`` (under-parametrised): Cholesky factor and solve of :math:`G` (LAPACK
  ``posv``, one call per trial). The ratio of the largest to the smallest Cholesky diagonal,
  squared, is a lower bound on :math:`\kappa(G)`; if it exceeds :data:`COND_LIMIT` (or
  Cholesky fails: :math:`G` numerically singular, which for continuous laws happens only when
  ``rows`` is within a few of ``d`` in extreme cases, and for Rademacher features happens with
  small probability at small ``d``), those trials fall back to
  the eigen-decomposition pseudo-inverse below, with a ``RuntimeWarning``. Near ``rows ~ d``
  :math:`\kappa(G) \approx (\sqrt{rows}+\sqrt d)^2/(\sqrt{rows}-\sqrt d)^2` grows like
  :math:`d^2`; at ``rows = d``, :math:`\kappa \sim 4 d^2` is still far from :math:`1/\epsilon`,
  so the solve is accurate (the *expected* risk is infinite there, per-trial risks are not).
* ``rows < d`` (interpolating): :math:`G` has rank ``rows``; :math:`\hat\beta = G^+ r` via
  ``eigh`` with eigenvalues below ``d * eps * max_eig`` dropped. Working with :math:`G` squares
  the condition number of :math:`X` and costs :math:`O(d^3)`, so the engines do not use it for
  wide fits: they keep the rows and call :func:`min_norm_rows`.

:func:`min_norm_rows` works on the rows themselves. For a wide ``X`` (``rows < d``) it takes the
thin QR factorisation :math:`X^\top = QR` (``Q``: ``d x rows``, orthonormal columns; ``R``:
``rows x rows`` upper triangular), so :math:`X = R^\top Q^\top` and the min-norm solution is

.. math:: \hat\beta = X^\top (XX^\top)^{-1} y = Q R^{-\top} y,

one triangular solve, :math:`O(d\,\mathrm{rows}^2)` and conditioned like :math:`X`, not
:math:`X^\top X` (nor the dual Gram :math:`XX^\top = R^\top R`). A rank-deficient ``X`` (possible
with small probability for discrete feature laws) is detected from ``R``'s diagonal and that
trial falls back to ``numpy.linalg.pinv`` (SVD) with a ``RuntimeWarning``.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import lapack

__all__ = ["COND_LIMIT", "STACKED_MAX_D", "tri_solve", "min_norm_solve", "pinv_solve", "min_norm_dual", "min_norm_rows"]

COND_LIMIT = 1e12
"""Largest accepted lower-bound estimate of cond(G) on the Cholesky path."""

STACKED_MAX_D = 64
"""Largest dimension solved as one stacked call for the whole batch (``numpy.linalg`` gufuncs:
LAPACK on each matrix in turn, so a trial's result still does not depend on its batch); larger
systems are solved one LAPACK call per trial, where the call overhead is negligible."""


def tri_solve(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Solve upper-triangular ``R x = v`` per trial; ``R`` (B, d, d), ``v`` (B, d).

    Raises
    ------
    numpy.linalg.LinAlgError
        If a factor is singular.
    """
    if R.shape[-1] <= STACKED_MAX_D:
        # LU of a triangular matrix pivots nowhere (the column below the diagonal is zero),
        # so this is back substitution, for the whole stack in one call.
        return np.linalg.solve(R, v[..., None])[..., 0]
    out = np.empty(v.shape)
    for b in range(R.shape[0]):
        # R.T is F-ordered lower: trtrs without a copy.
        x, info = lapack.dtrtrs(R[b].T, v[b], lower=1, trans=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"singular Bartlett factor (info={info})")
        out[b] = x
    return out


def _stacked_cholesky_solve(G: np.ndarray, r: np.ndarray):
    """``(x, bad)`` from one stacked Cholesky and two stacked triangular solves.

    If some trial's Cholesky fails, the stack is factored matrix by matrix with the same
    gufunc (so the other trials get the same bits as in any other batch) and the failed ones
    are flagged ``bad``.
    """
    try:
        L = np.linalg.cholesky(G)
        failed = None
    except np.linalg.LinAlgError:
        L = np.empty(G.shape)
        failed = np.zeros(G.shape[0], dtype=bool)
        for b in range(G.shape[0]):
            try:
                L[b] = np.linalg.cholesky(G[b])
            except np.linalg.LinAlgError:
                failed[b] = True
                L[b] = np.eye(G.shape[-1])
    diag = np.abs(np.diagonal(L, axis1=-2, axis2=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (diag.max(axis=-1) / diag.min(axis=-1)) ** 2
    bad = ~(est < COND_LIMIT)
    if failed is not None:
        bad |= failed
    y = np.linalg.solve(L, r[..., None])
    x = np.linalg.solve(np.swapaxes(L, -1, -2), y)[..., 0]
    return x, bad


def pinv_solve(G: np.ndarray, r: np.ndarray) -> np.ndarray:
    """:math:`G^+ r` for symmetric PSD ``G`` (B, d, d) and ``r`` (B, d), via ``eigh``.

    Solved one trial at a time with 2-D operations, so that a trial's result does not depend on
    which other trials share its batch (batched ``einsum`` may sum in a shape-dependent order).
    """
    d = G.shape[-1]
    out = np.empty(r.shape)
    for b in range(G.shape[0]):
        w, V = np.linalg.eigh(G[b])
        tol = d * np.finfo(float).eps * np.max(np.abs(w))
        keep = w > tol
        out[b] = V[:, keep] @ ((V[:, keep].T @ r[b]) / w[keep])
    return out


def min_norm_solve(G: np.ndarray, r: np.ndarray, rows: int) -> np.ndarray:
    """Min-norm least-squares coefficients from Gram ``G`` (B, d, d) and moments ``r`` (B, d).

    Parameters
    ----------
    G : ndarray, shape (B, d, d)
        :math:`X^\\top X` per trial.
    r : ndarray, shape (B, d)
        :math:`X^\\top y` per trial.
    rows : int
        Number of samples behind ``G`` (selects the regime).
    """
    d = G.shape[-1]
    if rows < d:
        return pinv_solve(G, r)
    if 0 < d <= STACKED_MAX_D:
        out, bad = _stacked_cholesky_solve(G, r)
    else:
        out, bad = _cholesky_per_trial(G, r)
    if bad.any():
        warnings.warn(f"Gram matrix numerically singular in {int(bad.sum())} trial(s) "
                      f"(rows={rows}, d={d}); used the min-norm pseudo-inverse",
                      RuntimeWarning, stacklevel=3)
        out[bad] = pinv_solve(G[bad], r[bad])
    return out


def _cholesky_per_trial(G: np.ndarray, r: np.ndarray):
    """``(x, bad)`` with one LAPACK ``posv`` per trial (large systems)."""
    out = np.empty(r.shape)
    bad = np.zeros(G.shape[0], dtype=bool)
    for b in range(G.shape[0]):
        # One LAPACK call per trial (factor and solve): a trial's result cannot depend on the
        # other trials of its batch. G[b].T is G[b] (symmetric) in Fortran order: no copy.
        U, x, info = lapack.dposv(G[b].T, r[b], lower=0)
        if info != 0:
            bad[b] = True
            continue
        diag = np.abs(np.diagonal(U))
        with np.errstate(divide="ignore"):
            est = (diag.max() / diag.min()) ** 2
        if not est < COND_LIMIT:
            bad[b] = True
            continue
        out[b] = x
    return out, bad


def min_norm_dual(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Min-norm interpolant :math:`X^\\top (XX^\\top)^{-1} y` for ``rows < d`` (batched).

    ``X`` (B, rows, d), ``y`` (B, rows). Uses the ``rows x rows`` dual Gram, which is well
    conditioned away from ``rows ~ d``.
    """
    K = X @ np.swapaxes(X, -1, -2)
    alpha = np.linalg.solve(K, y[..., None])
    return (np.swapaxes(X, -1, -2) @ alpha)[..., 0]


def min_norm_rows(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Min-norm least-squares coefficients :math:`X^+ y` from the rows themselves (batched).

    Parameters
    ----------
    X : ndarray, shape (B, rows, d)
    y : ndarray, shape (B, rows)

    Returns
    -------
    ndarray, shape (B, d)

    Notes
    -----
    ``rows >= d``: Cholesky of the Gram :math:`X^\top X` (:func:`min_norm_solve`).
    ``rows < d``: :math:`\hat\beta = Q R^{-\top} y` with :math:`X^\top = QR` (thin QR); a trial
    whose ``R`` has a diagonal entry below ``d * eps * max|R_ii|`` (rank-deficient ``X``) uses
    ``pinv`` instead, with a ``RuntimeWarning``. Each trial is factorised on its own, so its
    result does not depend on the other trials of the batch.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise ValueError(f"X must have shape (B, rows, d) and y (B, rows), got {X.shape} and "
                         f"{y.shape}")
    B, rows, d = X.shape
    if rows >= d:
        Xt = np.swapaxes(X, -1, -2)
        return min_norm_solve(Xt @ X, (Xt @ y[..., None])[..., 0], rows)
    out = np.empty((B, d))
    if rows == 0:
        out[:] = 0.0
        return out
    # Stacked QR: LAPACK runs on each matrix separately, so a trial's factors do not depend on
    # its batch (and the per-call overhead is paid once).
    Q, R = np.linalg.qr(np.swapaxes(X, -1, -2))          # (B, d, rows), (B, rows, rows)
    diag = np.abs(np.diagonal(R, axis1=-2, axis2=-1))
    tol = d * np.finfo(float).eps
    bad = ~(diag.min(axis=-1) > tol * diag.max(axis=-1))
    z = np.zeros((B, rows))
    ok = np.flatnonzero(~bad)
    if rows <= STACKED_MAX_D and ok.size:
        # R^T z = y, R^T lower triangular: the whole stack in one call.
        z[ok] = np.linalg.solve(np.swapaxes(R[ok], -1, -2), y[ok][..., None])[..., 0]
    else:
        for b in ok:
            # R^T z = y with R upper triangular.
            z[b], _ = lapack.dtrtrs(R[b], y[b], lower=0, trans=1)
    out[:] = (Q @ z[..., None])[..., 0]
    if bad.any():
        warnings.warn(f"wide design rank-deficient in {int(bad.sum())} trial(s) (rows={rows}, "
                      f"d={d}); used the SVD pseudo-inverse", RuntimeWarning, stacklevel=2)
        for b in np.flatnonzero(bad):
            out[b] = np.linalg.pinv(X[b]) @ y[b]
    return out
