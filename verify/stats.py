r"""The verifier's statistics, in one place: estimates and their standard errors, the tests of
the claim checks (p-values, minimum detectable deviations), Holm's correction, binomial audits
and the final decision.

Every statistical hypothesis of a run is an :class:`verify.claims.Observation`. Its ``p_value``
is the p-value of the test whose rejection means *the claim is false*; all these p-values form
one family, corrected by Holm's step-down procedure at the family-wise level ``alpha``. The
other commands (``point``, ``paper``, ``double-descent``) use the same functions.

Conventions
-----------
* Estimates are means of independent per-trial values, or ratios of such means (studentised
  through their influence values :math:`a_i/\bar b - R\,b_i/\bar b`). The test of a mean is
  **Hall's skewness-corrected studentised statistic** (Hall 1992, *J. R. Statist. Soc. B* 54,
  221-228; :func:`hall_transform`) when the observation carries its sample skewness and trial
  count, and the normal (z) test otherwise. The per-trial risks near :math:`n \approx d` are
  strongly right-skewed, which makes the z test's tails wrong by a factor of 2-10 at the
  per-check levels of a run (:math:`\alpha/m \approx 10^{-5}`); Hall's statistic removes the
  :math:`T^{-1/2}` Edgeworth term (``notes/false-alarm-level.md``).
* Small samples: the tests are asymptotic. Below :data:`MIN_TRIALS` trials a test is not run
  (:func:`valid_sample` is false; the caller reports the check as inconclusive).
* ``alternative`` names the direction in which the claim is *rejected*:

  ``"two-sided"``   claim :math:`\mu = \theta` (relation ``eq``);
  ``"less"``        claim :math:`\mu \ge \theta` (relation ``ge``), rejected when :math:`\mu < \theta`;
  ``"greater"``     claim :math:`\mu \le \theta` (relation ``le``), rejected when :math:`\mu > \theta`;
  ``"equivalence"`` claim :math:`|\mu - \theta| \le \delta` (relation ``approx``), a TOST pair;
  ``"none"``        a deterministic check (no p-value, not in the Holm family).
* Power is expressed as the *minimum detectable deviation* (MDE): the smallest deviation
  :math:`|\mu - \theta|`, in units of the observation's ``scale``, that the test rejects with
  probability ``power`` at the per-test level :math:`\alpha / m` (the smallest Holm threshold,
  so the MDE is conservative for every hypothesis in the family). With a skewness it is the
  larger of the z test's and Hall's (never smaller than the z test's: a skewed sample is never
  credited with more power than the z test would state).

The NaN rule
------------
NaN means *could not be computed*, never *zero* or *one*: an estimate, SE or statistic that is
NaN gives a NaN p-value (no exception), and :func:`holm` leaves NaN p-values out of the family
(not counted in :math:`m`) and never rejects them. Invalid arguments -- a negative or infinite
SE, a level outside (0, 1), a p-value outside [0, 1], an unknown alternative -- raise
``ValueError``.
"""
from __future__ import annotations

import contextlib
import math
from typing import Iterable, NamedTuple, Sequence

import numpy as np
from scipy import special as _sc
from scipy import stats as _st

ALTERNATIVES = ("two-sided", "less", "greater", "equivalence", "none")
DEFAULT_ALPHA = 1e-3
DEFAULT_POWER = 0.8
MIN_TRIALS = 100
r"""Fewest trials at which a test of a mean (or ratio of means) is run. Below it the check is
inconclusive: with the heavy-tailed per-trial risks near :math:`n \approx d` neither the normal
approximation nor Hall's correction (whose own skewness estimate is then noise) holds. Measured
in ``notes/false-alarm-level.md``: on a true scenario with ``n - d_w - 1 = N - d_s - 1 = 5``,
``point --alpha 0.05`` with the old t/z tests rejected 21 of 100 seeds at 10 trials; the current
test rejects 5.9 % at 100 trials and 3.9 % at 400 (1000 seeds each)."""


def check_alpha(alpha: float, name: str = "alpha") -> None:
    """Raise ``ValueError`` naming ``name`` unless ``alpha`` lies in the open interval (0, 1)."""
    if not isinstance(alpha, (int, float, np.integer, np.floating)) or isinstance(alpha, bool) \
            or not math.isfinite(alpha) or not (0.0 < alpha < 1.0):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {alpha!r}")


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")


def _nan(*values) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


# --- read-only audit hook ----------------------------------------------------------------------
# Active recorders (lists); empty in a normal run, so the estimators only pay a truth test. Used
# by benchmarks/audit_z_tails.py to see the per-trial values behind each estimate.
_RECORDERS: list = []


@contextlib.contextmanager
def recording():
    r"""Record the shape of the per-trial values behind every :func:`mean_se` and
    :func:`ratio_of_means` call made inside the block (same process only), for audits.

    Yields a list that receives one dict per call: ``kind`` (``"mean"`` or ``"ratio"``),
    ``estimate`` and ``se`` (exactly the returned values), ``trials``, and the sample
    ``skewness`` and excess ``kurtosis`` of the values the statistic studentises -- the
    per-trial values for a mean, the linearised influence values
    :math:`a_i/\bar b - R\, b_i/\bar b` for a ratio of means. Nothing returned changes.
    """
    rec: list = []
    _RECORDERS.append(rec)
    try:
        yield rec
    finally:
        _RECORDERS.remove(rec)


# The standard normal's cdf, sf, ppf and isf as scipy.stats.norm computes them (``ndtr`` and
# ``ndtri``, then the loc = 0 / scale = 1 arithmetic, which only turns -0.0 into 0.0), without
# its argument handling, which costs ~50 us a call: the planning calls them thousands of times.
def _norm_cdf(x):
    return _sc.ndtr(x)


def _norm_sf(x):
    return _sc.ndtr(-x)


def _norm_ppf(q):
    return _sc.ndtri(q) * 1.0 + 0.0


def _norm_isf(q):
    return -_sc.ndtri(q) * 1.0 + 0.0


def sample_shape(x) -> tuple[float, float]:
    """Sample skewness and excess kurtosis (moment estimators, divisor T: ``scipy.stats.skew``
    and ``kurtosis`` with ``bias=True``) of 1-d ``x``; ``(0, 0)`` for constant ``x``."""
    x = np.asarray(x, dtype=float)
    c = x - x.mean()
    if not np.any(c):
        return 0.0, 0.0
    return float(_st.skew(x, bias=True)), float(_st.kurtosis(x, fisher=True, bias=True))


def _record(kind: str, values, estimate: float, se: float) -> None:
    skew, kurt = sample_shape(values)
    for rec in _RECORDERS:
        rec.append({"kind": kind, "estimate": estimate, "se": se, "trials": int(np.size(values)),
                    "skewness": skew, "kurtosis": kurt})


# --- estimates ---------------------------------------------------------------------------------

class Estimate(NamedTuple):
    """An estimate with what its test needs: standard error, trials and the sample skewness of
    the values it studentises (per-trial values, or influence values of a ratio)."""
    estimate: float
    se: float
    trials: int
    skewness: float


def _skewness(values) -> float:
    """:func:`sample_shape`'s skewness alone (the kurtosis is not computed)."""
    x = np.asarray(values, dtype=float)
    if not np.any(x - x.mean()):
        return 0.0
    return float(_st.skew(x, bias=True))


def mean_estimate(x) -> Estimate:
    r"""Sample mean of per-trial values ``x``, its SE :math:`s/\sqrt{T}` (``scipy.stats.sem``),
    the trials and the sample skewness."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"x must be a 1-d array with at least 2 trials, got shape {x.shape}")
    est, se = float(x.mean()), float(_st.sem(x, ddof=1))
    if _RECORDERS:
        _record("mean", x, est, se)
    return Estimate(est, se, int(x.size), _skewness(x))


def mean_se(x) -> tuple[float, float]:
    r"""Sample mean and its standard error :math:`s / \sqrt{T}` of per-trial values ``x``."""
    e = mean_estimate(x)
    return e.estimate, e.se


def ratio_estimate(num, den) -> Estimate:
    r"""Ratio of means :math:`R = \bar a / \bar b` of paired per-trial values with its
    delta-method SE, the trials, and the skewness of the influence values
    :math:`(a_i - R\, b_i)/\bar b`.

    .. math::
        \operatorname{SE}(R)^2 \approx \frac{1}{T\,\bar b^2}
        \Big(s_a^2 - 2 R\, s_{ab} + R^2 s_b^2\Big).
    """
    a = np.asarray(num, dtype=float)
    b = np.asarray(den, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f"num and den must be 1-d arrays of one length >= 2, got {a.shape}, {b.shape}")
    mb = b.mean()
    if mb == 0:
        raise ValueError("den has mean 0: the ratio of means is undefined")
    r = a.mean() / mb
    cov = np.cov(a, b, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (a.size * mb * mb)
    est, se = float(r), float(math.sqrt(max(var, 0.0)))
    infl = (a - r * b) / mb
    if _RECORDERS:
        _record("ratio", infl, est, se)
    return Estimate(est, se, int(a.size), _skewness(infl))


def ratio_of_means(num, den) -> tuple[float, float]:
    """Ratio of means and its delta-method SE (:func:`ratio_estimate` without the shape)."""
    e = ratio_estimate(num, den)
    return e.estimate, e.se


def delta_se(gradient, cov, trials: int) -> float:
    r"""Delta-method SE of :math:`f(\bar X)`: :math:`\sqrt{\nabla f^\top \Sigma \nabla f / T}`,
    ``cov`` the per-trial covariance :math:`\Sigma` (NaN if any input is NaN)."""
    g = np.asarray(gradient, dtype=float)
    c = np.asarray(cov, dtype=float)
    if np.isnan(g).any() or np.isnan(c).any():
        return math.nan
    return float(math.sqrt(max(float(g @ c @ g), 0.0) / trials))


def valid_sample(trials: int | None) -> bool:
    """Whether a test on ``trials`` trials is run at all (``trials >= MIN_TRIALS``; unknown
    trial counts -- estimates not made of trials -- are run)."""
    return trials is None or trials >= MIN_TRIALS


# --- Hall's skewness-corrected statistic -------------------------------------------------------

def _hall_ab(skewness, trials):
    if skewness is None or trials is None or not skewness:
        return 0.0, 0.0
    r = math.sqrt(trials)
    return skewness / (3 * r), skewness / (6 * r)


def hall_transform(t, skewness: float | None, trials: int | None):
    r"""Hall's (1992) monotone skewness correction of a studentised mean :math:`t`:

    .. math::
        g(t) = t + a t^2 + \tfrac13 a^2 t^3 + b, \qquad a = \frac{\hat\gamma}{3\sqrt T},\quad
        b = \frac{\hat\gamma}{6\sqrt T},

    :math:`\hat\gamma` the sample skewness of the T studentised values. It removes the
    :math:`T^{-1/2}` term of the Edgeworth expansion
    :math:`P(t \le x) = \Phi(x) + T^{-1/2}\hat\gamma(2x^2+1)\phi(x)/6 + O(T^{-1})`, so
    :math:`P(g(t) \le x) = \Phi(x) + O(T^{-1})`; :math:`g' = (1 + a t)^2 \ge 0`. Without a
    skewness (``None`` or 0) it is the identity."""
    a, b = _hall_ab(skewness, trials)
    t = np.asarray(t, dtype=float)
    out = t + a * t * t + a * a * t ** 3 / 3 + b
    return float(out) if out.ndim == 0 else out


def hall_inverse(u, skewness: float | None, trials: int | None):
    r"""Inverse of :func:`hall_transform`: :math:`t = \big((1 + 3a(u - b))^{1/3} - 1\big)/a`."""
    a, b = _hall_ab(skewness, trials)
    u = np.asarray(u, dtype=float)
    if abs(a) < 1e-12:
        out = u - b
    else:
        out = (np.cbrt(1 + 3 * a * (u - b)) - 1) / a
    return float(out) if out.ndim == 0 else out


def _lower_p(t, skewness, trials) -> float:
    r"""p-value for small values of the statistic: :math:`\max\{\Phi(g(t)), \Phi(t)\}` (never
    below the z test's: see :func:`p_value`)."""
    return float(max(_norm_cdf(hall_transform(t, skewness, trials)), _norm_cdf(t)))


def _upper_p(t, skewness, trials) -> float:
    return float(max(_norm_sf(hall_transform(t, skewness, trials)), _norm_sf(t)))


# --- p-values ----------------------------------------------------------------------------------

def p_value(estimate: float, se: float, theory: float, alternative: str, margin: float = 0.0,
            skewness: float | None = None, trials: int | None = None) -> float:
    r"""p-value of the test that rejects the claim.

    With :math:`t = (\hat\mu - \theta) / \mathrm{SE}` and :math:`g` Hall's correction
    (:func:`hall_transform`; the identity without ``skewness`` and ``trials``, i.e. the z test):
    two-sided :math:`2\min\{\Phi(g(t)), 1 - \Phi(g(t))\}`; ``less`` :math:`\Phi(g(t))`;
    ``greater`` :math:`1 - \Phi(g(t))`; ``equivalence`` (claim :math:`|\mu - \theta| \le \delta`)
    the one-sided test at the nearer edge, :math:`1 - \Phi(g((d - \delta)/\mathrm{SE}))` for
    :math:`d = \hat\mu - \theta \ge 0`, :math:`\Phi(g((d + \delta)/\mathrm{SE}))` otherwise.
    A zero SE gives 0 or 1 according to whether the estimate violates the claim. NaN inputs give
    NaN (module docstring).

    With a skewness each one-sided p-value is the larger of Hall's and the z test's: Hall's
    correction is applied only where it makes the test stricter (the heavy tail). On the light
    tail it would lower the critical value in proportion to the *sample* skewness, which for
    heavy-tailed trials is largest in the samples that drew an extreme trial -- those whose
    statistic is already large on that side (notes/false-alarm-level.md). The MDE
    (:func:`mde`) is the larger of the two tests' likewise.
    """
    _check_alternative(alternative)
    if alternative == "none":
        raise ValueError("alternative 'none' has no p-value")
    if _nan(estimate, se, theory):
        return math.nan
    if not (se >= 0) or not math.isfinite(se):
        raise ValueError(f"se must be finite and >= 0, got {se!r}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    dev = estimate - theory
    if se == 0:
        if alternative == "equivalence":
            return 0.0 if abs(dev) > margin else 1.0
        if alternative == "two-sided":
            return 1.0 if dev == 0 else 0.0
        if alternative == "less":
            return 0.0 if dev < 0 else 1.0
        return 0.0 if dev > 0 else 1.0
    if alternative == "equivalence":
        if dev >= 0:
            return _upper_p((dev - margin) / se, skewness, trials)
        return _lower_p((dev + margin) / se, skewness, trials)
    t = dev / se
    if alternative == "two-sided":
        return float(min(1.0, 2 * min(_lower_p(t, skewness, trials), _upper_p(t, skewness, trials))))
    if alternative == "less":
        return _lower_p(t, skewness, trials)
    return _upper_p(t, skewness, trials)


def equivalence_pass_p(estimate: float, se: float, theory: float, margin: float,
                       skewness: float | None = None, trials: int | None = None) -> float:
    r"""TOST p-value for *confirming* :math:`|\mu - \theta| < \delta`: the larger of the two
    one-sided p-values, :math:`\Phi(g((d - \delta)/\mathrm{SE}))` (rejects
    :math:`\mu - \theta \ge \delta`) and :math:`1 - \Phi(g((d + \delta)/\mathrm{SE}))`,
    :math:`d = \hat\mu - \theta` (z test without a skewness)."""
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    if _nan(estimate, se, theory):
        return math.nan
    d = estimate - theory
    if se == 0:
        return 0.0 if abs(d) < margin else 1.0
    return float(max(_lower_p((d - margin) / se, skewness, trials),
                     _upper_p((d + margin) / se, skewness, trials)))


def z_p_value(z: float, alternative: str = "two-sided") -> float:
    """p-value of a standard-normal statistic ``z`` (NaN for NaN)."""
    _check_alternative(alternative)
    if _nan(z):
        return math.nan
    if alternative == "two-sided":
        return float(2 * _norm_sf(abs(z)))
    if alternative == "less":
        return float(_norm_cdf(z))
    if alternative == "greater":
        return float(_norm_sf(z))
    raise ValueError(f"z_p_value needs a one- or two-sided alternative, got {alternative!r}")


def t_test(estimate: float, se: float, target: float, df: int | None = None) -> tuple[float, float]:
    """Two-sided test of ``E[estimate] = target``: the statistic and its p-value, Student t with
    ``df`` degrees of freedom (a sample mean), normal for ``df=None`` (a delta-method ratio).
    NaN inputs give ``(nan, nan)``; a zero SE gives an infinite statistic unless the estimate
    is the target."""
    if _nan(estimate, se, target) or not (math.isfinite(estimate) and math.isfinite(target)):
        return math.nan, math.nan
    if not (se >= 0) or not math.isfinite(se):
        raise ValueError(f"se must be finite and >= 0, got {se!r}")
    if se == 0:
        return (0.0, 1.0) if estimate == target else (math.copysign(math.inf, estimate - target), 0.0)
    z = (estimate - target) / se
    p = 2 * (_st.t.sf(abs(z), df) if df else _norm_sf(abs(z)))
    return float(z), float(p)


# --- power -------------------------------------------------------------------------------------

def z_quantile(level: float, alternative: str) -> float:
    """Critical value of a z test of size ``level`` (two-sided tests split it)."""
    check_alpha(level, "level")
    if alternative == "two-sided":
        return float(_norm_isf(level / 2))
    return float(_norm_isf(level))


def critical_t(level: float, alternative: str, skewness: float | None = None,
               trials: int | None = None) -> float:
    r"""Critical value, in SEs of the estimate, of the test of size ``level`` in the direction
    ``alternative`` -- for a two-sided test or an equivalence the worse (larger) of the two
    sides: :math:`|g^{-1}(\pm z)|` with :math:`g` Hall's transform, :math:`z` the normal
    critical value (``level/2`` per side when two-sided)."""
    z = z_quantile(level, "two-sided" if alternative == "two-sided" else "greater")
    up = hall_inverse(z, skewness, trials)
    lo = -hall_inverse(-z, skewness, trials)
    if alternative == "greater":
        return float(up)
    if alternative == "less":
        return float(lo)
    return float(max(up, lo))


def detectable_shift(level: float, power: float = DEFAULT_POWER, alternative: str = "two-sided",
                     skewness: float | None = None, trials: int | None = None) -> float:
    r"""The true deviation, in SEs, that the test of size ``level`` detects with probability
    ``power``: :math:`c + z_\pi` with :math:`c` = :func:`critical_t` (for ``equivalence``, the
    TOST at true deviation 0: :math:`c + z_{(1+\pi)/2}`); never below the z test's value."""
    _check_alternative(alternative)
    check_alpha(power, "power")
    if alternative == "equivalence":
        zp = float(_norm_ppf((1 + power) / 2))
    else:
        zp = float(_norm_ppf(power))
    c_z = critical_t(level, alternative)
    c = max(c_z, critical_t(level, alternative, skewness, trials))
    return c + zp


def mde(se: float, scale: float, level: float, power: float = DEFAULT_POWER,
        alternative: str = "two-sided", skewness: float | None = None,
        trials: int | None = None) -> float:
    r"""Minimum detectable deviation in units of ``scale``.

    .. math::
        \mathrm{MDE} = \frac{(c_{\alpha'} + z_{\pi})\,\mathrm{SE}}{|\mathrm{scale}|}

    with :math:`c_{\alpha'}` the critical value of :func:`critical_t` (the z test's,
    :math:`z_{1-\alpha'}` or :math:`z_{1-\alpha'/2}`, without a skewness; with one, the larger of
    the z test's and Hall's) and :math:`z_\pi` the ``power`` quantile. For ``equivalence`` it is
    the smallest margin at which a TOST with true deviation 0 passes with probability ``power``:
    :math:`(c_{\alpha'} + z_{(1+\pi)/2})\,\mathrm{SE}`.
    """
    _check_alternative(alternative)
    check_alpha(power, "power")
    if scale == 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be finite and non-zero, got {scale!r}")
    if _nan(se):
        return math.nan
    return detectable_shift(level, power, alternative, skewness, trials) * se / abs(scale)


def power_one_sided(effect: float, se: float, level: float, alternative: str = "greater",
                    skewness: float | None = None, trials: int | None = None) -> float:
    r"""Power of the one-sided test at ``level`` in the direction ``alternative`` against a true
    deviation ``effect`` (> 0) in that direction: :math:`1 - \Phi(c - \text{effect}/\mathrm{SE})`,
    :math:`c` = :func:`critical_t` (the z test's :math:`z_{1-\alpha'}` without a skewness, else
    the larger of it and Hall's); 1 for a zero SE, NaN for NaN inputs."""
    check_alpha(level, "level")
    if alternative not in ("less", "greater"):
        raise ValueError(f"alternative must be 'less' or 'greater', got {alternative!r}")
    if _nan(effect, se):
        return math.nan
    if se <= 0:
        return 1.0
    c = max(critical_t(level, alternative), critical_t(level, alternative, skewness, trials))
    return float(_norm_sf(c - effect / se))


def trials_for(mde_now: float, trials_now: int, target: float, block: int = 1) -> int:
    """Trials needed to bring an MDE of ``mde_now`` at ``trials_now`` trials down to ``target``
    (the SE falls as :math:`T^{-1/2}`), rounded up to a multiple of ``block``, with 10 % slack."""
    if target <= 0:
        raise ValueError(f"target must be > 0, got {target!r}")
    need = trials_now * (mde_now / target) ** 2 * 1.1
    need = max(int(math.ceil(need)), trials_now)
    return int(math.ceil(need / block) * block)


def trials_needed(se: float, scale: float, level: float, power: float, alternative: str,
                  skewness: float | None, trials: int, target: float, block: int = 1) -> int:
    r"""Trials needed for the MDE (:func:`mde`) of an estimate with SE ``se`` at ``trials``
    trials to reach ``target``, the SE falling as :math:`T^{-1/2}` and the skewness of one
    trial held fixed (so Hall's correction, :math:`\propto \hat\gamma/\sqrt T`, shrinks too);
    rounded up to a multiple of ``block``, with 10 % slack. Without a skewness it is
    :func:`trials_for` of the z test's MDE."""
    if target <= 0:
        raise ValueError(f"target must be > 0, got {target!r}")

    def mde_at(t):
        return mde(se * math.sqrt(trials / t), scale, level, power, alternative, skewness, t)

    now = mde_at(trials)
    if not math.isfinite(now):
        raise ValueError(f"se must be finite, got {se!r}")
    if not skewness or now <= target:
        return trials_for(now, trials, target, block)
    lo, hi = trials, trials_for(now, trials, target)    # the z-rate need: an upper bound of T
    while mde_at(hi) > target:                            # (Hall's MDE falls faster than T^-1/2)
        lo, hi = hi, 2 * hi
    while hi - lo > max(1, lo // 100):
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if mde_at(mid) <= target else (mid, hi)
    return int(math.ceil(math.ceil(hi * 1.1) / block) * block)


# --- regression --------------------------------------------------------------------------------

def wls_slope(x, y, w) -> tuple[float, float, float]:
    r"""Weighted least-squares line through ``(x, y)`` with known variances :math:`1/w_i`: the
    slope, its standard error (unscaled covariance, the variances taken as known) and
    :math:`\chi^2 = \sum_i w_i r_i^2` (``numpy.polyfit`` with weights :math:`\sqrt{w_i}`)."""
    x, y, w = (np.asarray(v, dtype=float) for v in (x, y, w))
    if x.ndim != 1 or x.shape != y.shape or x.shape != w.shape or x.size < 2:
        raise ValueError(f"x, y, w must be 1-d arrays of one length >= 2, got {x.shape}, {y.shape}, {w.shape}")
    if np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError("w must be finite and > 0")
    coef, cov = np.polyfit(x, y, 1, w=np.sqrt(w), cov="unscaled")
    resid = y - np.polyval(coef, x)
    return float(coef[0]), float(math.sqrt(cov[0, 0])), float(np.sum(w * resid * resid))


# --- multiple testing --------------------------------------------------------------------------

def holm(p_values: Sequence[float], alpha: float = DEFAULT_ALPHA) -> tuple[np.ndarray, np.ndarray]:
    r"""Holm's step-down procedure.

    Sort the :math:`m` p-values that are not NaN, :math:`p_{(1)} \le \dots \le p_{(m)}`; reject
    :math:`H_{(i)}` while :math:`p_{(i)} \le \alpha / (m - i + 1)`, stop at the first acceptance.
    Controls the family-wise error rate at ``alpha`` under any dependence between the tests.
    NaN p-values (tests that could not be run) are left out of :math:`m` and never rejected.
    Any array shape; the outputs have the same shape.

    Returns
    -------
    rejected : bool array
    threshold : float array, the level each hypothesis was compared with (for accepted
        hypotheses after the first acceptance, the threshold of the first acceptance; NaN for
        NaN p-values).
    """
    check_alpha(alpha)
    p = np.asarray(p_values, dtype=float)
    flat = p.ravel()
    keep = np.flatnonzero(~np.isnan(flat))
    m = keep.size
    rejected = np.zeros(flat.shape, dtype=bool)
    threshold = np.full(flat.shape, math.nan)
    threshold[keep] = alpha / max(m, 1)
    if m and (np.any(~np.isfinite(flat[keep])) or np.any((flat[keep] < 0) | (flat[keep] > 1))):
        raise ValueError("p_values must all lie in [0, 1] (or be NaN: not tested)")
    order = keep[np.argsort(flat[keep], kind="stable")]
    stop_thr = None
    for rank, idx in enumerate(order):
        thr = alpha / (m - rank)
        if stop_thr is not None:
            threshold[idx] = stop_thr
            continue
        threshold[idx] = thr
        if flat[idx] <= thr:
            rejected[idx] = True
        else:
            stop_thr = thr
    return rejected.reshape(p.shape), threshold.reshape(p.shape)


# --- binomial audits ---------------------------------------------------------------------------

def binomial_upper_p(failures: int, runs: int, rate: float) -> float:
    """One-sided binomial p-value P[X >= failures], X ~ Bin(runs, rate) (false-alarm audits;
    ``scipy.stats.binomtest``)."""
    if failures <= 0:
        return 1.0
    return float(_st.binomtest(int(failures), int(runs), rate, alternative="greater").pvalue)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided confidence interval of a binomial proportion."""
    check_alpha(confidence, "confidence")
    ci = _st.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


# --- the decision ------------------------------------------------------------------------------

def decide(observations: Iterable, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> dict:
    """Apply Holm to every statistical observation and set each one's status in place.

    Rules (``level`` = ``alpha / m``, the smallest Holm threshold):

    * rejected by Holm -> ``fail``;
    * otherwise ``pass`` if the claim is *confirmed* (the observation carries a ``pass_p_value``,
      the p-value of a confirmatory test -- TOST for ``equivalence``, the strict bound for
      ``less``/``greater`` -- and it is at most ``level``), or if the test has *power*: its MDE
      at ``level`` (with the observation's skewness and trials) is at most its ``resolution``
      (not for ``equivalence``, which needs TOST);
    * otherwise ``inconclusive`` (never ``pass`` without power or confirmation). An observation
      with a NaN p-value (fewer than :data:`MIN_TRIALS` trials) is inconclusive and not in
      the family.

    Deterministic observations (``alternative == "none"``) keep the status they carry.
    Returns a summary dict: ``alpha``, ``power``, ``m`` (family size), ``level``.
    """
    check_alpha(alpha)
    check_alpha(power, "power")
    obs = list(observations)
    stat = [o for o in obs if o.alternative != "none"]
    for o in obs:
        if o.alternative == "none" and o.status not in ("pass", "fail", "inconclusive"):
            raise ValueError(f"deterministic observation {o.label!r} must carry a status, got {o.status!r}")
    pv = [math.nan if o.p_value is None else o.p_value for o in stat]
    rejected, thr = holm(pv, alpha)
    m = int(sum(not math.isnan(p) for p in pv))
    level = alpha / max(m, 1)
    for o, p, rej, t in zip(stat, pv, rejected, thr):
        o.level = level
        if math.isnan(p):
            o.holm_threshold, o.rejected, o.status = None, False, "inconclusive"
            continue
        o.holm_threshold = float(t)
        o.rejected = bool(rej)
        if o.stderr is not None and o.scale:
            o.mde = mde(o.stderr, o.scale, level, power, o.alternative,
                        getattr(o, "skewness", None), o.trials)
        confirmed = o.pass_p_value is not None and o.pass_p_value <= level
        powered = (o.alternative != "equivalence" and o.mde is not None and o.resolution is not None
                   and o.mde <= o.resolution)
        if rej:
            o.status = "fail"
        elif confirmed or powered:
            o.status = "pass"
        else:
            o.status = "inconclusive"
    return {"alpha": alpha, "power": power, "m": m, "level": level}
