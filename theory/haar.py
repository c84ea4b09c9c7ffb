r"""Moments of a Haar-random orthogonal projection (the lemma behind interpolating fits).

Let :math:`\Pi` be the orthogonal projection onto a uniformly (Haar) distributed
:math:`n`-dimensional subspace of :math:`\mathbb{R}^d`. Then, for every symmetric
:math:`A \in \mathbb{R}^{d\times d}`,

.. math::
    \mathbb{E}[\Pi] = \frac{n}{d} I, \qquad
    \mathbb{E}[\Pi A \Pi] = \alpha A + \beta \operatorname{tr}(A) I, \qquad
    \beta = \frac{n (d - n)}{d (d - 1)(d + 2)}, \quad \alpha = \frac{n}{d} - d\beta .

Proof: ``notes/haar-lemma.md``. The min-norm least-squares fit on ``n < d`` Gaussian samples
projects the true coefficients onto the row space of the design, which is such a subspace;
the companion fact :math:`\mathbb{E}[(Z Z^\top)^{-1}] = I_n / (d - n - 1)` for ``Z`` (n x d)
with i.i.d. N(0, 1) entries and ``n < d - 1`` is :func:`inverse_gram_trace`.

The coefficients are SymPy expressions (registered as ``haar.mean``, ``haar.alpha``,
``haar.beta``, ``haar.inverse_gram_trace``); :func:`sandwich` applies the lemma to a NumPy
matrix.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theory.formulas import register
from theory.symbols import n
from theory.validation import check_int

d = sp.Symbol("d", positive=True, integer=True)
"""Ambient dimension of the Haar projection (``n`` is its rank)."""

CONDITIONS = (sp.Ge(d, 2), sp.Le(n, d))
"""Validity of the closed forms: ``d >= 2`` (``beta`` divides by ``d - 1``) and ``0 <= n <= d``."""


def mean_coefficient(rank=n, dim=d) -> sp.Expr:
    r""":math:`c` in :math:`\mathbb{E}[\Pi] = c\,I`, namely :math:`c = n / d`."""
    return sp.sympify(rank) / sp.sympify(dim)


def beta(rank=n, dim=d) -> sp.Expr:
    r"""Trace coefficient :math:`\beta = \dfrac{n (d - n)}{d (d - 1)(d + 2)}` of the lemma."""
    rank, dim = sp.sympify(rank), sp.sympify(dim)
    return rank * (dim - rank) / (dim * (dim - 1) * (dim + 2))


def alpha(rank=n, dim=d) -> sp.Expr:
    r"""Coefficient of :math:`A`: :math:`\alpha = \dfrac{n}{d} - d\beta
    = \dfrac{n (n d + d - 2)}{d (d - 1)(d + 2)}`."""
    rank, dim = sp.sympify(rank), sp.sympify(dim)
    return sp.factor(rank / dim - dim * beta(rank, dim))


def inverse_gram_trace(rows=n, cols=d) -> sp.Expr:
    r""":math:`\mathbb{E}\operatorname{tr}(Z Z^\top)^{-1} = \dfrac{n}{d - n - 1}` for ``Z``
    (n x d) with i.i.d. standard Gaussian entries, ``n < d - 1`` (inverse-Wishart mean);
    infinite for ``n >= d - 1``."""
    rows, cols = sp.sympify(rows), sp.sympify(cols)
    return rows / (cols - rows - 1)


register("haar.mean", mean_coefficient(), CONDITIONS,
         "E[Pi] = (n/d) I for a Haar-random rank-n projection in R^d")
register("haar.alpha", alpha(), CONDITIONS,
         "coefficient of A in E[Pi A Pi] = alpha A + beta tr(A) I")
register("haar.beta", beta(), CONDITIONS,
         "coefficient of tr(A) I in E[Pi A Pi] = alpha A + beta tr(A) I")
register("haar.inverse_gram_trace", inverse_gram_trace(), (sp.Lt(n, d - 1),),
         "E tr (Z Z^T)^{-1} for Z (n x d) standard Gaussian, n < d - 1")


def _check_rank_dim(rank, dim) -> tuple[int, int]:
    dim = check_int("dim", dim, 1)
    return check_int("rank", rank, 0, dim), dim


def coefficients(rank: int, dim: int) -> tuple[float, float, float]:
    r"""Numeric ``(n/d, alpha, beta)`` for integers ``0 <= rank <= dim``.

    ``dim = 1`` is allowed: the projection is then deterministic (0 or I), ``beta = 0``.
    """
    rank, dim = _check_rank_dim(rank, dim)
    if rank in (0, dim):
        # Pi is deterministic (0 or I): no trace term, E[Pi A Pi] = (n/d) A.
        return rank / dim, rank / dim, 0.0
    b = rank * (dim - rank) / (dim * (dim - 1) * (dim + 2))
    return rank / dim, rank / dim - dim * b, b


def sandwich(A, rank: int) -> np.ndarray:
    r"""Apply the lemma: :math:`\mathbb{E}[\Pi A \Pi] = \alpha A + \beta\operatorname{tr}(A) I`.

    Parameters
    ----------
    A : array_like, shape (..., d, d)
        Symmetric matrix or stack of them. (The lemma is stated for symmetric ``A``; for a
        general ``A`` only its symmetric part is determined by these two coefficients, so a
        non-symmetric ``A`` is rejected.)
    rank : int
        Rank ``n`` of the projection, ``0 <= rank <= d``.

    Returns
    -------
    numpy.ndarray
        :math:`\mathbb{E}[\Pi A \Pi]`, same shape as ``A``.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must be square with shape (..., d, d), got shape {A.shape}")
    scale = max(1.0, float(np.abs(A).max(initial=0.0)))
    if not np.allclose(A, np.swapaxes(A, -1, -2), rtol=1e-12, atol=1e-12 * scale):
        raise ValueError("A must be symmetric (the lemma covers symmetric matrices)")
    dim = A.shape[-1]
    _, a, b = coefficients(rank, dim)
    tr = np.trace(A, axis1=-2, axis2=-1)[..., None, None]
    return a * A + b * tr * np.eye(dim)


def sample_projections(rank: int, dim: int, size: int, rng) -> np.ndarray:
    """Draw ``size`` Haar-random rank-``rank`` projections of ``R^dim``, shape (size, dim, dim).

    QR of a Gaussian ``dim x rank`` matrix with the signs of ``diag(R)`` moved into ``Q`` gives
    a Haar-distributed orthonormal frame (without the sign fix ``Q`` is not Haar; the
    projection ``Q Q^T`` is sign-invariant, but the frame is kept correct for reuse).
    """
    rank, dim = _check_rank_dim(rank, dim)
    size = check_int("size", size, 1)
    if rank == 0:
        return np.zeros((size, dim, dim))
    G = rng.standard_normal((size, dim, rank))
    Q, R = np.linalg.qr(G)
    signs = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    signs[signs == 0] = 1.0
    Q = Q * signs[:, None, :]
    return Q @ np.swapaxes(Q, -1, -2)


__all__ = [
    "d", "CONDITIONS", "mean_coefficient", "alpha", "beta", "inverse_gram_trace",
    "coefficients", "sandwich", "sample_projections",
]
