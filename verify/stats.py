r"""Statistics of the claim checks: tests, power, the Holm correction and the final decision.

Every statistical hypothesis of a run is an :class:`verify.claims.Observation`. Its ``p_value``
is the p-value of the test whose rejection means *the claim is false*; all these p-values form
one family, corrected by Holm's step-down procedure at the family-wise level ``alpha``.

Conventions
-----------
* Estimates are means of independent per-trial values (or ratios of such means), so a normal
  (z) approximation is used; the regimes of the built-in claims keep sample sizes well above
  the dimensions (second moments of the inverse Wishart exist only for ``m > d + 3``), so the
  per-trial risks have finite variance and the central limit theorem applies.
* ``alternative`` names the direction in which the claim is *rejected*:

  ``"two-sided"``   claim :math:`\mu = \theta` (relation ``eq``);
  ``"less"``        claim :math:`\mu \ge \theta` (relation ``ge``), rejected when :math:`\mu < \theta`;
  ``"greater"``     claim :math:`\mu \le \theta` (relation ``le``), rejected when :math:`\mu > \theta`;
  ``"equivalence"`` claim :math:`|\mu - \theta| \le \delta` (relation ``approx``), a TOST pair;
  ``"none"``        a deterministic check (no p-value, not in the Holm family).
* Power is expressed as the *minimum detectable deviation* (MDE): the smallest deviation
  :math:`|\mu - \theta|`, in units of the observation's ``scale``, that the test rejects with
  probability ``power`` at the per-test level :math:`\alpha / m` (the smallest Holm threshold,
  so the MDE is conservative for every hypothesis in the family).
"""
from __future__ import annotations

import contextlib
import math
from typing import Iterable, Sequence

import numpy as np
from scipy import stats as _st

ALTERNATIVES = ("two-sided", "less", "greater", "equivalence", "none")
DEFAULT_ALPHA = 1e-3
DEFAULT_POWER = 0.8


def _check_alpha(alpha: float, name: str = "alpha") -> None:
    if not (0.0 < alpha < 1.0) or not math.isfinite(alpha):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {alpha!r}")


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")


# --- read-only audit hook ----------------------------------------------------------------------
# Active recorders (lists); empty in a normal run, so mean_se / ratio_of_means only pay a truth
# test. Used by benchmarks/audit_z_tails.py to see the per-trial values behind each estimate.
_RECORDERS: list = []


@contextlib.contextmanager
def recording():
    r"""Record the shape of the per-trial values behind every :func:`mean_se` and
    :func:`ratio_of_means` call made inside the block (same process only), for audits.

    Yields a list that receives one dict per call: ``kind`` (``"mean"`` or ``"ratio"``),
    ``estimate`` and ``se`` (exactly the returned values), ``trials``, and the sample
    ``skewness`` and excess ``kurtosis`` of the values the z statistic studentises -- the
    per-trial values for a mean, the linearised influence values
    :math:`a_i/\bar b - R\, b_i/\bar b` for a ratio of means. Nothing returned by either
    function changes.
    """
    rec: list = []
    _RECORDERS.append(rec)
    try:
        yield rec
    finally:
        _RECORDERS.remove(rec)


def sample_shape(x) -> tuple[float, float]:
    """Sample skewness and excess kurtosis (moment estimators, divisor T) of 1-d ``x``;
    ``(0, 0)`` for constant ``x``."""
    x = np.asarray(x, dtype=float)
    c = x - x.mean()
    m2 = float(np.mean(c * c))
    if m2 <= 0:
        return 0.0, 0.0
    return float(np.mean(c ** 3) / m2 ** 1.5), float(np.mean(c ** 4) / m2 ** 2 - 3.0)


def _record(kind: str, values, estimate: float, se: float) -> None:
    skew, kurt = sample_shape(values)
    for rec in _RECORDERS:
        rec.append({"kind": kind, "estimate": estimate, "se": se, "trials": int(np.size(values)),
                    "skewness": skew, "kurtosis": kurt})


def mean_se(x) -> tuple[float, float]:
    r"""Sample mean and its standard error :math:`s / \sqrt{T}` of per-trial values ``x``."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"x must be a 1-d array with at least 2 trials, got shape {x.shape}")
    est, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
    if _RECORDERS:
        _record("mean", x, est, se)
    return est, se


def ratio_of_means(num, den) -> tuple[float, float]:
    r"""Ratio of means :math:`R = \bar a / \bar b` of paired per-trial values, with its delta-method SE.

    .. math::
        \operatorname{SE}(R)^2 \approx \frac{1}{T\,\bar b^2}
        \Big(s_a^2 - 2 R\, s_{ab} + R^2 s_b^2\Big).

    Used where a ratio of *expected* risks (PGR, OPR) is estimated from a prefix of trials.
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
    if _RECORDERS:
        _record("ratio", (a - r * b) / mb, est, se)
    return est, se


def p_value(estimate: float, se: float, theory: float, alternative: str, margin: float = 0.0) -> float:
    r"""p-value of the test that rejects the claim (normal approximation).

    With :math:`z = (\hat\mu - \theta) / \mathrm{SE}`: two-sided :math:`2\Phi(-|z|)`; ``less``
    :math:`\Phi(z)`; ``greater`` :math:`\Phi(-z)`; ``equivalence`` (claim
    :math:`|\mu - \theta| \le \delta`) :math:`\Phi(-(|\hat\mu - \theta| - \delta)/\mathrm{SE})`.
    A zero SE gives 0 or 1 according to whether the estimate violates the claim.
    """
    _check_alternative(alternative)
    if alternative == "none":
        raise ValueError("alternative 'none' has no p-value")
    if not (se >= 0) or not math.isfinite(se):
        raise ValueError(f"se must be finite and >= 0, got {se!r}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    dev = estimate - theory
    if alternative == "equivalence":
        dev = abs(dev) - margin
        alternative = "greater"
    if se == 0:
        if alternative == "two-sided":
            return 1.0 if dev == 0 else 0.0
        if alternative == "less":
            return 0.0 if dev < 0 else 1.0
        return 0.0 if dev > 0 else 1.0
    z = dev / se
    if alternative == "two-sided":
        return float(2 * _st.norm.sf(abs(z)))
    if alternative == "less":
        return float(_st.norm.cdf(z))
    return float(_st.norm.sf(z))


def equivalence_pass_p(estimate: float, se: float, theory: float, margin: float) -> float:
    r"""TOST p-value for *confirming* :math:`|\mu - \theta| < \delta`:
    :math:`\max\{\Phi(-(\delta - d)/\mathrm{SE}), \Phi(-(\delta + d)/\mathrm{SE})\}`, :math:`d = \hat\mu - \theta`."""
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    d = estimate - theory
    if se == 0:
        return 0.0 if abs(d) < margin else 1.0
    return float(max(_st.norm.sf((margin - d) / se), _st.norm.sf((margin + d) / se)))


def z_quantile(level: float, alternative: str) -> float:
    """Critical value of a test of size ``level`` (two-sided tests split it)."""
    _check_alpha(level, "level")
    if alternative == "two-sided":
        return float(_st.norm.isf(level / 2))
    return float(_st.norm.isf(level))


def mde(se: float, scale: float, level: float, power: float = DEFAULT_POWER,
        alternative: str = "two-sided") -> float:
    r"""Minimum detectable deviation in units of ``scale``.

    .. math::
        \mathrm{MDE} = \frac{(z_{1-\alpha'} + z_{\pi})\,\mathrm{SE}}{|\mathrm{scale}|}

    with :math:`z_{1-\alpha'}` the critical value (:math:`\alpha'/2` per side when two-sided)
    and :math:`z_\pi` the ``power`` quantile. For ``equivalence`` it is the smallest margin at
    which a TOST with true deviation 0 passes with probability ``power``:
    :math:`(z_{1-\alpha'} + z_{(1+\pi)/2})\,\mathrm{SE}`.
    """
    _check_alternative(alternative)
    _check_alpha(power, "power")
    if scale == 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be finite and non-zero, got {scale!r}")
    if alternative == "equivalence":
        z = z_quantile(level, "greater") + float(_st.norm.ppf((1 + power) / 2))
    else:
        z = z_quantile(level, alternative) + float(_st.norm.ppf(power))
    return z * se / abs(scale)


def trials_for(mde_now: float, trials_now: int, target: float, block: int = 1) -> int:
    """Trials needed to bring an MDE of ``mde_now`` at ``trials_now`` trials down to ``target``
    (the SE falls as :math:`T^{-1/2}`), rounded up to a multiple of ``block``, with 10 % slack."""
    if target <= 0:
        raise ValueError(f"target must be > 0, got {target!r}")
    need = trials_now * (mde_now / target) ** 2 * 1.1
    need = max(int(math.ceil(need)), trials_now)
    return int(math.ceil(need / block) * block)


def holm(p_values: Sequence[float], alpha: float = DEFAULT_ALPHA) -> tuple[np.ndarray, np.ndarray]:
    r"""Holm's step-down procedure.

    Sort the m p-values, :math:`p_{(1)} \le \dots \le p_{(m)}`; reject :math:`H_{(i)}` while
    :math:`p_{(i)} \le \alpha / (m - i + 1)`, stop at the first acceptance. Controls the
    family-wise error rate at ``alpha`` under any dependence between the tests.

    Returns
    -------
    rejected : bool array
    threshold : float array, the level each hypothesis was compared with (for accepted
        hypotheses after the first acceptance, the threshold of the first acceptance).
    """
    _check_alpha(alpha)
    p = np.asarray(p_values, dtype=float)
    m = p.size
    rejected = np.zeros(m, dtype=bool)
    threshold = np.full(m, alpha / max(m, 1))
    if m == 0:
        return rejected, threshold
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p_values must all lie in [0, 1]")
    order = np.argsort(p, kind="stable")
    stopped = False
    for rank, idx in enumerate(order):
        thr = alpha / (m - rank)
        if stopped:
            threshold[idx] = stop_thr
            continue
        threshold[idx] = thr
        if p[idx] <= thr:
            rejected[idx] = True
        else:
            stopped, stop_thr = True, thr
    return rejected, threshold


def binomial_upper_p(failures: int, runs: int, rate: float) -> float:
    """One-sided binomial p-value P[X >= failures], X ~ Bin(runs, rate) (false-alarm audits)."""
    return float(_st.binom.sf(failures - 1, runs, rate))


def decide(observations: Iterable, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> dict:
    """Apply Holm to every statistical observation and set each one's status in place.

    Rules (``level`` = ``alpha / m``, the smallest Holm threshold):

    * rejected by Holm -> ``fail``;
    * otherwise ``pass`` if the claim is *confirmed* (the observation carries a ``pass_p_value``,
      the p-value of a confirmatory test -- TOST for ``equivalence``, the strict bound for
      ``less``/``greater`` -- and it is at most ``level``), or if the test has *power*: its MDE
      at ``level`` is at most its ``resolution`` (not for ``equivalence``, which needs TOST);
    * otherwise ``inconclusive`` (never ``pass`` without power or confirmation).

    Deterministic observations (``alternative == "none"``) keep the status they carry.
    Returns a summary dict: ``alpha``, ``power``, ``m`` (family size), ``level``.
    """
    _check_alpha(alpha)
    _check_alpha(power, "power")
    obs = list(observations)
    stat = [o for o in obs if o.alternative != "none"]
    for o in obs:
        if o.alternative == "none" and o.status not in ("pass", "fail", "inconclusive"):
            raise ValueError(f"deterministic observation {o.label!r} must carry a status, got {o.status!r}")
    rejected, thr = holm([o.p_value for o in stat], alpha)
    m = len(stat)
    level = alpha / max(m, 1)
    for o, rej, t in zip(stat, rejected, thr):
        o.holm_threshold = float(t)
        o.rejected = bool(rej)
        o.level = level
        if o.stderr is not None and o.scale:
            o.mde = mde(o.stderr, o.scale, level, power, o.alternative)
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
