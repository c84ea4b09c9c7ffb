import warnings

import numpy as np
import pytest

from numeric.solvers import min_norm_dual, min_norm_solve, pinv_solve


def _batch(rng, B, rows, d):
    X = rng.normal(size=(B, rows, d))
    y = rng.normal(size=(B, rows))
    G = np.swapaxes(X, 1, 2) @ X
    r = (np.swapaxes(X, 1, 2) @ y[..., None])[..., 0]
    return X, y, G, r


@pytest.mark.parametrize("rows,d", [(50, 10), (11, 10), (10, 10), (6, 10), (9, 10)])
def test_matches_pinv(rows, d):
    rng = np.random.default_rng(rows)
    X, y, G, r = _batch(rng, 4, rows, d)
    got = min_norm_solve(G, r, rows)
    want = np.stack([np.linalg.pinv(X[b]) @ y[b] for b in range(4)])
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def test_dual_matches_pinv():
    rng = np.random.default_rng(1)
    X, y, _, _ = _batch(rng, 3, 5, 12)
    want = np.stack([np.linalg.pinv(X[b]) @ y[b] for b in range(3)])
    np.testing.assert_allclose(min_norm_dual(X, y), want, rtol=1e-10, atol=1e-12)


def test_singular_gram_falls_back_with_warning():
    # Rank-deficient design with rows >= d (duplicated column): min-norm solution.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2, 30, 4))
    X[..., 3] = X[..., 2]
    y = rng.normal(size=(2, 30))
    G = np.swapaxes(X, 1, 2) @ X
    r = (np.swapaxes(X, 1, 2) @ y[..., None])[..., 0]
    with pytest.warns(RuntimeWarning, match="singular"):
        got = min_norm_solve(G, r, 30)
    want = np.stack([np.linalg.pinv(X[b]) @ y[b] for b in range(2)])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_well_posed_has_no_warning():
    rng = np.random.default_rng(3)
    _, _, G, r = _batch(rng, 3, 40, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        min_norm_solve(G, r, 40)
    np.testing.assert_allclose(pinv_solve(G, r), np.linalg.solve(G, r[..., None])[..., 0],
                               rtol=1e-9)


def test_one_singular_trial_does_not_change_the_others():
    # A failing trial must not push the rest of its batch onto another solver path.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4, 20, 5))
    X[2, :, 4] = X[2, :, 3]
    y = rng.normal(size=(4, 20))
    G = np.swapaxes(X, 1, 2) @ X
    r = (np.swapaxes(X, 1, 2) @ y[..., None])[..., 0]
    with pytest.warns(RuntimeWarning):
        together = min_norm_solve(G, r, 20)
    for b in (0, 1, 3):
        np.testing.assert_array_equal(together[b], min_norm_solve(G[b:b + 1], r[b:b + 1], 20)[0])
