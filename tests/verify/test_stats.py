"""verify.stats: Holm, p-values, power (MDE), ratio of means, and the decision rules."""
import itertools
import math

import numpy as np
import pytest

from verify import stats
from verify.claims import Observation


def _holm_bruteforce(p, alpha):
    """Holm via its closed-testing form: reject H_i iff every intersection containing i is
    rejected by Bonferroni (p_j <= alpha/|S| for some j in S)."""
    m = len(p)
    rej = []
    for i in range(m):
        ok = True
        for r in range(1, m + 1):
            for S in itertools.combinations(range(m), r):
                if i in S and not any(p[j] <= alpha / len(S) for j in S):
                    ok = False
        rej.append(ok)
    return np.array(rej)


@pytest.mark.parametrize("seed", range(20))
def test_holm_matches_closed_testing(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 7))
    p = rng.uniform(0, 0.05, m) ** rng.uniform(0.5, 2)
    rej, thr = stats.holm(p, 0.02)
    np.testing.assert_array_equal(rej, _holm_bruteforce(list(p), 0.02))
    assert np.all(thr >= 0.02 / m - 1e-18)


def test_holm_known_example_and_validation():
    rej, thr = stats.holm([0.0001, 0.01, 0.0002, 0.5], 0.001)
    assert rej.tolist() == [True, False, True, False]
    assert thr[0] == pytest.approx(0.001 / 4) and thr[2] == pytest.approx(0.001 / 3)
    with pytest.raises(ValueError, match="alpha"):
        stats.holm([0.1], 1.5)
    with pytest.raises(ValueError, match="p_values"):
        stats.holm([1.2], 0.05)
    assert stats.holm([], 0.05)[0].size == 0


def test_p_values_directions():
    assert stats.p_value(1.0, 0.1, 1.0, "two-sided") == pytest.approx(1.0)
    assert stats.p_value(1.3, 0.1, 1.0, "two-sided") == pytest.approx(2 * 0.0013498980316301, rel=1e-6)
    # claim mean >= theory: an estimate above the bound is no evidence against it
    assert stats.p_value(1.3, 0.1, 1.0, "less") > 0.99
    assert stats.p_value(0.7, 0.1, 1.0, "less") == pytest.approx(0.0013498980316301, rel=1e-6)
    assert stats.p_value(1.3, 0.1, 1.0, "greater") == pytest.approx(0.0013498980316301, rel=1e-6)
    # equivalence: deviation 0.3 against margin 0.1 is 2 SE outside
    assert stats.p_value(1.3, 0.1, 1.0, "equivalence", margin=0.1) == pytest.approx(0.02275, rel=1e-3)
    assert stats.equivalence_pass_p(1.0, 0.01, 1.0, 0.1) < 1e-20
    with pytest.raises(ValueError, match="alternative"):
        stats.p_value(1, 1, 1, "sideways")
    with pytest.raises(ValueError, match="se"):
        stats.p_value(1, -1, 1, "less")


def test_mde_is_the_deviation_detected_with_stated_power():
    se, level, power = 0.01, 1e-4, 0.8
    d = stats.mde(se, 1.0, level, power, "greater")
    # a true deviation of exactly the MDE is rejected with probability `power`
    z = stats.z_quantile(level, "greater")
    from scipy.stats import norm
    assert norm.sf(z - d / se) == pytest.approx(power, rel=1e-9)
    assert stats.mde(se, 2.0, level, power, "greater") == pytest.approx(d / 2)
    with pytest.raises(ValueError, match="scale"):
        stats.mde(se, 0.0, level)


def test_ratio_of_means_matches_numeric_delta_method():
    from numeric.result import summarise

    rng = np.random.default_rng(3)
    T = 500
    pt = {k: rng.gamma(3.0, 1.0, T) for k in ("weak", "strong", "ceiling", "w2s", "misfit")}
    pt["w2s"] = 0.5 * pt["weak"] + 0.2 * rng.gamma(2.0, 1.0, T)
    pt["ceiling"] = 0.3 * pt["weak"] + 0.1
    pt["pgr"] = (pt["weak"] - pt["w2s"]) / (pt["weak"] - pt["ceiling"])
    pt["opr"] = pt["strong"] / pt["w2s"]
    ref = summarise(pt)
    r, se = stats.ratio_of_means(pt["weak"] - pt["w2s"], pt["weak"] - pt["ceiling"])
    assert r == pytest.approx(ref["pgr_of_means"], rel=1e-12)
    assert se == pytest.approx(ref["pgr_of_means_se"], rel=1e-9)
    r, se = stats.ratio_of_means(pt["strong"], pt["w2s"])
    assert (r, se) == pytest.approx((ref["opr_of_means"], ref["opr_of_means_se"]), rel=1e-9)


def test_decide_rules():
    ok = Observation.test("ok", 1.001, 0.001, 1.0, "two-sided", resolution=0.05)
    weak = Observation.test("weak", 1.0, 0.5, 1.0, "two-sided", resolution=0.05)
    bad = Observation.test("bad", 1.2, 0.001, 1.0, "two-sided", resolution=0.05)
    eq_in = Observation.test("tost", 1.0, 0.001, 1.0, "equivalence", margin=0.1)
    eq_edge = Observation.test("edge", 1.09, 0.02, 1.0, "equivalence", margin=0.1)
    det = Observation.check("symbolic", "pass")
    summary = stats.decide([ok, weak, bad, eq_in, eq_edge, det], alpha=0.001)
    assert summary["m"] == 5 and summary["level"] == pytest.approx(0.001 / 5)
    assert [o.status for o in (ok, weak, bad, eq_in, eq_edge, det)] == [
        "pass", "inconclusive", "fail", "pass", "inconclusive", "pass"]
    assert weak.mde > 0.05 >= ok.mde
    with pytest.raises(ValueError, match="status"):
        stats.decide([Observation(label="x")])


def test_trials_for():
    assert stats.trials_for(0.2, 1000, 0.1, block=16) % 16 == 0
    assert stats.trials_for(0.2, 1000, 0.1) >= 4000
    assert stats.trials_for(0.05, 1000, 0.1) == 1000
    with pytest.raises(ValueError, match="target"):
        stats.trials_for(0.1, 10, 0)


def test_binomial_upper_p():
    assert stats.binomial_upper_p(0, 100, 0.01) == pytest.approx(1.0)
    assert stats.binomial_upper_p(10, 100, 0.01) < 1e-5
    assert math.isclose(stats.binomial_upper_p(1, 1, 0.3), 0.3)
