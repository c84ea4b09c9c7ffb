"""Multiple testing for the paper study: Holm's step-down procedure and power.

Holm controls the family-wise error rate at ``alpha`` under any dependence between the tests,
which matters here: the four risks of one grid point come from the same trials, and PGR/OPR are
functions of them.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats


def holm(pvalues, alpha: float) -> np.ndarray:
    r"""Holm's step-down rejections at family-wise level ``alpha``.

    With the :math:`m` finite p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, reject
    :math:`H_{(1)}, \dots, H_{(k)}` for the largest :math:`k` such that
    :math:`p_{(j)} \le \alpha / (m - j + 1)` for every :math:`j \le k`.
    NaN p-values (tests that could not be run) are not counted in :math:`m` and never rejected.

    Returns
    -------
    numpy.ndarray of bool, same shape as ``pvalues``.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    p = np.asarray(pvalues, dtype=float)
    reject = np.zeros(p.shape, dtype=bool)
    flat = p.ravel()
    idx = np.flatnonzero(np.isfinite(flat))
    m = idx.size
    if m == 0:
        return reject
    order = idx[np.argsort(flat[idx], kind="stable")]
    thresholds = alpha / (m - np.arange(m))
    passed = flat[order] <= thresholds
    k = m if passed.all() else int(np.argmin(passed))
    reject.ravel()[order[:k]] = True
    return reject


def one_sided_p_below(estimate: float, se: float, bound: float) -> float:
    """p-value of H0: E[estimate] >= bound against E[estimate] < bound (normal approximation)."""
    if not (math.isfinite(estimate) and math.isfinite(bound) and se > 0):
        return math.nan
    return float(stats.norm.cdf((estimate - bound) / se))


def detectable_z(alpha: float, m: int, power: float = 0.8) -> float:
    r"""Shift, in standard errors, that a two-sided test at the Bonferroni level
    :math:`\alpha/m` (Holm's first step, its most stringent) detects with probability ``power``:
    :math:`z_{1-\alpha/(2m)} + z_{\mathrm{power}}`."""
    if m < 1:
        return math.nan
    return float(stats.norm.isf(alpha / (2 * m)) + stats.norm.ppf(power))
