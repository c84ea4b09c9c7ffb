r"""Intrinsic and correlation dimensions of real feature matrices (issue 12).

A *feature matrix* ``F`` (n x p) holds one row per sample. Everything here is computed from
second-moment (Gram) matrices :math:`F^\top F` accumulated in row blocks (see
:func:`second_moment`), so a 25,000 x 2,048 float32 matrix is never copied to float64.

Intrinsic dimension (:func:`intrinsic_dim`)
    ``"authors"`` (default): the smallest :math:`k` with
    :math:`\sum_{i\le k}\lambda_i \ge c \sum_i \lambda_i`, :math:`\lambda` the eigenvalues of the
    uncentred second moment :math:`F^\top F / n` (Dong et al.'s notebook, ``cutoff`` c = 0.99);
    ``"centred"``: the same on the covariance :math:`(F - \bar F)^\top (F - \bar F) / n`;
    ``"participation"``: the participation ratio :math:`(\sum\lambda)^2 / \sum\lambda^2` of the
    uncentred spectrum, rounded to the nearest integer (at least 1).

Correlation dimension (:func:`correlation_dim`)
    ``"authors"``: the notebook's procedure. If the widths differ, the wider matrix is multiplied
    by a Gaussian matrix (wider width -> narrower width :math:`D`, entries
    :math:`N(0, 1/D)`, drawn from ``seed``); :math:`V_w, V_s` are the top-:math:`d_w` and
    top-:math:`d_s` eigenvectors of each map's own :math:`F^\top F / n` *in its own coordinates*,
    and :math:`\hat d_{sw} = \|V_w^\top V_s\|_F^2`. The sketch makes one of the two eigenspaces a
    Haar-random subspace of :math:`\mathbb{R}^D` independent of the other, so this number is a
    draw from the chance law of :func:`chance_moments` with ambient dimension :math:`D`,
    *whatever the features* (proof: ``notes/real-features.md``). With equal widths there is no
    sketch, and the number changes when one map's coordinates are rotated.

    ``"function"`` (default): coordinate-free. The top components of each map, seen as
    functions on the n samples, span the column spaces of
    :math:`U_w = F_w V_w \Lambda_w^{-1/2} / \sqrt n` (n x d_w) and :math:`U_s` (n x d_s), the
    top left singular subspaces. The raw estimate is
    :math:`\hat m = \|U_w^\top U_s\|_F^2
    = \|\Lambda_w^{-1/2} V_w^\top (F_w^\top F_s / n) V_s \Lambda_s^{-1/2}\|_F^2`, invariant under
    an orthogonal change of either map's coordinates (and under any invertible one when
    :math:`d` equals the rank). Two unrelated subspaces of :math:`\mathbb{R}^n` overlap by chance
    (mean :math:`d_w d_s / n`); if the maps share :math:`k` dimensions and the rest is
    unrelated, :math:`E\hat m = k + (d_w - k)(d_s - k)/(n - k)`, which inverts to the
    bias-corrected estimate

    .. math:: \hat k = \frac{\hat m\, n - d_w d_s}{n - d_w - d_s + \hat m}.

    The confidence interval is a delete-a-group jackknife over samples (``groups`` random
    groups, Student t with ``groups - 1`` degrees of freedom) on :math:`\hat m`, mapped through
    the increasing map :math:`\hat m \mapsto \hat k`; ``groups=0`` gives the model interval
    (the exact sd of the chance overlap of the unshared parts at :math:`\hat k`) at no cost.

Chance law (:func:`chance_moments`)
    For independent Haar-random subspaces of dimensions a, b of :math:`\mathbb{R}^D`,
    :math:`\operatorname{tr}(P_a P_b)` has mean :math:`ab/D` and variance
    :math:`2ab(D-a)(D-b) / (D^2 (D-1)(D+2))` (SymPy derivation: ``theory.haar``; the two are
    checked against each other in the tests, since ``numeric`` and ``theory`` do not import
    each other).

Precision. Row blocks of ``block_rows`` rows are multiplied in the input dtype (float32 BLAS)
and the block products are summed in float64, so rounding grows with the block length, not
with n. The function estimate uses the eigenvalues down to :math:`\lambda_d`; its entries carry
a relative error of order :math:`\varepsilon_{\rm dtype} \lambda_1/\lambda_d`, reported as
``conditioning``. Maps whose :math:`\lambda_d` is not above rounding are rejected.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

__all__ = [
    "CorrelationDim", "authors_draws", "authors_from_moments", "chance_moments", "chance_band", "correlation_dim", "intrinsic_dim",
    "second_moment", "spectrum", "synthetic_pair", "t_quantile", "INTRINSIC_METHODS", "CORRELATION_METHODS",
]

INTRINSIC_METHODS = ("authors", "centred", "participation")
CORRELATION_METHODS = ("function", "authors")
_BLOCK_ROWS = 4096


# --- validation ---------------------------------------------------------------------------------
def _as_features(name: str, F) -> np.ndarray:
    """A 2-D real array with at least 2 rows and 1 column; float32/float64 kept as they are."""
    try:
        arr = np.asarray(F)
    except Exception:  # noqa: BLE001 - any unconvertible object is a bad parameter
        raise ValueError(f"{name} must be a 2-D array of finite real numbers") from None
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples x features), got shape {arr.shape}")
    if arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least 2 rows and 1 column, got shape {arr.shape}")
    if arr.dtype not in (np.float32, np.float64):
        # integers, booleans and float16 have no BLAS; float32 is exact for them up to 2^24
        arr = arr.astype(np.float64 if arr.dtype.itemsize > 4 else np.float32)
    return arr


def _as_dim(name: str, value, width: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer in [1, {width}], got {value!r}")
    v = int(value)
    if not 1 <= v <= width:
        raise ValueError(f"{name} must be an integer in [1, {width}] ({what}), got {v}")
    return v


def _as_fraction(name: str, value, closed_right: bool = True) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    v = float(value) if ok else float("nan")
    if not ok or not (0 < v < 1 or (closed_right and v == 1)):
        rng = "(0, 1]" if closed_right else "(0, 1)"
        raise ValueError(f"{name} must be a real number in {rng}, got {value!r}")
    return v


def _as_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


# --- second moments -----------------------------------------------------------------------------
def second_moment(F, G=None, *, name: str = "F", other: str = "G", centred: bool = False,
                  block_rows: int = _BLOCK_ROWS, rows=None) -> np.ndarray:
    r"""Uncentred second moment :math:`F^\top G / n` (or :math:`F^\top F / n`) in float64.

    Row blocks are multiplied in the input dtype and summed in float64; no float64 copy of
    ``F`` is made. ``rows`` (an index array) restricts the sum to those samples (``n`` is then
    their number). ``centred=True`` subtracts the outer product of the column means.
    A NaN or inf in ``F`` (or a float32 overflow) makes the diagonal non-finite, which is
    reported as a ``ValueError`` naming ``name``.
    """
    F = _as_features(name, F)
    if G is not None:
        G = _as_features(other, G)
        if G.shape[0] != F.shape[0]:
            raise ValueError(f"{name} and {other} must have the same number of rows (samples), "
                             f"got {F.shape[0]} and {G.shape[0]}")
    idx = np.arange(F.shape[0]) if rows is None else np.asarray(rows)
    n = idx.size
    H = F if G is None else G
    out = np.zeros((F.shape[1], H.shape[1]))
    sf = np.zeros(F.shape[1])
    sh = np.zeros(H.shape[1])
    dt = np.result_type(F.dtype, H.dtype)
    for start in range(0, n, block_rows):
        sel = idx[start:start + block_rows] if rows is not None else slice(start, start + block_rows)
        a = F[sel].astype(dt, copy=False)
        b = a if G is None else H[sel].astype(dt, copy=False)
        out += a.T @ b
        if centred:
            sf += a.sum(axis=0, dtype=np.float64)
            sh += b.sum(axis=0, dtype=np.float64)
    out /= n
    if centred:
        out -= np.outer(sf / n, sh / n)
    if G is None:
        if not np.all(np.isfinite(np.diagonal(out))):
            raise ValueError(f"{name} must be finite (no NaN or inf, no float overflow)")
    elif not np.all(np.isfinite(out)):
        raise ValueError(f"{name} and {other} must be finite (no NaN or inf, no float overflow)")
    return out


def spectrum(F, centred: bool = False, *, name: str = "F") -> np.ndarray:
    r"""Eigenvalues of :math:`F^\top F / n` (or the covariance), descending, float64."""
    return np.linalg.eigvalsh(second_moment(F, name=name, centred=centred))[::-1]


def _cutoff_dim(lam: np.ndarray, cutoff: float, name: str = "F") -> int:
    lam = np.clip(lam, 0.0, None)  # negative eigenvalues are rounding of zeros
    total = lam.sum()
    if total <= 0:
        raise ValueError(f"{name} must not be identically zero")
    csum = np.cumsum(lam)
    # same rule as the notebook: first k with cumsum >= cutoff * cumsum[-1]
    return int(np.argmax(csum >= cutoff * csum[-1])) + 1


def intrinsic_dim(F, cutoff: float = 0.99, method: str = "authors", *, name: str = "F") -> int:
    r"""Intrinsic dimension of a feature matrix.

    Parameters
    ----------
    F : array_like, shape (n, p)
        Samples in rows; float32 is used as is.
    cutoff : float in (0, 1]
        Fraction of the trace the top-k eigenvalues must reach (``"authors"``, ``"centred"``).
    method : {"authors", "centred", "participation"}
        ``"authors"``: smallest k with :math:`\sum_{i\le k}\lambda_i \ge c\,\operatorname{tr}`
        for the uncentred :math:`F^\top F/n`; ``"centred"``: the same for the covariance;
        ``"participation"``: :math:`\operatorname{round}((\sum\lambda)^2/\sum\lambda^2)` of the
        uncentred spectrum (``cutoff`` unused).
    name : str
        How error messages call ``F``.

    Returns
    -------
    int
    """
    method = _as_choice("method", method, INTRINSIC_METHODS)
    cutoff = _as_fraction("cutoff", cutoff)
    lam = spectrum(F, centred=(method == "centred"), name=name)
    if method == "participation":
        lam = np.clip(lam, 0.0, None)
        if lam.sum() <= 0:
            raise ValueError(f"{name} must not be identically zero")
        return max(1, int(round(lam.sum() ** 2 / np.sum(lam ** 2))))
    return _cutoff_dim(lam, cutoff, name)


# --- chance law ---------------------------------------------------------------------------------
def chance_moments(a: int, b: int, D: int) -> tuple[float, float]:
    r"""Mean and variance of :math:`\operatorname{tr}(P_a P_b)` for independent Haar-random
    subspaces of dimensions ``a``, ``b`` of :math:`\mathbb{R}^D`:
    :math:`ab/D` and :math:`\dfrac{2ab(D-a)(D-b)}{D^2(D-1)(D+2)}` (0 when ``D = 1``)."""
    D = _as_dim("D", D, 10 ** 12, "ambient dimension")
    a = _as_dim("a", a, D, "dimension of the first subspace")
    b = _as_dim("b", b, D, "dimension of the second subspace")
    mean = a * b / D
    if D == 1:
        return mean, 0.0
    var = 2.0 * a * b * (D - a) * (D - b) / (D * D * (D - 1.0) * (D + 2.0))
    return mean, var


def chance_band(a: int, b: int, D: int, level: float = 0.95) -> tuple[float, float]:
    """Central ``level`` band of the chance law (normal approximation, mean +- z sd)."""
    level = _as_fraction("level", level, closed_right=False)
    mean, var = chance_moments(a, b, D)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    sd = math.sqrt(var)
    return mean - z * sd, mean + z * sd


def _t_cdf(t: float, df: int) -> float:
    """Student t CDF for an integer ``df >= 1`` (closed form in theta = atan(t / sqrt(df)))."""
    th = math.atan(t / math.sqrt(df))
    c2, s = math.cos(th) ** 2, math.sin(th)
    if df % 2 == 1:
        acc, term = 0.0, 1.0
        if df > 1:
            acc = term
            for k in range(1, (df - 1) // 2):
                term *= c2 * (2 * k) / (2 * k + 1)
                acc += term
            acc *= s * math.cos(th)
        return 0.5 + (th + acc) / math.pi
    acc, term = 1.0, 1.0
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        acc += term
    return 0.5 + 0.5 * s * acc


def t_quantile(p: float, df: int) -> float:
    """Student t quantile by bisection on :func:`_t_cdf` (monotone), to ~1e-12."""
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# --- correlation dimension ----------------------------------------------------------------------
@dataclass(frozen=True)
class CorrelationDim:
    r"""Result of :func:`correlation_dim`.

    Attributes
    ----------
    estimate : float
        ``"function"``: the bias-corrected :math:`\hat k`; ``"authors"``: their number.
    method : str
    d_w, d_s : int
    raw : float
        :math:`\hat m = \|U_w^\top U_s\|_F^2` (function) or :math:`\|V_w^\top V_s\|_F^2` (authors).
    bias : float
        ``raw - estimate`` (the chance overlap removed; 0 for ``"authors"``).
    ci : (float, float)
        ``level`` confidence interval of ``estimate``. Function: delete-a-group jackknife over
        samples (``groups >= 2``) or, with ``groups = 0``, the model interval (the residual
        overlap's exact chance sd at the plug-in estimate; instant, exact when the maps share
        k dimensions and are otherwise unrelated); ``details["ci_method"]`` says which.
        Authors with a sketch: the chance band, the exact law of their number over the sketch
        draw; authors without a sketch: ``(raw, raw)`` (deterministic).
    ci_raw : (float, float)
        The same for ``raw``.
    chance_mean, chance_sd : float
        Moments of the chance law for ``(d_w, d_s, D)``.
    chance_band : (float, float)
        Central ``level`` band of the chance law (mean +- z sd).
    D : int
        Ambient dimension of the chance law: ``n`` (function) or the narrower width (authors).
    z : float
        ``(raw - chance_mean) / chance_sd``.
    verdict : str
        One line in words (``"chance"`` when ``raw`` is inside the chance band).
    """

    estimate: float
    method: str
    d_w: int
    d_s: int
    raw: float
    bias: float
    ci: tuple
    ci_raw: tuple
    chance_mean: float
    chance_sd: float
    chance_band: tuple
    D: int
    z: float
    verdict: str
    n_samples: int
    width_w: int
    width_s: int
    level: float
    seed: int | None = None
    groups: int = 0
    sketched: str | None = None
    conditioning: tuple = ()
    details: dict = field(default_factory=dict)

    @property
    def within_chance(self) -> bool:
        """``raw`` lies inside the chance band."""
        return self.chance_band[0] <= self.raw <= self.chance_band[1]

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["ci"], out["ci_raw"] = list(self.ci), list(self.ci_raw)
        out["chance_band"], out["conditioning"] = list(self.chance_band), list(self.conditioning)
        out["within_chance"] = self.within_chance
        return out


def _top(M: np.ndarray, d: int, name: str, eps: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Top-d eigenpairs of a second moment; rejects a d beyond the numerical rank."""
    lam, V, cond = _top_batch(M[None], d, name, eps)
    return lam[0], V[0], float(cond[0])


def _function_raw(Mww, Mss, Mws, d_w, d_s, eps) -> tuple[float, tuple]:
    lw, Vw, cw = _top(Mww, d_w, "F_w", eps)
    ls, Vs, cs = _top(Mss, d_s, "F_s", eps)
    C = (Vw.T @ Mws @ Vs) / np.sqrt(lw)[:, None] / np.sqrt(ls)[None, :]
    return float(np.sum(C * C)), (cw, cs)


def _correct(m: float, a: int, b: int, n: int) -> float:
    """Invert E m = k + (a - k)(b - k)/(n - k) for k (increasing in m)."""
    return (m * n - a * b) / (n - a - b + m)


def _verdict(raw, band, D, method, sketched, est, ci) -> str:
    lo, hi = band
    if method == "authors" and sketched is not None:
        return (f"chance by construction: the Gaussian sketch of the {sketched} map makes its "
                f"eigenspace Haar-random in R^{D}, so this number is a draw from the chance law "
                f"(band {lo:.2f}..{hi:.2f}) whatever the features")
    where = "chance" if lo <= raw <= hi else ("above chance" if raw > hi else "below chance")
    if method == "authors":
        return (f"{where}: raw {raw:.2f} vs chance band {lo:.2f}..{hi:.2f} in R^{D}; this number "
                f"depends on each map's coordinates (rotating one map changes it)")
    if where == "chance":
        return (f"chance: overlap {raw:.3f} is inside the chance band {lo:.3f}..{hi:.3f} of two "
                f"unrelated subspaces of R^{D}; the data show no shared dimensions")
    return (f"{where}: overlap {raw:.3f} vs chance band {lo:.3f}..{hi:.3f}; bias-corrected "
            f"d_sw = {est:.2f} (CI {ci[0]:.2f}..{ci[1]:.2f})")


def authors_from_moments(M_w, M_s, d_w: int, d_s: int, seed=None, *, eps: float | None = None
                         ) -> tuple[float, tuple]:
    r"""The authors' :math:`\|V_w^\top V_s\|_F^2` from the two second moments (p x p, float64).

    If the widths differ, the wider moment :math:`M` becomes :math:`S^\top M S` with
    :math:`S` (wide x D) i.i.d. :math:`N(0, 1/D)` drawn from ``seed`` -- the second moment of
    the sketched features :math:`F S`. Returns ``(raw, (lambda_d/lambda_1 of each))``. This is
    the code path of ``correlation_dim(method="authors")``; :func:`authors_draws` is the same
    computation for many sketch seeds at once.
    """
    raw, cw, cs = _authors_batch(M_w, M_s, d_w, d_s, [seed], eps)
    return float(raw[0]), (float(cw[0]), float(cs[0]))


def authors_draws(M_w, M_s, d_w: int, d_s: int, seeds, *, eps: float | None = None) -> np.ndarray:
    """The authors' number for each seed in ``seeds`` (one sketch per seed, vectorised); entry
    ``i`` equals ``authors_from_moments(M_w, M_s, d_w, d_s, seeds[i])[0]``."""
    return _authors_batch(M_w, M_s, d_w, d_s, list(seeds), eps)[0]


def _authors_batch(M_w, M_s, d_w, d_s, seeds, eps):
    M_w, M_s = np.asarray(M_w, dtype=float), np.asarray(M_s, dtype=float)
    for nm, M in (("M_w", M_w), ("M_s", M_s)):
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise ValueError(f"{nm} must be a square second-moment matrix, got shape {M.shape}")
    pw, ps = M_w.shape[0], M_s.shape[0]
    D = min(pw, ps)
    d_w = _as_dim("d_w", d_w, D, f"at most the common width {D} after the sketch")
    d_s = _as_dim("d_s", d_s, D, f"at most the common width {D} after the sketch")
    eps = np.finfo(float).eps if eps is None else eps
    k = len(seeds)
    Mw, Ms = np.broadcast_to(M_w, (k, pw, pw)), np.broadcast_to(M_s, (k, ps, ps))
    if pw != ps:
        # F S with S (wide x D) i.i.d. N(0, 1/D); its second moment is S^T (F^T F / n) S.
        S = np.stack([np.random.default_rng(sd).standard_normal((max(pw, ps), D)) for sd in seeds])
        S /= math.sqrt(D)
        if pw > ps:
            Mw = np.swapaxes(S, 1, 2) @ M_w @ S
        else:
            Ms = np.swapaxes(S, 1, 2) @ M_s @ S
    _, Vw, cw = _top_batch(Mw, d_w, "F_w", eps)
    _, Vs, cs = _top_batch(Ms, d_s, "F_s", eps)
    return np.sum((np.swapaxes(Vw, 1, 2) @ Vs) ** 2, axis=(1, 2)), cw, cs


def _top_batch(M, d, name, eps):
    """Top-d eigenvalues, eigenvectors and lambda_d / lambda_1 of a stack of second moments.

    Rejects a ``d`` beyond the numerical rank: eigenvalues below ``50 eps lambda_1 sqrt(p)``
    are rounding of zeros.
    """
    lam, V = np.linalg.eigh((M + np.swapaxes(M, 1, 2)) / 2)
    lam, V = lam[:, ::-1], V[:, :, ::-1]
    lam1 = np.maximum(lam[:, 0], np.finfo(float).tiny)
    floor = 50 * eps * lam1 * math.sqrt(M.shape[1])
    if np.any(lam[:, d - 1] <= floor):
        rank = int(np.min(np.sum(lam > floor[:, None], axis=1)))
        raise ValueError(f"{name} has numerical rank {rank}: its top-{d} eigenvalues are not "
                         f"all above rounding; choose a dimension <= {rank}")
    return lam[:, :d], V[:, :, :d], lam[:, d - 1] / lam1


def correlation_dim(F_w, F_s, d_w: int, d_s: int, method: str = "function", seed=None, *,
                    level: float = 0.95, groups: int = 20, block_rows: int = _BLOCK_ROWS
                    ) -> CorrelationDim:
    r"""Correlation dimension :math:`d_{sw}` of a weak and a strong feature map.

    Parameters
    ----------
    F_w, F_s : array_like, shapes (n, p_w), (n, p_s)
        Weak and strong features of the same n samples (rows aligned); float32 is kept.
    d_w, d_s : int
        Intrinsic dimensions, ``1 <= d <= width`` (e.g. from :func:`intrinsic_dim`).
    method : {"function", "authors"}
        See the module docstring.
    seed : int, numpy.random.SeedSequence or None
        ``"authors"``: the Gaussian sketch (NumPy's generator, so the *law* of their number is
        reproduced, not the torch stream of their notebook); ``"function"``: the assignment of
        samples to jackknife groups.
    level : float in (0, 1)
        Level of the confidence interval and of the chance band.
    groups : int
        Jackknife groups (``"function"``); each costs one eigendecomposition of each second
        moment (about 1 s per group at width 2,048 on two idle cores). 0 gives the model
        interval instead (no extra cost).
    block_rows : int
        Rows per block of the Gram accumulation.

    Returns
    -------
    CorrelationDim
    """
    method = _as_choice("method", method, CORRELATION_METHODS)
    level = _as_fraction("level", level, closed_right=False)
    F_w = _as_features("F_w", F_w)
    F_s = _as_features("F_s", F_s)
    if F_w.shape[0] != F_s.shape[0]:
        raise ValueError(f"F_w and F_s must have the same number of rows (samples), got "
                         f"{F_w.shape[0]} and {F_s.shape[0]}")
    n, pw, ps = F_w.shape[0], F_w.shape[1], F_s.shape[1]
    d_w = _as_dim("d_w", d_w, min(pw, n), "at most the width and the number of rows of F_w")
    d_s = _as_dim("d_s", d_s, min(ps, n), "at most the width and the number of rows of F_s")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or not (
            groups == 0 or 2 <= groups <= n):
        raise ValueError(f"groups must be 0 or an integer in [2, n={n}], got {groups!r}")
    if isinstance(block_rows, bool) or not isinstance(block_rows, numbers.Integral) or block_rows < 1:
        raise ValueError(f"block_rows must be an integer >= 1, got {block_rows!r}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    eps = float(max(np.finfo(F_w.dtype).eps, np.finfo(F_s.dtype).eps))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    common = dict(method=method, d_w=d_w, d_s=d_s, n_samples=n, width_w=pw, width_s=ps,
                  level=level, seed=int(seed) if isinstance(seed, numbers.Integral) else None)
    if method == "function" and d_w + d_s >= n:
        raise ValueError(f"d_w + d_s must be < n = {n} (rows) for the chance correction, got "
                         f"{d_w} + {d_s}")
    Mww = second_moment(F_w, name="F_w", block_rows=block_rows)
    Mss = second_moment(F_s, name="F_s", block_rows=block_rows)

    if method == "authors":
        D = min(pw, ps)
        sketched = None if pw == ps else ("weak" if pw > ps else "strong")
        d_w = _as_dim("d_w", d_w, D, f"at most the common width {D} after the sketch")
        d_s = _as_dim("d_s", d_s, D, f"at most the common width {D} after the sketch")
        raw, (cw, cs) = authors_from_moments(Mww, Mss, d_w, d_s, seed=ss, eps=eps)
        mean, var = chance_moments(d_w, d_s, D)
        band = (mean - z * math.sqrt(var), mean + z * math.sqrt(var))
        ci = band if sketched is not None else (raw, raw)
        return CorrelationDim(
            estimate=raw, raw=raw, bias=0.0, ci=ci, ci_raw=ci, chance_mean=mean,
            chance_sd=math.sqrt(var), chance_band=band, D=D,
            z=(raw - mean) / math.sqrt(var) if var > 0 else 0.0,
            verdict=_verdict(raw, band, D, method, sketched, raw, ci), groups=0,
            sketched=sketched, conditioning=(cw, cs), **common)

    Mws = second_moment(F_w, F_s, name="F_w", other="F_s", block_rows=block_rows)
    raw, cond = _function_raw(Mww, Mss, Mws, d_w, d_s, eps)
    est = _correct(raw, d_w, d_s, n)
    mean, var = chance_moments(d_w, d_s, n)
    sd = math.sqrt(var)
    band = (mean - z * sd, mean + z * sd)
    if groups:
        # Delete-a-group jackknife: M_(-g) = (n M - n_g M_g) / (n - n_g), M_g recomputed per
        # group (one extra Gram pass in all, two p x p matrices in memory).
        perm = np.random.default_rng(ss).permutation(n)
        reps = np.empty(groups)
        for g, rows in enumerate(np.array_split(perm, groups)):
            ng = rows.size
            mw = second_moment(F_w, name="F_w", rows=rows, block_rows=block_rows)
            ms = second_moment(F_s, name="F_s", rows=rows, block_rows=block_rows)
            mx = second_moment(F_w, F_s, name="F_w", other="F_s", rows=rows, block_rows=block_rows)
            drop = lambda M, Mg: (n * M - ng * Mg) / (n - ng)  # noqa: E731 - local shorthand
            reps[g], _ = _function_raw(drop(Mww, mw), drop(Mss, ms), drop(Mws, mx), d_w, d_s, eps)
        se = math.sqrt((groups - 1) / groups * np.sum((reps - reps.mean()) ** 2))
        crit = t_quantile(0.5 + level / 2, groups - 1)
        details = {"ci_method": "jackknife", "se": se, "t": crit}
    else:
        # Model interval: if the maps share k dimensions and the rest is unrelated, raw - k is
        # exactly the chance overlap tr(P_a P_b), a = d_w - k, b = d_s - k, in R^(n - k);
        # its sd at the plug-in k (clipped to [0, min(d_w, d_s)]) is the SE.
        k = min(max(est, 0.0), float(min(d_w, d_s)))
        a, b, m = d_w - k, d_s - k, n - k
        se = math.sqrt(max(2 * a * b * (m - a) * (m - b) / (m * m * (m - 1) * (m + 2)), 0.0))
        crit = z
        details = {"ci_method": "model", "se": se, "z": crit}
    ci_raw = (raw - crit * se, raw + crit * se)
    # the correction is increasing in raw: map the endpoints (raw lies in [0, min(d_w, d_s)])
    ci = (_correct(max(ci_raw[0], 0.0), d_w, d_s, n),
          _correct(min(ci_raw[1], float(min(d_w, d_s))), d_w, d_s, n))
    return CorrelationDim(
        estimate=est, raw=raw, bias=raw - est, ci=ci, ci_raw=ci_raw, chance_mean=mean,
        chance_sd=sd, chance_band=band, D=n, z=(raw - mean) / sd,
        verdict=_verdict(raw, band, n, method, None, est, ci), groups=int(groups),
        sketched=None, conditioning=cond, details=details, **common)


# --- synthetic maps with a known answer ---------------------------------------------------------
def synthetic_pair(n: int, d_w: int, d_s: int, d_sw: int, width_w: int, width_s: int, seed=None,
                   dtype=np.float64, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""Weak and strong features of exact ranks ``d_w``, ``d_s`` sharing ``d_sw`` dimensions.

    Latent Gaussian columns :math:`Z = [Z_{sh}, Z_w, Z_s]` (n x (d_w + d_s - d_sw));
    :math:`F_w = [Z_{sh}, Z_w] A_w`, :math:`F_s = [Z_{sh}, Z_s] A_s` with :math:`A` Gaussian
    (d x width), i.e. unrelated random coordinates of full row rank. As functions the two maps
    share exactly ``d_sw`` dimensions in the population. ``noise > 0`` adds i.i.d.
    :math:`N(0, \text{noise}^2)` to every entry (then the ranks are no longer exact).
    """
    n = int(n)
    for nm, v, hi in (("d_w", d_w, width_w), ("d_s", d_s, width_s)):
        _as_dim(nm, v, min(hi, n), "at most the width and n")
    if isinstance(d_sw, bool) or not isinstance(d_sw, numbers.Integral) or not 0 <= d_sw <= min(d_w, d_s):
        raise ValueError(f"d_sw must be an integer in [0, min(d_w, d_s)={min(d_w, d_s)}], got {d_sw!r}")
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d_w + d_s - d_sw))
    Zw = Z[:, :d_w]
    Zs = np.concatenate([Z[:, :d_sw], Z[:, d_w:]], axis=1)
    Fw = Zw @ rng.standard_normal((d_w, width_w))
    Fs = Zs @ rng.standard_normal((d_s, width_s))
    if noise:
        Fw += noise * rng.standard_normal(Fw.shape)
        Fs += noise * rng.standard_normal(Fs.shape)
    return Fw.astype(dtype, copy=False), Fs.astype(dtype, copy=False)
