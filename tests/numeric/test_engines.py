"""Engines against each other, against a naive reference, and against exact expectations.

Every statistical test function below controls its family-wise false-alarm rate at
``FAMILY_ALPHA`` (Holm over all its checks); seeds are fixed, so runs are reproducible.
"""
import math

import numpy as np
import pytest

from numeric import Scenario, simulate
from numeric.design import build_design
from numeric.engines import run_samples
from numeric.seeding import trial_generator

from ._stats import holm, ks_pvalue, z_pvalue
from .reference import naive_trials, same_data_risks

KEYS = ("weak", "strong", "ceiling", "w2s", "misfit")


def _two_sample_pvalues(tag, a, b, keys=KEYS):
    """KS and Welch-z p-values per key, plus KS on two joint contrasts."""
    out = {}
    for k in keys:
        out[f"{tag}:{k}:ks"] = ks_pvalue(a[k], b[k])
        out[f"{tag}:{k}:mean"] = z_pvalue(a[k].mean(), a[k].std(ddof=1) / math.sqrt(a[k].size),
                                          b[k].mean(), b[k].std(ddof=1) / math.sqrt(b[k].size))
    # Joint law: contrasts of risks from the same trial.
    out[f"{tag}:weak-w2s:ks"] = ks_pvalue(a["weak"] - a["w2s"], b["weak"] - b["w2s"])
    out[f"{tag}:strong/ceiling:ks"] = ks_pvalue(a["strong"] / a["ceiling"],
                                                b["strong"] / b["ceiling"])
    return out


# -- exact: accumulators and solvers vs explicit pinv on the same data ---------------------------
@pytest.mark.parametrize("n,N", [(30, 40), (5, 40), (30, 3), (4, 2)])
def test_fitting_matches_pinv_on_same_data(n, N):
    rng = np.random.default_rng(n * 100 + N)
    D = 9
    sc = Scenario.from_bases(rng.normal(size=(D, 3)), rng.normal(size=(D, 6)), rng.normal(size=D),
                             n=n, N=N, sigma2=0.3, features="rademacher")
    got, want = same_data_risks(sc, rng)
    for b, w in enumerate(want):
        for k in KEYS:
            assert math.isclose(got[k][b], w[k], rel_tol=1e-7, abs_tol=1e-10), (k, b)


# -- statistical: samples engine vs the naive reference ----------------------------------------
def _samples(sc, trials, seed, reduce=None):
    design = build_design(sc, reduce=reduce)
    gens = [trial_generator(s) for s in np.random.SeedSequence(seed).spawn(trials)]
    return run_samples(design, gens, sc.n, sc.N)


REF_CASES = {
    "gauss-canonical": lambda: Scenario(3, 4, 14, 12, 0.5, cosines=[1.0, 0.6, 0.0],
                                        theta=np.linspace(-1, 1, 8)),
    "rademacher-bases": lambda: Scenario.from_bases(
        *np.split(np.random.default_rng(7).normal(size=(7, 6)), [2], axis=1),
        np.random.default_rng(8).normal(size=7) * 0.5, n=12, N=10, sigma2=0.4,
        features="rademacher", noise="rademacher"),
    "student-t-interpolating": lambda: Scenario(3, 5, 4, 6, 0.3, d_sw=1.5,
                                                theta=np.full(9, 0.3),
                                                features="student-t:6", noise="student-t:5"),
}


def test_samples_engine_matches_naive_reference():
    T = 1500
    pvals = {}
    for i, (tag, make) in enumerate(REF_CASES.items()):
        sc = make()
        eng = _samples(sc, T, seed=100 + i)
        ref = naive_trials(sc.V_s, sc.V_w, sc.theta, sc.n, sc.N, sc.sigma2, T,
                           np.random.default_rng(200 + i), sc.features, sc.noise)
        pvals.update(_two_sample_pvalues(tag, eng, ref))
    assert holm(pvals) == []


def test_two_sample_check_has_power():
    # Negative control: a 20% error in the noise variance (pure-variance scenario) must be
    # detected by the same check at the same family-wise level.
    T = 1500
    sc = Scenario(3, 4, 14, 12, 0.5, cosines=[1.0, 0.6, 0.0])
    eng = _samples(sc, T, seed=1)
    ref = naive_trials(sc.V_s, sc.V_w, sc.theta, sc.n, sc.N, 1.2 * sc.sigma2, T,
                       np.random.default_rng(2))
    assert holm(_two_sample_pvalues("neg", eng, ref)) != []


# -- statistical: wishart vs samples (joint law) ------------------------------------------------
ENGINE_CASES = {
    # fast path: n >= p = m + 1, N >= d_s; fractional cosines, folded target component.
    "fast-ds<dw": lambda: Scenario(4, 6, 20, 9, 0.6, cosines=[1.0, 0.7, 0.2, 0.0],
                                   theta=np.linspace(0.5, -0.5, 11)),
    "fast-ds>dw": lambda: Scenario(6, 3, 16, 12, 0.2, cosines=[0.9, 0.5, 0.0],
                                   theta=np.random.default_rng(3).normal(size=10) * 0.4),
    "fast-bases": lambda: Scenario.from_spectrum(
        1.0 / np.arange(1, 13), np.arange(0, 4), np.arange(2, 9),
        np.random.default_rng(4).choice([-1.0, 1.0], size=12) * 0.3, n=25, N=10, sigma2=0.05),
    # idle weak directions marginalised with q >= p_a (notes/wishart-engine.md section 7):
    # the target has a weak-only component (one direction kept), or none (all idle).
    "idle-bartlett": lambda: Scenario(2, 12, 30, 8, 0.3, cosines=[1.0, 0.5],
                                      theta=np.linspace(0.3, -0.3, 15)),
    "idle-no-target": lambda: Scenario(3, 9, 25, 6, 0.3, cosines=[0.8, 0.0, 0.0]),
    # generic path: interpolating teacher (n < d_w) and student (N < d_s).
    "interp": lambda: Scenario(5, 7, 6, 3, 0.5, d_sw=2.5, theta=np.full(13, 0.2)),
}


def _engines_agree(cases, T):
    pvals = {}
    for i, (tag, make) in enumerate(cases.items()):
        sc = make()
        w = simulate(sc, T, seed=300 + i, engine="wishart").per_trial
        s = simulate(sc, T, seed=400 + i, engine="samples").per_trial
        pvals.update(_two_sample_pvalues(tag, w, s))
    return holm(pvals)


def test_wishart_matches_samples():
    assert _engines_agree(ENGINE_CASES, 1200) == []


@pytest.mark.slow
def test_wishart_matches_samples_paper_geometry():
    cases = {f"paper-{d}": (lambda d=d: Scenario.paper_notebook(d_sw=d, n=400, N=300,
                                                                  sigma2=0.02))
             for d in (10, 90)}
    assert _engines_agree(cases, 1000) == []


# -- statistical: means vs the exact finite-sample expectations (theory.md section 2) -----------
def _expected(g, n, N, d_s, d_w, sigma2):
    """Section-2 formulas, written out here (numeric must not import theory)."""
    rs, rw, b, msw, dsw = g["rho_s"], g["rho_w"], g["b_w2s"], g["m_sw"], g["d_sw"]
    return {
        "weak": rw + (sigma2 + rw) * d_w / (n - d_w - 1),
        "strong": rs + (sigma2 + rs) * d_s / (n - d_s - 1),
        "ceiling": rs + (sigma2 + rs) * d_s / (n + N - d_s - 1),
        "w2s": b + (sigma2 + rw) / (n - d_w - 1) * (dsw + d_s * (d_w - dsw) / (N - d_s - 1))
        + d_s / (N - d_s - 1) * msw,
    }


@pytest.mark.parametrize("engine", ["wishart", "samples"])
def test_means_match_section_2(engine):
    T = 3000 if engine == "wishart" else 1500
    cases = [
        Scenario.from_block_energies(6, 9, 40, 30, 0.5, d_sw=4, both=0.3, strong_only=0.2,
                                     weak_only=0.25, neither=0.1),
        Scenario(8, 5, 30, 25, 1.0, d_sw=2.6, theta=np.random.default_rng(1).normal(size=14) * .3),
    ]
    pvals = {}
    for i, sc in enumerate(cases):
        r = simulate(sc, T, seed=500 + i, engine=engine)
        exp = _expected(sc.geometry(), sc.n, sc.N, sc.d_s, sc.d_w, sc.sigma2)
        for k, v in exp.items():
            pvals[f"{i}:{k}"] = z_pvalue(r.mean[k], r.stderr[k], v)
    assert holm(pvals) == []


# -- invariances ---------------------------------------------------------------------------------
def test_rotation_of_ambient_basis_gaussian():
    # Same geometry in a randomly rotated ambient basis, drawn in ambient coordinates (no
    # canonical reduction) vs the canonical scenario's engine: same law.
    rng = np.random.default_rng(11)
    sc = Scenario(3, 4, 12, 10, 0.4, cosines=[0.9, 0.4, 0.0], theta=rng.normal(size=8) * 0.5)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    rot = Scenario.from_bases(Q @ sc.V_s, Q @ sc.V_w, Q @ sc.theta, n=12, N=10, sigma2=0.4)
    T = 1500
    a = _samples(rot, T, seed=21, reduce=False)
    b = simulate(sc, T, seed=22, engine="wishart").per_trial
    assert holm(_two_sample_pvalues("rot", a, b)) == []


@pytest.mark.filterwarnings("ignore:Gram matrix numerically singular:RuntimeWarning")
def test_whitening_spectrum_vs_unwhitened_reference():
    # Unwhitened features x_i = sqrt(lambda_i) g_i with Rademacher g, risks under Lambda.
    # (Rademacher designs are exactly singular with small probability: min-norm is used.)
    lam = 1.0 / np.arange(1, 9)
    theta = np.random.default_rng(5).choice([-1.0, 1.0], size=8) * 0.4
    strong, weak = np.arange(0, 3), np.arange(2, 6)
    sc = Scenario.from_spectrum(lam, strong, weak, theta, n=14, N=11, sigma2=0.05,
                                features="rademacher")
    T = 1500
    eng = simulate(sc, T, seed=31).per_trial
    eye = np.eye(8)
    ref = naive_trials(eye[:, strong], eye[:, weak], theta, 14, 11, 0.05, T,
                       np.random.default_rng(32), "rademacher", "gaussian", scale=np.sqrt(lam))
    assert holm(_two_sample_pvalues("white", eng, ref)) == []
