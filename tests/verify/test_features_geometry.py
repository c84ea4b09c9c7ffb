"""Geometry estimated from the data alone predicts the measured curves (exact theory, every
regime) on synthetic exact-rank maps; the paper form is rejected where it is wrong."""
import numpy as np
import pytest

from numeric.features import run_w2s
from tests.numeric.test_features_probe import TEST, _synthetic
from verify.features import geometry as G


@pytest.fixture(scope="module")
def setup():
    F_w, F_s, y, sc, _ = _synthetic(11)
    return F_w, F_s, y, sc, G.estimate(F_w, F_s, y, TEST, (12, 16, sc.geometry()["d_sw"]))


def test_estimates_match_the_canonical_geometry(setup):
    *_, sc, g = setup
    true = sc.geometry()
    # The target's part outside both spans (canonical coordinate D-1) counts as noise, so
    # only sigma2 + t2 and the in-span energies are comparable with the canonical values.
    for k in ("p_sw", "c_sw"):
        assert g[k] == pytest.approx(true[k], abs=0.01)
    assert g["sigma2"] + g["t2"] == pytest.approx(true["sigma2"] + true["t2"], rel=0.03)
    assert g["t2"] - g["rho_w"] == pytest.approx(true["t2"] - true["rho_w"], abs=0.02)


@pytest.mark.parametrize("n,N", [(60, 100), (8, 100), (60, 10)],
                         ids=["ols_ols", "interp_ols", "ols_interp"])
def test_prediction_from_data_matches_measurement(setup, n, N):
    F_w, F_s, y, _, g = setup
    r = run_w2s(F_w, F_s, y, n, N, trials=100, seed=3, test_index=TEST)
    p = G.predict(g, [n], [N])
    for m in ("weak", "strong", "ceiling", "w2s"):
        z = (r.mean[m] - p[m][0]) / np.hypot(r.stderr[m], p[m + "_se"][0])
        assert abs(z) < 4, (m, r.mean[m], p[m][0])


def test_injected_label_noise_enters_the_variance_only(setup):
    """Noise of std 1 on the training labels (test labels clean): predicted with noise2 = 1,
    and the prediction that ignores it is rejected."""
    F_w, F_s, y, _, g = setup
    r = run_w2s(F_w, F_s, y, 60, 100, trials=100, seed=3, test_index=TEST, label_noise=1.0)
    right = G.predict(g, [60], [100], noise2=1.0)
    wrong = G.predict(g, [60], [100])
    for m in ("weak", "w2s"):
        se_r = np.hypot(r.stderr[m], right[m + "_se"][0])
        assert abs(r.mean[m] - right[m][0]) / se_r < 4
        se_w = np.hypot(r.stderr[m], wrong[m + "_se"][0])
        assert abs(r.mean[m] - wrong[m][0]) / se_w > 4
