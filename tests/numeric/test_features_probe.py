"""run_w2s on synthetic exact-rank feature maps: exact theory, seeds, bad input."""
import math

import numpy as np
import pytest

import theory
import theory.regimes as R
from numeric import Scenario
from numeric.features import run_w2s

SIGMA2 = 0.5


def _random_isometry(rng, d, p):
    """d x p with orthonormal rows: the map's own random coordinates (min-norm preserved)."""
    Q, _ = np.linalg.qr(rng.standard_normal((p, d)))
    return Q.T


def _synthetic(seed, rows=24000, d_s=16, d_w=12, d_sw=6.0, p_s=24, p_w=20):
    """Gaussian latent x in R^D; F = x V Q (rank d, width p); y = theta^T x + noise."""
    rng = np.random.default_rng(seed)
    D = d_s + d_w + 1
    theta = rng.standard_normal(D) * 0.15
    sc = Scenario(d_s, d_w, n=50, N=50, sigma2=SIGMA2, d_sw=d_sw, theta=theta)
    x = rng.standard_normal((rows, D))
    F_s = (x @ sc.V_s) @ _random_isometry(rng, d_s, p_s)
    F_w = ((x @ sc.V_w) @ _random_isometry(rng, d_w, p_w)).astype(np.float32)
    eps = math.sqrt(SIGMA2) * rng.standard_normal(rows)
    return F_w, F_s, x @ theta + eps, sc, eps


TEST = np.arange(12000, 24000)   # a fixed test set (the rows are iid)


def _measure(data, n, N, trials):
    """Mean test MSE minus the test set's own noise energy (known here), and its SEs."""
    F_w, F_s, y, sc, eps = data
    r = run_w2s(F_w, F_s, y, n, N, trials=trials, seed=3, test_index=TEST)
    return r, float(np.mean(eps[TEST] ** 2))


@pytest.fixture(scope="module")
def data():
    return _synthetic(11)


# Finite pool, fixed test set: the test rows' covariance deviates from the identity by
# O(sqrt(2 / 12000)) relative along a fixed direction (the bias part), a deviation common to
# all splits; one such standard deviation is added to the SE in quadrature.
POOL_REL = math.sqrt(2 / TEST.size)


def _exact(sc, model, n, N):
    g = sc.geometry()
    g.update(n=n, N=N)
    return float(R.evaluate(f"risk.{model}.piecewise", **g))


@pytest.mark.parametrize("n,N", [(60, 100), (8, 100), (60, 10)],
                         ids=["ols_ols", "interp_ols", "ols_interp"])
def test_excess_mse_matches_exact_theory(data, n, N):
    """Mean test MSE - sigma^2 = exact expected excess risk (every model, every regime)."""
    sc = data[3]
    r, noise = _measure(data, n, N, 400)
    for model in ("weak", "strong", "ceiling", "w2s"):
        theory = _exact(sc, model, n, N)
        got = r.mean[model] - noise
        se = math.hypot(r.stderr[model], POOL_REL * theory)
        z = (got - theory) / se
        # 12 tests at a family-wise 1e-3 (Bonferroni): |z| < 4.
        assert abs(z) < 4.0, (model, n, N, got, theory, se)


def test_wrong_formula_is_rejected(data):
    """Power: the same measurement rejects the paper's W2S form (b_w2s -> rho_w + rho_s, the
    m_sw term dropped), an 11 % deviation here."""
    sc = data[3]
    n, N = 60, 100
    r, noise = _measure(data, n, N, 400)
    g = sc.geometry()
    g.update(n=n, N=N)
    wrong = float(theory.evaluate("risk.w2s.paper", **g))
    se = math.hypot(r.stderr["w2s"], POOL_REL * wrong)
    assert abs(r.mean["w2s"] - noise - wrong) / se > 4.0


def test_principal_subspace_fits_equal_full_width_on_exact_rank(data):
    """On exact-rank maps, the top-d fit spans the same functions as the full-width fit."""
    F_w, F_s, y = data[:3]
    a = run_w2s(F_w, F_s, y, 60, 100, trials=4, seed=5)
    b = run_w2s(F_w, F_s, y, 60, 100, trials=4, seed=5, dims=(12, 16))
    for k in ("weak", "strong", "ceiling", "w2s"):
        np.testing.assert_allclose(a.per_split[k], b.per_split[k], rtol=1e-4)


def test_svd_solver_agrees_and_sketch_runs(data):
    F_w, F_s, y = data[:3]
    a = run_w2s(F_w, F_s, y, 60, 100, trials=3, seed=2)
    b = run_w2s(F_w, F_s, y, 60, 100, trials=3, seed=2, solver="svd")
    for k in ("weak", "strong", "ceiling", "w2s"):
        np.testing.assert_allclose(a.per_split[k], b.per_split[k], rtol=1e-8)
    # A rank-20 sketch of the 24-wide strong map still contains its rank-16 span.
    c = run_w2s(F_w, F_s, y, 60, 100, trials=3, seed=2, sketch_rank=10)
    np.testing.assert_allclose(a.per_split["strong"], c.per_split["strong"], rtol=1e-6)


def test_seeds_independent_of_workers_and_of_trials(data):
    F_w, F_s, y = data[:3]
    a = run_w2s(F_w, F_s, y, 30, 50, trials=6, seed=9)
    b = run_w2s(F_w, F_s, y, 30, 50, trials=6, seed=9, workers=2)
    c = run_w2s(F_w, F_s, y, 30, 50, trials=9, seed=9)
    d = run_w2s(F_w, F_s, y, 30, 50, trials=9, seed=9, splits=[8, 7, 6])
    for k in a.per_split:
        np.testing.assert_array_equal(a.per_split[k], b.per_split[k])
        np.testing.assert_array_equal(a.per_split[k], c.per_split[k][:6])
        np.testing.assert_array_equal(c.per_split[k][[8, 7, 6]], d.per_split[k])


def test_summaries(data):
    F_w, F_s, y = data[:3]
    r = run_w2s(F_w, F_s, y, 60, 100, trials=8, seed=1)
    ps = r.per_split
    assert r.mean["w2s"] == pytest.approx(ps["w2s"].mean())
    assert r.stderr["weak"] == pytest.approx(ps["weak"].std(ddof=1) / math.sqrt(8))
    assert r.mean_of_pgr == pytest.approx(np.mean((ps["weak"] - ps["w2s"]) /
                                                  (ps["weak"] - ps["ceiling"])))
    assert r.pgr_of_means == pytest.approx((r.mean["weak"] - r.mean["w2s"]) /
                                           (r.mean["weak"] - r.mean["ceiling"]))
    assert r.opr_of_means == pytest.approx(r.mean["strong"] / r.mean["w2s"])
    assert r.pgr_of_means_se > 0 and r.opr_of_means_se > 0
    assert set(r.to_dict()["mean"]) == {"weak", "strong", "ceiling", "w2s", "misfit", "pgr", "opr"}


@pytest.mark.parametrize("kwargs,match", [
    (dict(F_s=np.ones((99, 3))), "same rows"),
    (dict(n=150, N=100), "exceeds the rows available"),
    (dict(y=np.r_[np.nan, np.zeros(199)]), "y must be finite"),
    (dict(y=np.zeros(10)), "one label per row"),
    (dict(F_w=np.full((200, 4), np.nan)), "F_w must be finite"),
    (dict(F_w=np.zeros(200)), "2-D"),
    (dict(n=0), r"n must be an integer in \[1, 1000000000000000\], got 0"),   # numeric.validation
    (dict(dims=(5, 2)), "exceeds the width"),
    (dict(solver="qr"), "solver must be one of"),
    (dict(test_size=200), "test_size must be below"),
])
def test_bad_input(kwargs, match):
    rng = np.random.default_rng(0)
    args = dict(F_w=rng.standard_normal((200, 4)), F_s=rng.standard_normal((200, 3)),
                y=rng.standard_normal(200), n=20, N=30, trials=2, test_size=60)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        run_w2s(**args)


def test_test_groups_partition_the_test_mse(data):
    F_w, F_s, y = data[:3]
    r = run_w2s(F_w, F_s, y, 60, 100, trials=3, seed=2, test_index=TEST, test_groups=8)
    for k in ("weak", "strong", "ceiling", "w2s"):
        g = r.per_split[k + "_groups"]
        assert g.shape == (3, 8)
        # 12000 test rows in 8 equal groups: the group mean is the full test MSE.
        np.testing.assert_allclose(g.mean(axis=1), r.per_split[k], rtol=1e-9)
