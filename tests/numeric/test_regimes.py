"""Every parameterization regime (issue 8): interpolating fits, sizes at a threshold.

Statistical test functions control their family-wise false-alarm rate at ``FAMILY_ALPHA``
(Holm over their checks); seeds are fixed. Mean checks are made only where the risks have
finite variance (every fit at least 6 samples from its threshold), so the z-tests' normal
approximation is justified. The regime formulas are written out here from theory.md section 6
(numeric must not import theory): an independent re-typing of ``theory.regimes``.
"""
import math
import warnings

import numpy as np
import pytest

from numeric import Scenario, simulate

from ._stats import holm, ks_pvalue, z_pvalue
from .reference import naive_trials, same_data_risks

KEYS = ("weak", "strong", "ceiling", "w2s", "misfit")


# -- exact: wide fits on the same data vs explicit pinv ------------------------------------------
@pytest.mark.parametrize("n,N", [(5, 3), (3, 2), (2, 9), (3, 1), (7, 5)])
def test_fitting_matches_pinv_in_wide_regimes(n, N):
    # d_s = 6 > d_w = 4: every combination of wide teacher, baseline, student and ceiling.
    rng = np.random.default_rng(n * 10 + N)
    D = 11
    sc = Scenario.from_bases(rng.normal(size=(D, 6)), rng.normal(size=(D, 4)), rng.normal(size=D),
                             n=n, N=N, sigma2=0.3, features="rademacher")
    got, want = same_data_risks(sc, rng)
    for b, w in enumerate(want):
        for k in KEYS:
            assert got[k][b] == pytest.approx(w[k], rel=1e-9), k


# -- statistical: both engines vs the naive pinv reference (law), wide and threshold sizes --------
NAIVE_CASES = {
    # (n, N, means_valid): d_s = 5, d_w = 7.
    "all-wide": (3, 2, False),             # teacher, baseline, student, ceiling all wide
    "teacher-at-threshold": (7, 12, False),  # |n - d_w| = 0: KS only (no finite mean)
    "student-at-threshold": (14, 4, False),  # |N - d_s| = 1
    "ceiling-at-threshold": (2, 3, False),   # n + N = d_s
    "teacher-wide-student-tall": (2, 14, False),
}


def test_engines_match_naive_reference_in_every_regime():
    T = 500
    pvals = {}
    for i, (tag, (n, N, _)) in enumerate(NAIVE_CASES.items()):
        sc = Scenario(5, 7, n, N, 0.4, d_sw=2.6,
                      theta=np.random.default_rng(7).normal(size=13) * 0.4)
        ref = naive_trials(sc.V_s, sc.V_w, sc.theta, n, N, sc.sigma2, T,
                           np.random.default_rng(900 + i))
        for engine in ("wishart", "samples"):
            got = simulate(sc, T, seed=1000 + i, engine=engine).per_trial
            for k in KEYS:
                pvals[f"{tag}:{engine}:{k}"] = ks_pvalue(got[k], ref[k])
            # Joint law through a within-trial contrast.
            pvals[f"{tag}:{engine}:weak-w2s"] = ks_pvalue(got["weak"] - got["w2s"],
                                                          ref["weak"] - ref["w2s"])
    assert holm(pvals) == []


def test_naive_reference_check_has_power():
    # Negative control: the same KS family must reject an engine run at a 50% wrong noise
    # variance (pure-variance scenario, all fits wide).
    T = 700
    sc = Scenario(5, 7, 3, 2, 0.4, d_sw=2.6)
    ref = naive_trials(sc.V_s, sc.V_w, sc.theta, 3, 2, 0.4, T, np.random.default_rng(1))
    got = simulate(sc.replace(sigma2=0.6), T, seed=2, engine="wishart").per_trial
    assert holm({k: ks_pvalue(got[k], ref[k]) for k in KEYS}) != []


# -- statistical: means vs the regime formulas (theory.md section 6) ------------------------------
def _single(m, d, rho, t2, s2):
    if m > d + 1:
        return rho + (s2 + rho) * d / (m - d - 1)
    assert m < d - 1
    return rho + (1 - m / d) * (t2 - rho) + (s2 + rho) * m / (d - m - 1)


def _teacher(g, n, d_w, s2):
    q, pw = s2 + g["rho_w"], g["t2"] - g["rho_w"]
    if n > d_w + 1:
        return 1.0, g["p_sw"] + q * g["d_sw"] / (n - d_w - 1), pw + q * d_w / (n - d_w - 1)
    d = d_w
    beta = n * (d - n) / (d * (d - 1) * (d + 2))
    alpha = n / d - d * beta
    S = alpha * g["p_sw"] + beta * g["d_sw"] * pw + q * g["d_sw"] * n / (d * (d - n - 1))
    return n / d, S, n / d * pw + q * n / (d - n - 1)


def _expected(sc):
    g, s2 = sc.geometry(), sc.sigma2
    n, N, d_s, d_w, t2 = sc.n, sc.N, sc.d_s, sc.d_w, g["t2"]
    k, S, Bn = _teacher(g, n, d_w, s2)
    perp, cross = Bn - S, k * g["c_sw"]
    if N > d_s + 1:
        w2s = t2 - 2 * cross + S + d_s / (N - d_s - 1) * perp
        mis = perp * (N - 1) / (N - d_s - 1)
    else:
        w2s = t2 - 2 * N / d_s * cross + N / d_s * S + N / (d_s - N - 1) * perp
        mis = (1 - N / d_s) * S + perp * (d_s - 1) / (d_s - N - 1)
    return {"weak": _single(n, d_w, g["rho_w"], t2, s2),
            "strong": _single(n, d_s, g["rho_s"], t2, s2),
            "ceiling": _single(n + N, d_s, g["rho_s"], t2, s2), "w2s": w2s, "misfit": mis}


def _regime_scenarios():
    rng = np.random.default_rng(11)
    a = dict(cosines=rng.uniform(0, 1, 12), theta=rng.normal(size=35) * 0.3)
    b = dict(cosines=rng.uniform(0, 1, 8), theta=rng.normal(size=33) * 0.3)
    return {
        # d_s = 12 < d_w = 22: the four W2S regimes (ceiling n + N = 9 is wide in the last).
        "ols_ols": Scenario(12, 22, 30, 26, 0.5, **a),
        "ols_interp": Scenario(12, 22, 30, 5, 0.5, **a),
        "interp_ols": Scenario(12, 22, 5, 26, 0.5, **a),
        "interp_interp": Scenario(12, 22, 5, 4, 0.5, **a),
        # d_s = 24 > d_w = 8: OLS teacher with a wide strong baseline.
        "ols_ols_wide_strong": Scenario(24, 8, 16, 40, 0.5, **b),
    }


@pytest.mark.parametrize("engine,T,tags", [
    ("wishart", 3000, None),
    # The samples engine's Gaussian path is checked against the naive reference above; here
    # its means in the regimes with an interpolating fit, at a smaller (cheaper) sample size.
    ("samples", 1000, ("ols_interp", "interp_interp", "ols_ols_wide_strong")),
])
def test_means_match_regime_formulas(engine, T, tags):
    pvals = {}
    for i, (tag, sc) in enumerate(_regime_scenarios().items()):
        if tags is not None and tag not in tags:
            continue
        r = simulate(sc, T, seed=700 + i, engine=engine)
        for k, v in _expected(sc).items():
            pvals[f"{tag}:{k}"] = z_pvalue(r.mean[k], r.stderr[k], v)
    assert holm(pvals) == []


def test_regime_mean_check_has_power():
    # Negative control: the interpolating-teacher formula without the Haar beta term (a
    # plausible derivation error) must be rejected for W2S at the same level and sample size.
    # theta on the weak-only directions (e_{d_s+i}, i >= d_s), V_w partly inside V_s: then
    # c_sw = p_sw = 0 and the W2S risk depends on S through the beta d_sw ||P_w theta||^2 term.
    theta = np.zeros(35)
    theta[24:34] = 1.0
    sc = Scenario(12, 22, 5, 80, 0.05, cosines=np.ones(12), theta=theta)
    r = simulate(sc, 4000, seed=3, engine="wishart")
    g = sc.geometry()
    exp = _expected(sc)
    d, n = sc.d_w, sc.n
    beta = n * (d - n) / (d * (d - 1) * (d + 2))
    wrong = exp["w2s"] - beta * g["d_sw"] * (g["t2"] - g["rho_w"])     # S without beta d_sw PW
    assert z_pvalue(r.mean["w2s"], r.stderr["w2s"], exp["w2s"]) > 1e-3
    assert z_pvalue(r.mean["w2s"], r.stderr["w2s"], wrong) < 1e-6


# -- sizes at a threshold: finite per-trial values, flagged in the engine reason ------------------
@pytest.mark.parametrize("n,N", [(7, 20), (8, 20), (9, 20), (20, 5), (20, 6), (20, 7), (3, 3),
                                 (8, 6)])
@pytest.mark.parametrize("engine", ["wishart", "samples"])
def test_threshold_sizes_run_and_are_finite(engine, n, N):
    sc = Scenario(6, 8, n, N, 0.3, d_sw=3.5, theta=np.full(15, 0.2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no singular-Gram fallbacks expected
        r = simulate(sc, 64, seed=5, engine=engine)
    for k in KEYS:
        assert np.all(np.isfinite(r.per_trial[k])) and np.all(r.per_trial[k] >= 0), k
    assert "threshold" in r.engine_reason and "expectation is infinite" in r.engine_reason


def test_engine_reason_names_regimes_and_paths():
    _, reason = __import__("numeric").choose_engine(Scenario(6, 8, 3, 2, 0.3, d_sw=2))
    assert "teacher interpolating (n=3 < d_w=8)" in reason
    assert "student interpolating (N=2 < d_s=6)" in reason
    assert "Gaussian rows" in reason and "strong rows" in reason
    _, reason = __import__("numeric").choose_engine(Scenario(6, 8, 40, 30, 0.3, d_sw=2))
    assert "all fits OLS" in reason and "Bartlett factor" in reason


@pytest.mark.parametrize("engine", ["wishart", "samples"])
def test_wide_regimes_independent_of_batch_and_workers(engine):
    sc = Scenario(6, 8, 3, 2, 0.3, d_sw=2.5, theta=np.full(15, 0.3))
    base = simulate(sc, 70, seed=9, engine=engine, batch_size=1).per_trial
    for kw in ({}, {"batch_size": 7, "workers": 2}):
        other = simulate(sc, 70, seed=9, engine=engine, **kw).per_trial
        for k in KEYS:
            np.testing.assert_array_equal(base[k], other[k])
    assert math.isfinite(float(np.mean(base["w2s"])))
