"""Tests of the Haar-projection moment lemma (theory.haar): symbolic identities, the NumPy
helper, and a direct Haar sample with a family-wise statistical test.

Monte Carlo checks: every check in one test function is a two-sided z-test of a sample mean
against the lemma; the family-wise false-alarm rate of each test function is ALPHA (Bonferroni
over its checks). Each test also shows power: a plausible wrong formula is rejected by the
same test.
"""
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from theory import haar
from theory.symbols import n

ALPHA = 1e-3
BLOCK = 2000  # trials per SeedSequence child; fixed, so results do not depend on batching


def _projections(rank, dim, trials, seed):
    children = np.random.SeedSequence(seed).spawn(-(-trials // BLOCK))
    out = [haar.sample_projections(rank, dim, min(BLOCK, trials - b * BLOCK), np.random.default_rng(c))
           for b, c in enumerate(children)]
    return np.concatenate(out)


def _zscores(samples, expected):
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    return (mean - expected) / se, se


# --- symbolic -------------------------------------------------------------------------------
def test_coefficients_are_consistent_with_trace_and_beta_moment():
    d = haar.d
    # A = I: E[Pi] = (n/d) I  =>  alpha + d beta = n/d.
    assert sp.simplify(haar.alpha() + d * haar.beta() - n / d) == 0
    # A = e1 e1^T, entry (1,1): alpha + beta = E[Pi_11^2], Pi_11 ~ Beta(n/2, (d-n)/2).
    a_, b_ = n / 2, (d - n) / 2
    beta_second_moment = a_ * (a_ + 1) / ((a_ + b_) * (a_ + b_ + 1))
    assert sp.simplify(haar.alpha() + haar.beta() - beta_second_moment) == 0


@pytest.mark.parametrize("dim", [2, 3, 7, 20])
def test_boundary_ranks(dim):
    assert haar.alpha(dim, dim) == 1 and haar.beta(dim, dim) == 0
    assert haar.alpha(0, dim) == 0 and haar.beta(0, dim) == 0
    assert haar.mean_coefficient(dim, dim) == 1


def test_registered():
    from theory import formula

    assert formula("haar.beta").expr == haar.beta()
    assert formula("haar.alpha").conditions == haar.CONDITIONS


# --- NumPy helper -----------------------------------------------------------------------------
def test_sandwich_identity_and_trace():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    A = A + A.T
    np.testing.assert_allclose(haar.sandwich(np.eye(6), 2), np.eye(6) / 3, rtol=1e-14)
    # tr E[Pi A Pi] = E tr(Pi A) = (n/d) tr A
    assert np.trace(haar.sandwich(A, 4)) == pytest.approx(4 / 6 * np.trace(A), rel=1e-12)
    stack = np.stack([A, 2 * A])
    np.testing.assert_allclose(haar.sandwich(stack, 4)[1], 2 * haar.sandwich(A, 4), rtol=1e-13)
    np.testing.assert_allclose(haar.sandwich(A, 6), A, rtol=1e-13)
    assert haar.coefficients(1, 1) == (1.0, 1.0, 0.0)


@pytest.mark.parametrize(
    "A, rank, match",
    [
        (np.ones((3, 4)), 1, "A must be square"),
        (np.array([[0.0, 1.0], [0.0, 0.0]]), 1, "symmetric"),
        (np.eye(3), 4, "rank must be an integer in"),
        (np.eye(3), -1, "rank must be an integer in"),
        (np.eye(3), 1.5, "rank must be an integer in"),
    ],
)
def test_sandwich_rejects_bad_input(A, rank, match):
    with pytest.raises(ValueError, match=match):
        haar.sandwich(A, rank)


def test_sample_projections_rejects_bad_size():
    with pytest.raises(ValueError, match="size"):
        haar.sample_projections(1, 3, 0, np.random.default_rng(0))


def test_sample_projections_are_rank_n_projections():
    P = haar.sample_projections(3, 7, 50, np.random.default_rng(2))
    np.testing.assert_allclose(P @ P, P, atol=1e-12)
    np.testing.assert_allclose(np.trace(P, axis1=1, axis2=2), 3.0, atol=1e-12)
    assert np.all(haar.sample_projections(0, 4, 3, np.random.default_rng(0)) == 0)


def test_trial_blocks_are_reproducible_prefixes():
    # Block b always draws from SeedSequence(seed).spawn(...)[b]: asking for more trials
    # extends the sample without changing the trials already drawn.
    short = _projections(2, 5, 2 * BLOCK, seed=7)
    long = _projections(2, 5, 3 * BLOCK, seed=7)
    np.testing.assert_array_equal(short, long[: 2 * BLOCK])


# --- direct Haar sample --------------------------------------------------------------------
@pytest.mark.parametrize("rank, dim", [(1, 5), (3, 7), (6, 8)])
def test_lemma_against_direct_haar_sample(rank, dim):
    trials = 40_000
    rng = np.random.default_rng(np.random.SeedSequence([11, rank, dim]))
    # A with a large trace, so that the beta tr(A) I term is visible against the noise.
    G = rng.standard_normal((dim, dim))
    A = G @ G.T + 2 * np.eye(dim)
    P = _projections(rank, dim, trials, seed=[12, rank, dim])
    PAP = (P @ A @ P).reshape(trials, -1)
    iu = np.triu_indices(dim)  # the upper triangle determines a symmetric matrix
    sel = np.ravel_multi_index(iu, (dim, dim))
    checks = np.concatenate([PAP[:, sel], P.reshape(trials, -1)[:, sel]], axis=1)
    expected = np.concatenate([haar.sandwich(A, rank)[iu], (rank / dim * np.eye(dim))[iu]])
    z, se = _zscores(checks, expected)
    crit = stats.norm.isf(ALPHA / (2 * z.size))
    assert np.max(np.abs(z)) < crit, f"max |z| = {np.max(np.abs(z)):.2f} >= {crit:.2f}"

    # Power: two wrong formulas are rejected by this same test: the 'independent entries'
    # guess (n/d)^2 A, and a subtle one with d + 1 in place of d + 2 in beta (same trace).
    b_wrong = rank * (dim - rank) / (dim * (dim - 1) * (dim + 1))
    for wrong in ((rank / dim) ** 2 * A, (rank / dim - dim * b_wrong) * A + b_wrong * np.trace(A) * np.eye(dim)):
        k = len(iu[0])
        z_wrong = (checks[:, :k].mean(axis=0) - wrong[iu]) / se[:k]
        assert np.max(np.abs(z_wrong)) > crit


def test_inverse_gram_trace_against_direct_sample():
    # margin d - n - 1 = 6 > 2: finite variance, so the z-test is valid
    rows, cols, trials = 3, 10, 40_000
    children = np.random.SeedSequence(21).spawn(trials // BLOCK)
    tr = np.concatenate([
        np.trace(np.linalg.inv((Z := np.random.default_rng(c).standard_normal((BLOCK, rows, cols)))
                               @ np.swapaxes(Z, 1, 2)), axis1=1, axis2=2)
        for c in children
    ])
    expected = float(haar.inverse_gram_trace(rows, cols))
    z, se = _zscores(tr, expected)
    crit = stats.norm.isf(ALPHA / 2)
    assert abs(z) < crit
    # Power: the 'population' guess n/d (no inverse-Wishart inflation) is rejected.
    assert abs(tr.mean() - rows / cols) / se > crit
