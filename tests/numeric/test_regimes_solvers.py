"""Wide (interpolating) min-norm solves from the rows: ``numeric.solvers.min_norm_rows``."""
import numpy as np
import pytest

from numeric.solvers import min_norm_rows, pinv_solve


@pytest.mark.parametrize("rows,d", [(1, 7), (5, 12), (11, 12), (12, 12), (13, 12), (40, 12)])
def test_matches_pinv(rows, d):
    rng = np.random.default_rng(rows * 31 + d)
    X, y = rng.normal(size=(4, rows, d)), rng.normal(size=(4, rows))
    want = np.stack([np.linalg.pinv(X[b]) @ y[b] for b in range(4)])
    # Tolerance scales with cond(X)^2 at rows = d (tall Gram path); elsewhere near eps.
    np.testing.assert_allclose(min_norm_rows(X, y), want, rtol=1e-8, atol=1e-10)


def test_wide_solution_is_the_min_norm_interpolant():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(3, 6, 15)), rng.normal(size=(3, 6))
    beta = min_norm_rows(X, y)
    np.testing.assert_allclose((X @ beta[..., None])[..., 0], y, atol=1e-12)
    # Min norm <=> beta lies in the row space of X.
    for b in range(3):
        Q, _ = np.linalg.qr(X[b].T)
        np.testing.assert_allclose(Q @ (Q.T @ beta[b]), beta[b], atol=1e-12)


def test_wide_solve_is_conditioned_like_x_not_its_gram():
    # cond(X) = 1e7, so cond(X^T X) = 1e14: the Gram pseudo-inverse loses about 7 more digits.
    rng = np.random.default_rng(0)
    rows, d = 8, 30
    U, _ = np.linalg.qr(rng.normal(size=(rows, rows)))
    V, _ = np.linalg.qr(rng.normal(size=(d, rows)))
    s = np.logspace(0, -7, rows)
    X, y = U @ np.diag(s) @ V.T, rng.normal(size=rows)
    exact = V @ ((U.T @ y) / s)
    rel = lambda b: np.linalg.norm(b - exact) / np.linalg.norm(exact)   # noqa: E731
    via_rows = rel(min_norm_rows(X[None], y[None])[0])
    via_gram = rel(pinv_solve((X.T @ X)[None], (X.T @ y)[None])[0])
    assert via_rows < 1e-7                       # ~ eps * cond(X) = 2e-9
    assert via_gram > 1e3 * via_rows             # the reason the engines keep the rows


def test_rank_deficient_wide_falls_back_with_warning():
    rng = np.random.default_rng(2)
    X = rng.choice([-1.0, 1.0], size=(3, 4, 9))
    X[1, 3] = X[1, 2]                            # duplicated sample in trial 1
    y = rng.normal(size=(3, 4))
    with pytest.warns(RuntimeWarning, match="rank-deficient in 1 trial"):
        got = min_norm_rows(X, y)
    want = np.stack([np.linalg.pinv(X[b]) @ y[b] for b in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


def test_trials_independent_of_batch():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(5, 7, 11)), rng.normal(size=(5, 7))
    together = min_norm_rows(X, y)
    for b in range(5):
        np.testing.assert_array_equal(together[b], min_norm_rows(X[b:b + 1], y[b:b + 1])[0])


def test_bad_shapes_rejected():
    with pytest.raises(ValueError, match="X must have shape"):
        min_norm_rows(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="X must have shape"):
        min_norm_rows(np.zeros((2, 3, 4)), np.zeros((2, 4)))
