"""The chance law of the correlation dimension: tr(P_a P_b) for independent Haar subspaces
(theory.haar.overlap_*). Symbolic identities, exact small cases, and a direct Haar sample.

Monte Carlo: each test function is one family of two-sided z-tests (mean and variance at each
configuration) with family-wise false-alarm rate ALPHA (Bonferroni); the same test also
rejects plausible wrong variance formulas (power)."""
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from theory import formula, haar

ALPHA = 1e-3
BLOCK = 2000
a, b, D = haar.a_dim, haar.b_dim, haar.D_dim


def test_closed_forms_and_registration():
    assert sp.simplify(haar.overlap_mean() - a * b / D) == 0
    expected = 2 * a * b * (D - a) * (D - b) / (D ** 2 * (D - 1) * (D + 2))
    assert sp.simplify(haar.overlap_variance() - expected) == 0
    assert formula("haar.overlap.variance").expr == haar.overlap_variance()
    assert formula("haar.overlap.mean").conditions == haar.OVERLAP_CONDITIONS
    # symmetric in the two subspaces; invariant under complementing one of them up to mean
    assert sp.simplify(haar.overlap_variance() - haar.overlap_variance(b, a, D)) == 0
    assert sp.simplify(haar.overlap_variance() - haar.overlap_variance(D - a, b, D)) == 0


def test_entry_moments_satisfy_trace_constraints():
    # tr Pi = a and tr Pi^2 = a hold surely, so E[(tr Pi)^2] = a^2 and E[tr Pi^2] = a:
    c1, c2 = haar.entry_moment_coefficients(a, D)
    assert sp.simplify(c1 * D ** 2 + 2 * c2 * D - a ** 2) == 0
    assert sp.simplify(c1 * D + c2 * (D ** 2 + D) - a) == 0


def test_exact_small_cases():
    # D = 2, a = b = 1: X = cos^2(theta), theta uniform: mean 1/2, E cos^4 = 3/8, var 1/8.
    assert haar.overlap_moments(1, 1, 2, exact=True) == (sp.Rational(1, 2), sp.Rational(1, 8))
    # a = 1: X = ||first b coords of a uniform unit vector||^2 ~ Beta(b/2, (D-b)/2)
    for bb, DD in ((1, 3), (2, 5), (4, 9)):
        al, be = sp.Rational(bb, 2), sp.Rational(DD - bb, 2)
        var_beta = al * be / ((al + be) ** 2 * (al + be + 1))
        assert haar.overlap_moments(1, bb, DD, exact=True)[1] == var_beta
    # deterministic cases
    assert haar.overlap_moments(3, 7, 7) == (3.0, 0.0)
    assert haar.overlap_moments(0, 2, 5) == (0.0, 0.0)
    assert haar.overlap_moments(1, 1, 1) == (1.0, 0.0)


@pytest.mark.parametrize("args, match", [((3, 2, 2), "rank must be"), ((1, -1, 4), "rank must be"),
                                         ((1, 1, 0), "dim must be"), ((1.5, 1, 4), "rank must be")])
def test_overlap_moments_reject_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        haar.overlap_moments(*args)


def _overlaps(aa, bb, DD, trials, seed):
    children = np.random.SeedSequence(seed).spawn(-(-trials // BLOCK))
    return np.concatenate([haar.sample_overlaps(aa, bb, DD, min(BLOCK, trials - i * BLOCK),
                                                np.random.default_rng(c))
                           for i, c in enumerate(children)])


CONFIGS = [(1, 1, 2), (2, 3, 6), (5, 8, 20), (12, 7, 40)]


def test_law_against_direct_haar_sample():
    trials = 20_000
    crit = stats.norm.isf(ALPHA / (2 * 2 * len(CONFIGS)))
    for aa, bb, DD in CONFIGS:
        x = _overlaps(aa, bb, DD, trials, seed=[31, aa, bb, DD])
        mean, var = haar.overlap_moments(aa, bb, DD)
        se_mean = x.std(ddof=1) / np.sqrt(trials)
        c = x - x.mean()
        s2 = np.mean(c ** 2) * trials / (trials - 1)
        se_var = np.sqrt((np.mean(c ** 4) - s2 ** 2) / trials)  # SE of the sample variance
        assert abs(x.mean() - mean) / se_mean < crit, (aa, bb, DD, x.mean(), mean)
        assert abs(s2 - var) / se_var < crit, (aa, bb, DD, s2, var)
        # power: the binomial-like guess (no finite-D correction) and D + 1 for D + 2
        wrong = (2 * aa * bb * (DD - aa) * (DD - bb) / DD ** 4,
                 2 * aa * bb * (DD - aa) * (DD - bb) / (DD ** 2 * (DD - 1) * (DD + 1)))
        if (aa, bb, DD) == (2, 3, 6):
            assert all(abs(s2 - w) / se_var > crit for w in wrong)
