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

Chance overlap of two subspaces (issue 12). For independent Haar-random subspaces of
dimensions :math:`a`, :math:`b` of :math:`\mathbb{R}^D` (or one Haar, one fixed) the overlap
:math:`X = \operatorname{tr}(P_a P_b) = \|Q_a^\top Q_b\|_F^2` -- the correlation dimension of
two unrelated subspaces -- has

.. math::
    \mathbb{E}X = \frac{ab}{D}, \qquad
    \operatorname{Var}X = \frac{2\,a(D-a)\,b(D-b)}{D^2 (D-1)(D+2)} ,

registered as ``haar.overlap.mean`` and ``haar.overlap.variance`` (:func:`overlap_moments`
evaluates them; :func:`sample_overlaps` draws X directly). Derivation: the second moment of the
projection's entries, :math:`\mathbb{E}[\Pi_{ij}\Pi_{kl}] = (\alpha-\beta)\delta_{ij}\delta_{kl}
+ \beta(\delta_{ik}\delta_{jl} + \delta_{il}\delta_{jk})`, contracted with :math:`P_b`
(``notes/real-features.md``).
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


# --- chance overlap tr(P_a P_b) of two independent subspaces (issue 12) -----------------------
a_dim = sp.Symbol("a", positive=True, integer=True)
"""Dimension of the first subspace in the overlap law."""
b_dim = sp.Symbol("b", positive=True, integer=True)
"""Dimension of the second subspace in the overlap law."""
D_dim = sp.Symbol("D", positive=True, integer=True)
"""Ambient dimension of the overlap law."""

OVERLAP_CONDITIONS = (sp.Ge(D_dim, 2), sp.Le(a_dim, D_dim), sp.Le(b_dim, D_dim))
"""Validity of the overlap moments (``D >= 2``: the variance divides by ``D - 1``)."""


def entry_moment_coefficients(rank=n, dim=d) -> tuple[sp.Expr, sp.Expr]:
    r"""``(c1, c2)`` in :math:`\mathbb{E}[\Pi_{ij}\Pi_{kl}] = c_1\delta_{ij}\delta_{kl}
    + c_2(\delta_{ik}\delta_{jl} + \delta_{il}\delta_{jk})`: :math:`c_1 = \alpha - \beta`,
    :math:`c_2 = \beta` (contracting with a symmetric A gives back the lemma)."""
    return sp.factor(alpha(rank, dim) - beta(rank, dim)), beta(rank, dim)


def overlap_mean(a=a_dim, b=b_dim, D=D_dim) -> sp.Expr:
    r""":math:`\mathbb{E}\operatorname{tr}(P_a P_b) = ab/D`."""
    return sp.sympify(a) * sp.sympify(b) / sp.sympify(D)


def overlap_second_moment(a=a_dim, b=b_dim, D=D_dim) -> sp.Expr:
    r""":math:`\mathbb{E}[\operatorname{tr}(P_a B)^2] = c_1 (\operatorname{tr} B)^2
    + 2 c_2 \operatorname{tr}(B^2)` at :math:`B = P_b` (``tr B = tr B^2 = b``)."""
    c1, c2 = entry_moment_coefficients(a, D)
    b = sp.sympify(b)
    return c1 * b ** 2 + 2 * c2 * b


def overlap_variance(a=a_dim, b=b_dim, D=D_dim) -> sp.Expr:
    r""":math:`\operatorname{Var}\operatorname{tr}(P_a P_b)
    = \dfrac{2a(D-a)\,b(D-b)}{D^2(D-1)(D+2)}` (factored from the second moment)."""
    return sp.factor(overlap_second_moment(a, b, D) - overlap_mean(a, b, D) ** 2)


register("haar.overlap.mean", overlap_mean(), OVERLAP_CONDITIONS,
         "E tr(P_a P_b) for independent Haar-random subspaces of dims a, b in R^D")
register("haar.overlap.variance", overlap_variance(), OVERLAP_CONDITIONS,
         "Var tr(P_a P_b) for independent Haar-random subspaces of dims a, b in R^D")


def overlap_moments(a: int, b: int, D: int, exact: bool = False):
    """``(mean, variance)`` of the chance overlap for integers ``0 <= a, b <= D``, ``D >= 1``.

    Floats by default; ``exact=True`` gives ``sympy.Rational``. ``D = 1`` (or ``a``/``b`` in
    ``{0, D}``) makes the overlap deterministic: variance 0.
    """
    a, D = _check_rank_dim(a, D)
    b, _ = _check_rank_dim(b, D)
    if D == 1:
        mean, var = sp.Rational(a * b, D), sp.Integer(0)
    else:
        mean, var = overlap_mean(a, b, D), overlap_variance(a, b, D)
    return (mean, var) if exact else (float(mean), float(var))


def sample_overlaps(a: int, b: int, D: int, size: int, rng) -> np.ndarray:
    """Draw ``size`` overlaps ``tr(P_a P_b)`` directly: ``P_b`` onto the first ``b``
    coordinates (the law only depends on ``b`` by invariance) and ``P_a`` Haar, so the overlap
    is the squared norm of the first ``b`` rows of a Haar ``D x a`` frame."""
    a, D = _check_rank_dim(a, D)
    b, _ = _check_rank_dim(b, D)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    if a == 0 or b == 0:
        return np.zeros(size)
    Q, _ = np.linalg.qr(rng.standard_normal((size, D, a)))
    return np.sum(Q[:, :b, :] ** 2, axis=(1, 2))


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
    "coefficients", "sandwich", "sample_projections", "a_dim", "b_dim", "D_dim",
    "OVERLAP_CONDITIONS", "entry_moment_coefficients", "overlap_mean", "overlap_second_moment",
    "overlap_variance", "overlap_moments", "sample_overlaps",
]
