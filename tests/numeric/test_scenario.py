import math

import numpy as np
import pytest

from numeric import Scenario
from numeric.geometry import cosines_from_d_sw


def test_d_sw_rule():
    c = cosines_from_d_sw(2.25, 5)
    np.testing.assert_array_equal(c, [1, 1, 0.5, 0, 0])
    assert cosines_from_d_sw(3, 3).tolist() == [1, 1, 1]
    sc = Scenario(6, 4, 50, 60, d_sw=2.7)
    assert math.isclose(sc.d_sw, 2.7, rel_tol=1e-12)


def test_canonical_bases_orthonormal_and_layout():
    for d_s, d_w in ((5, 3), (3, 5), (4, 4)):
        sc = Scenario(d_s, d_w, 50, 60, cosines=np.linspace(0, 1, min(d_s, d_w)))
        D = d_s + d_w + 1
        assert sc.V_s.shape == (D, d_s) and sc.V_w.shape == (D, d_w)
        np.testing.assert_allclose(sc.V_s.T @ sc.V_s, np.eye(d_s), atol=1e-14)
        np.testing.assert_allclose(sc.V_w.T @ sc.V_w, np.eye(d_w), atol=1e-14)
        assert np.all(sc.V_s[D - 1] == 0) and np.all(sc.V_w[D - 1] == 0)
        np.testing.assert_allclose(np.linalg.svd(sc.V_s.T @ sc.V_w, compute_uv=False),
                                   np.sort(sc.cosines)[::-1], atol=1e-14)


def test_block_energies_geometry():
    sc = Scenario.from_block_energies(10, 8, 100, 200, 0.5, d_sw=3, both=0.4, strong_only=0.3,
                                      weak_only=0.2, neither=0.1)
    g = sc.geometry()
    # Hand-derived from the block decomposition.
    expect = dict(d_sw=3, rho_s=0.3, rho_w=0.4, b_w2s=0.6, m_sw=0.2, t2=1.0, c_sw=0.4, p_sw=0.4)
    for k, v in expect.items():
        assert math.isclose(g[k], v, rel_tol=1e-12, abs_tol=1e-15), k
    assert (g["n"], g["N"], g["d_s"], g["d_w"], g["sigma2"]) == (100, 200, 10, 8, 0.5)


def test_geometry_fractional_cosines_by_hand():
    # d_s = d_w = 1: weak direction (c, s); theta = (a, b, e).
    c, a, b, e = 0.6, 0.7, -0.2, 0.3
    s = math.sqrt(1 - c * c)
    sc = Scenario(1, 1, 10, 10, cosines=[c], theta=[a, b, e])
    g = sc.geometry()
    pw = (c * a + s * b) * np.array([c, s, 0])
    pspw = np.array([pw[0], 0, 0])
    th = np.array([a, b, e])
    assert math.isclose(g["rho_s"], b * b + e * e)
    assert math.isclose(g["rho_w"], float(np.sum((th - pw) ** 2)))
    assert math.isclose(g["b_w2s"], float(np.sum((th - pspw) ** 2)))
    assert math.isclose(g["m_sw"], float(pw[1] ** 2))
    assert math.isclose(g["c_sw"], float(th @ pspw))
    assert math.isclose(g["d_sw"], c * c)


def test_canonical_form_distinct_cosines_is_unique_up_to_signs():
    rng = np.random.default_rng(3)
    sc = Scenario(4, 4, 50, 60, cosines=[0.9, 0.6, 0.3, 0.1], theta=rng.normal(size=9))
    Q, _ = np.linalg.qr(rng.normal(size=(9, 9)))
    rot = Scenario.from_bases(Q @ sc.V_s, Q @ sc.V_w, Q @ sc.theta, n=50, N=60)
    c, th = rot.canonical_form()
    np.testing.assert_allclose(c, sc.cosines, atol=1e-12)
    # Each (strong, weak) pair is determined up to a joint sign flip; the rest is one norm.
    np.testing.assert_allclose(np.abs(th), np.abs(sc.theta), atol=1e-10)


def test_from_bases_rotation_keeps_geometry_and_canonical_form_reproduces_it():
    # Repeated cosines (1, 0, and d_w > d_s) make the pairing non-unique; the geometry is not.
    rng = np.random.default_rng(3)
    sc = Scenario(4, 6, 50, 60, cosines=[1, 0.8, 0.3, 0], theta=rng.normal(size=11))
    Q, _ = np.linalg.qr(rng.normal(size=(11, 11)))
    rot = Scenario.from_bases(Q @ sc.V_s, Q @ sc.V_w, Q @ sc.theta, n=50, N=60)
    for k, v in sc.geometry().items():
        assert math.isclose(rot.geometry()[k], v, rel_tol=1e-10, abs_tol=1e-12), k
    c, th = rot.canonical_form()
    np.testing.assert_allclose(np.sort(c), np.sort(sc.cosines), atol=1e-12)
    back = Scenario(4, 6, 50, 60, cosines=c, theta=th)
    for k, v in sc.geometry().items():
        assert math.isclose(back.geometry()[k], v, rel_tol=1e-9, abs_tol=1e-12), k


def test_from_bases_orthonormalises():
    rng = np.random.default_rng(4)
    V_s, V_w = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    sc = Scenario.from_bases(V_s, V_w, rng.normal(size=9), n=20, N=20)
    np.testing.assert_allclose(sc.V_s.T @ sc.V_s, np.eye(3), atol=1e-13)
    Ps = V_s @ np.linalg.pinv(V_s)
    np.testing.assert_allclose(sc.V_s @ sc.V_s.T, Ps, atol=1e-12)


def test_spectrum_whitening():
    lam = np.array([1.0, 0.5, 0.25, 0.125])
    theta = np.array([1.0, -1.0, 2.0, 0.5])
    sc = Scenario.from_spectrum(lam, [0, 1], [1, 2], theta, n=30, N=40)
    eff = theta * np.sqrt(lam)
    assert math.isclose(sc.rho_s, eff[2] ** 2 + eff[3] ** 2)
    assert math.isclose(sc.rho_w, eff[0] ** 2 + eff[3] ** 2)
    assert math.isclose(sc.d_sw, 1.0)


def test_paper_notebook():
    sc = Scenario.paper_notebook(d_sw=50, n=2000, N=400, sigma2=0.1, seed=7)
    assert (sc.d_s, sc.d_w, sc.D, sc.n, sc.N, sc.sigma2) == (100, 200, 300, 2000, 400, 0.1)
    assert math.isclose(sc.d_sw, 50)
    assert math.isclose(sc.t2, float(np.sum(1 / np.arange(1, 301))) / 20000)
    assert Scenario.paper_notebook(d_sw=50, seed=7) == Scenario.paper_notebook(d_sw=50, seed=7)


def test_replace_keeps_geometry():
    sc = Scenario(3, 4, 10, 20, d_sw=1.5, theta=np.arange(8.0))
    sc2 = sc.replace(n=99, sigma2=2.0, features="rademacher")
    assert (sc2.n, sc2.N, sc2.sigma2, sc2.features) == (99, 20, 2.0, "rademacher")
    assert sc2.geometry()["b_w2s"] == sc.geometry()["b_w2s"]
    with pytest.raises(ValueError, match="replace"):
        sc.replace(d_s=4)


@pytest.mark.parametrize("kwargs,param", [
    (dict(cosines=[0.5, 1.2]), "cosines"),
    (dict(cosines=[0.5, -0.1]), "cosines"),
    (dict(cosines=[0.5]), "cosines"),
    (dict(cosines=[0.5, float("nan")]), "cosines"),
    (dict(d_sw=2.5), "d_sw"),
    (dict(d_sw=-1), "d_sw"),
    (dict(d_sw=float("nan")), "d_sw"),
    (dict(cosines=[1, 0], d_sw=1), "cosines or d_sw"),
    (dict(sigma2=-1.0), "sigma2"),
    (dict(sigma2=float("nan")), "sigma2"),
    (dict(theta=[1.0, 2.0]), "theta"),
    (dict(theta=[float("inf")] * 6), "theta"),
    (dict(features="cauchy"), "features"),
    (dict(noise="student-t:1"), "noise"),
])
def test_bad_input(kwargs, param):
    base = dict(d_s=2, d_w=3, n=10, N=10)
    base.update(kwargs)
    with pytest.raises(ValueError, match=param):
        Scenario(**base)


@pytest.mark.parametrize("field,value", [("d_s", 2.5), ("d_w", 0), ("n", -3), ("N", "10"),
                                         ("d_s", True), ("n", float("nan"))])
def test_bad_counts(field, value):
    base = dict(d_s=2, d_w=3, n=10, N=10)
    base[field] = value
    with pytest.raises(ValueError, match=field):
        Scenario(**base)


def test_bad_block_energies():
    with pytest.raises(ValueError, match="d_sw"):
        Scenario.from_block_energies(3, 4, 10, 10, d_sw=1.5)
    with pytest.raises(ValueError, match="d_sw"):
        Scenario.from_block_energies(3, 4, 10, 10, d_sw=4)
    with pytest.raises(ValueError, match="strong_only"):
        Scenario.from_block_energies(3, 4, 10, 10, d_sw=3, strong_only=1.0)
    with pytest.raises(ValueError, match="both"):
        Scenario.from_block_energies(3, 4, 10, 10, d_sw=1, both=-1.0)


def test_bad_bases():
    with pytest.raises(ValueError, match="V_s"):
        Scenario.from_bases(np.ones((5, 2)), np.eye(5)[:, :2], n=10, N=10)
    with pytest.raises(ValueError, match="same number of rows"):
        Scenario.from_bases(np.eye(5)[:, :2], np.eye(6)[:, :2], n=10, N=10)
    with pytest.raises(ValueError, match="strong_coords"):
        Scenario.from_spectrum(np.ones(4), [0, 0], [1], n=10, N=10)
    with pytest.raises(ValueError, match="lambdas"):
        Scenario.from_spectrum([1.0, 0.0], [0], [1], n=10, N=10)


def test_pickle_round_trip_drops_cache():
    import pickle

    from numeric import simulate
    sc = Scenario(3, 4, 20, 20, 0.5, d_sw=1.5, theta=np.full(8, 0.1))
    r = simulate(sc, 3, seed=0)
    back = pickle.loads(pickle.dumps(r))
    assert back.scenario == sc and back.scenario._cache == {}
    np.testing.assert_array_equal(simulate(back.scenario, 3, seed=0).per_trial["w2s"],
                                  r.per_trial["w2s"])


def test_theta_length_error_says_why():
    import pytest

    import numeric

    with pytest.raises(ValueError, match=r"length 33, got 32 \(the canonical layout has "
                                         r"D = d_s \+ d_w \+ 1 = 33"):
        numeric.Scenario(16, 16, 40, 40, 1.0, theta=[0.0] * 32)
