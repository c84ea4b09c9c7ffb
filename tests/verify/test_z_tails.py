"""The z-tail audit's math (benchmarks/audit_z_tails.py) and the read-only recording hook of
verify.stats (notes/false-alarm-level.md)."""
import importlib.util
import math
import os

import numpy as np
import pytest
from scipy import stats as st

from verify import stats

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "audit_z_tails.py")


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("audit_z_tails", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("x", [-4.5, -2.0, 0.0, 1.3, 4.5])
def test_edgeworth_reduces_to_normal_without_skewness(audit, x):
    for order in (0, 1):
        assert audit.edgeworth_cdf(x, 100, 0.0, 5.0, order) == pytest.approx(st.norm.cdf(x), rel=1e-12)
    # two terms, normal data: the t distribution with T - 1 degrees of freedom to O(1/T^2)
    T = 4000
    assert audit.edgeworth_cdf(x, T, 0.0, 0.0, 2) == pytest.approx(st.t.cdf(x, T - 1), rel=2e-3, abs=1e-9)


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater", "equivalence"])
def test_rejection_probability_is_nominal_without_skewness(audit, alt):
    for level in (0.05, 1e-3, 7e-6):
        assert audit.rejection_probability(level, alt, 2048, 0.0, 0.0, 1) == pytest.approx(level, rel=1e-9)


def test_skewness_moves_the_one_sided_tails_as_predicted(audit):
    level, T, g = 7e-6, 2048, 2.0
    z = st.norm.isf(level)
    shift = st.norm.pdf(z) * g * (2 * z * z + 1) / (6 * math.sqrt(T))
    assert audit.rejection_probability(level, "less", T, g) == pytest.approx(level + shift, rel=1e-9)
    assert audit.rejection_probability(level, "greater", T, g) == pytest.approx(max(level - shift, 0.0), abs=1e-15)
    assert audit.rejection_probability(level, "equivalence", T, g) == pytest.approx(level + shift, rel=1e-9)
    # two-sided: the one-term corrections cancel while both tails stay positive
    assert audit.rejection_probability(1e-3, "two-sided", T, 0.5) == pytest.approx(1e-3, rel=1e-9)


def test_edgeworth_matches_the_exponential_mean(audit):
    # Exponential(1): skewness 2, excess kurtosis 6; the studentised mean's lower tail is heavy.
    T, reps, z = 80, 200_000, st.norm.isf(0.01)
    x = np.random.default_rng(20261128).exponential(size=(reps, T))
    t = (x.mean(axis=1) - 1.0) / (x.std(axis=1, ddof=1) / math.sqrt(T))
    mc = float(np.mean(t <= -z))                      # about 0.028, 2.8 x nominal
    assert mc > 0.02
    assert audit.edgeworth_cdf(-z, T, 2.0, 6.0, 2) == pytest.approx(mc, rel=0.10)
    assert audit.edgeworth_cdf(-z, T, 2.0, 6.0, 1) == pytest.approx(mc, rel=0.30)


def test_clopper_pearson(audit):
    lo, hi = audit.clopper_pearson(0, 1000)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 1000), rel=1e-9)
    lo, hi = audit.clopper_pearson(10, 1000)
    assert lo < 0.01 < hi


def test_recording_hook_is_read_only():
    rng = np.random.default_rng(3)
    a, b = rng.exponential(size=500), rng.exponential(size=500) + 1.0
    plain = stats.mean_se(a), stats.ratio_of_means(a, b)
    with stats.recording() as rec:
        seen = stats.mean_se(a), stats.ratio_of_means(a, b)
    assert seen == plain
    assert [r["kind"] for r in rec] == ["mean", "ratio"]
    assert (rec[0]["estimate"], rec[0]["se"]) == plain[0] and (rec[1]["estimate"], rec[1]["se"]) == plain[1]
    assert rec[0]["trials"] == 500
    assert rec[0]["skewness"] == pytest.approx(st.skew(a), rel=1e-10)
    assert rec[0]["kurtosis"] == pytest.approx(st.kurtosis(a), rel=1e-10)
    # a ratio studentises its linearised influence values, whose SE is the delta-method SE
    r = plain[1][0]
    infl = (a - r * b) / b.mean()
    assert rec[1]["skewness"] == pytest.approx(st.skew(infl), rel=1e-10)
    assert infl.std(ddof=1) / math.sqrt(infl.size) == pytest.approx(plain[1][1], rel=1e-10)
    stats.mean_se(a)
    assert len(rec) == 2 and not stats._RECORDERS
    assert stats.sample_shape(np.ones(5)) == (0.0, 0.0)


def test_hall_statistic(audit):
    t = np.linspace(-6, 6, 241)
    assert np.array_equal(audit.hall_statistic(t, 100, 0.0), t)
    h = audit.hall_statistic(t, 100, 3.0)
    assert np.all(np.diff(h) > 0)                       # monotone: a cubic with no turning point
    # it removes most of the skewness error of the exponential mean's lower tail (2.8 x -> ~1 x)
    T, reps, z = 80, 200_000, st.norm.isf(0.01)
    x = np.random.default_rng(7).exponential(size=(reps, T))
    m = x.mean(axis=1)
    c = x - m[:, None]
    m2, m3 = np.mean(c ** 2, axis=1), np.mean(c ** 3, axis=1)
    tt = (m - 1.0) / (np.sqrt(m2 * T / (T - 1)) / math.sqrt(T))
    hall = float(np.mean(audit.hall_statistic(tt, T, m3 / m2 ** 1.5) <= -z))
    assert float(np.mean(tt <= -z)) > 2.3 * 0.01
    assert 0.5 * 0.01 < hall < 1.6 * 0.01
