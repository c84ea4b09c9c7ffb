"""Statistical helpers for the numeric tests (Holm correction, two-sample tests).

The statistics of the verifier live in :mod:`verify.stats`; numeric's tests must not import
``verify`` (the layering of the packages), so this small Holm stays here and is pinned to
``verify.stats.holm`` by ``tests/verify/test_stats.py``. The p-values are SciPy's.
"""
import numpy as np
from scipy import stats

FAMILY_ALPHA = 1e-3
"""Family-wise false-alarm rate of each statistical test function in this package."""


def holm(pvalues: dict, alpha: float = FAMILY_ALPHA) -> list:
    """Names rejected by Holm's step-down procedure at family-wise level ``alpha``."""
    items = sorted(pvalues.items(), key=lambda kv: kv[1])
    m = len(items)
    rejected = []
    for i, (name, p) in enumerate(items):
        if p <= alpha / (m - i):
            rejected.append((name, p))
        else:
            break
    return rejected


def z_pvalue(mean_a, se_a, mean_b=0.0, se_b=0.0):
    """Two-sided p-value of a difference of means with known standard errors."""
    se = np.sqrt(se_a ** 2 + se_b ** 2)
    if se == 0:
        return 1.0 if mean_a == mean_b else 0.0
    z = (mean_a - mean_b) / se
    return float(2 * stats.norm.sf(abs(z)))


def ks_pvalue(a, b):
    return float(stats.ks_2samp(a, b).pvalue)
