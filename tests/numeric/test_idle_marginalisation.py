"""The wishart engine's marginalisation of idle weak directions (notes/wishart-engine.md s. 7).

The labelled side is checked against a full-Bartlett reference written here (the path of
section 4, which draws every weak direction), with enough trials to see a 1.5 % change in a
risk's mean. Each statistical test function controls its family-wise false-alarm rate at
``FAMILY_ALPHA`` (Holm over its checks).
"""
import math

import numpy as np
import pytest
from scipy import stats

from numeric import Scenario, simulate
from numeric.design import build_design
from numeric.engines.wishart import (
    IdleWeak, labelled_bartlett, wishart_plan, strong_statistics,
)
from numeric.seeding import trial_generator

from ._stats import FAMILY_ALPHA, holm, ks_pvalue, z_pvalue

CASES = {
    # q >= p_a: the idle factor K is a Bartlett factor; the target keeps one weak-only direction
    "idle-bartlett": lambda: Scenario(2, 12, 30, 8, 0.3, cosines=[1.0, 0.5],
                                      theta=np.linspace(0.3, -0.3, 15)),
    # q < p_a: K is drawn as q Gaussian rows
    "idle-rows": lambda: Scenario(4, 6, 20, 9, 0.6, cosines=[1.0, 0.7, 0.2, 0.0],
                                  theta=np.linspace(0.5, -0.5, 11)),
}


def _reference_labelled(design, n, T, rng):
    """Teacher and strong coefficients from the full p x p Bartlett factor (no marginalisation).

    Coordinates ``v = [B_w, C_w]^T x`` and ``z``; ``R`` upper triangular with
    ``R_ii^2 ~ chi2(n - i)`` and standard normals above the diagonal, so ``R^T R ~ W_p(n, I)``.
    """
    m, d_w = design.m, design.d_w
    p = m + 1
    Q = np.hstack([design.B_w, design.C_w])
    phi = np.append(Q.T @ design.theta, math.sqrt(design.fold ** 2 + design.sigma2))
    T_s = np.vstack([Q.T @ design.B_s, np.zeros((1, design.d_s))])        # p x d_s
    R = np.zeros((T, p, p))
    iu = np.triu_indices(p, 1)
    R[:, iu[0], iu[1]] = rng.standard_normal((T, iu[0].size))
    R[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(n - np.arange(p), size=(T, p)))
    Rphi = R @ phi
    beta_w = np.linalg.solve(R[:, :d_w, :d_w], Rphi[:, :d_w, None])[..., 0]
    P = R @ T_s
    Pt = np.swapaxes(P, 1, 2)
    beta_s = np.linalg.solve(Pt @ P, Pt @ Rphi[..., None])[..., 0]
    return beta_w, beta_s


def _idle_basis(idle, d_w):
    """Orthonormal basis (d_w x q) of the idle subspace: span(e_J) less the target's direction."""
    E = np.zeros((d_w, idle.J.size))
    E[idle.J, np.arange(idle.J.size)] = 1.0
    if idle.t_hat is not None:
        t = np.zeros(d_w)
        t[idle.J] = idle.t_hat
        E = E - np.outer(t, t @ E)
    U, sv, _ = np.linalg.svd(E, full_matrices=False)
    return U[:, sv > 1e-9]


def _summaries(design, idle, beta_w, beta_s):
    f2 = design.fold ** 2
    weak = np.sum((beta_w @ design.B_w.T - design.theta) ** 2, axis=1) + f2
    strong = np.sum((beta_s @ design.B_s.T - design.theta) ** 2, axis=1) + f2
    idle_c = beta_w @ _idle_basis(idle, design.d_w)    # the teacher's idle coefficients
    return {"weak": weak, "strong": strong, "weak-strong": weak - strong,
            "idle[0]": idle_c[:, 0], "|idle|^2": np.sum(idle_c ** 2, axis=1)}


@pytest.mark.parametrize("name", list(CASES))
def test_labelled_side_matches_full_bartlett(name):
    T = 20_000
    sc = CASES[name]()
    design = build_design(sc)
    plan = wishart_plan(design)
    assert 0 < plan.q and sc.n >= plan.p
    assert (plan.q >= plan.p_a) == (name == "idle-bartlett")
    gens = [trial_generator(s) for s in np.random.SeedSequence(11).spawn(T)]
    beta_w, beta_s, _, _ = labelled_bartlett(design, plan, gens, sc.n)
    ref_w, ref_s = _reference_labelled(design, sc.n, T, np.random.default_rng(12))
    a = _summaries(design, plan.idle, beta_w, beta_s)
    b = _summaries(design, plan.idle, ref_w, ref_s)
    pvals = {}
    for k in a:
        pvals[f"{k}:ks"] = ks_pvalue(a[k], b[k])
        pvals[f"{k}:mean"] = z_pvalue(a[k].mean(), a[k].std(ddof=1) / math.sqrt(T),
                                      b[k].mean(), b[k].std(ddof=1) / math.sqrt(T))
    assert holm(pvals) == []


def test_full_bartlett_check_has_power():
    """Negative control: the same comparison rejects a 6 % error in the noise variance

    (expected shift of the mean teacher risk: about 7 standard errors)."""
    T = 20_000
    sc = CASES["idle-bartlett"]()
    design = build_design(sc)
    plan = wishart_plan(design)
    gens = [trial_generator(s) for s in np.random.SeedSequence(13).spawn(T)]
    beta_w, beta_s, _, _ = labelled_bartlett(design, plan, gens, sc.n)
    wrong = build_design(sc.replace(sigma2=1.06 * sc.sigma2), reduce=True)
    ref_w, ref_s = _reference_labelled(wrong, sc.n, T, np.random.default_rng(14))
    a = _summaries(design, plan.idle, beta_w, beta_s)
    b = _summaries(design, plan.idle, ref_w, ref_s)
    pvals = {f"{k}:mean": z_pvalue(a[k].mean(), a[k].std(ddof=1) / math.sqrt(T),
                                   b[k].mean(), b[k].std(ddof=1) / math.sqrt(T)) for k in a}
    assert holm(pvals) != []


@pytest.mark.parametrize("n,q", [(12, 5), (40, 30)])
def test_schur_complement_is_chi_square(n, q):
    """Step 3: w' W^{-1} w / |w|^2 ~ 1/chi2(n - q + 1) for W ~ W_q(n, I), any fixed w."""
    rng = np.random.default_rng(n + q)
    X = rng.standard_normal((20_000, n, q))
    W = np.swapaxes(X, 1, 2) @ X
    w = rng.standard_normal(q)
    Winv_w = np.linalg.solve(W, np.broadcast_to(w, (len(W), q))[..., None])[..., 0]
    ratio = (w @ w) / (Winv_w @ w)
    right = stats.kstest(ratio, stats.chi2(n - q + 1).cdf).pvalue
    off_by_one = stats.kstest(ratio, stats.chi2(n - q).cdf).pvalue
    assert right > FAMILY_ALPHA / 2
    assert off_by_one < FAMILY_ALPHA / 2               # the check can tell the df apart


def test_idle_weak_geometry():
    sc = Scenario.paper_notebook(d_sw=50, n=2000, N=4000, sigma2=0.01)
    d = build_design(sc)
    idle = IdleWeak(d.B_w, d.B_s, d.theta)
    assert idle.J.size == 150 and idle.q == 149       # 150 strong-blind, the target on one
    basis = d.B_w @ _idle_basis(idle, d.d_w)
    assert basis.shape[1] == idle.q
    np.testing.assert_allclose(basis.T @ basis, np.eye(idle.q), atol=1e-12)
    assert np.abs(basis.T @ d.B_s).max() < 1e-12              # rounding of the SVD basis
    assert np.abs(basis.T @ d.theta).max() < 1e-12
    # the plan's a coordinates and the idle ones together are orthonormal and complete
    plan = wishart_plan(d)
    assert (plan.q, plan.d_wr, plan.p_a) == (149, 51, 102)
    # no target in the strong-blind block: every strong-blind direction is idle
    d0 = build_design(Scenario(3, 9, 25, 6, 0.3, cosines=[0.8, 0.0, 0.0]))
    i0 = IdleWeak(d0.B_w, d0.B_s, d0.theta)
    assert i0.q == 8 and i0.t_hat is None
    # a tiny but non-zero cosine is not treated as idle
    d1 = build_design(Scenario(3, 3, 25, 6, 0.3, cosines=[0.8, 1e-17, 0.0]))
    assert IdleWeak(d1.B_w, d1.B_s, d1.theta).q == 1
    # strong and weak spans in general position: nothing is idle
    d2 = build_design(Scenario(3, 3, 25, 6, 0.3, cosines=[0.8, 0.4, 0.1]))
    assert IdleWeak(d2.B_w, d2.B_s, d2.theta).q == 0


def test_single_blind_direction_with_target_is_not_idle():
    """|J| = 1 carrying the target: q = 0, and the teacher keeps that coefficient."""
    theta = np.zeros(5)                                # canonical: 2 strong, 2 weak, 1 extra
    theta[[0, 3]] = [0.4, 0.3]                         # strong coordinate 0, blind weak dir 1
    sc = Scenario(2, 2, 30, 8, 0.2, cosines=[1.0, 0.0], theta=theta)
    plan = wishart_plan(build_design(sc))
    assert plan.idle.J.size == 1 and plan.q == 0
    res = simulate(sc, 400, seed=2, engine="wishart").per_trial
    assert np.all(np.isfinite(res["weak"]))
    ref = simulate(sc, 400, seed=3, engine="samples").per_trial
    assert ks_pvalue(res["weak"], ref["weak"]) > FAMILY_ALPHA


@pytest.mark.parametrize("name", list(CASES))
def test_strong_statistics_equal_the_explicit_rotation(name):
    """Exact algebra: the rank-two update equals the Gram of F diag(I, H) T_s (same F)."""
    design = build_design(CASES[name]())
    plan = wishart_plan(design)
    assert plan.w is not None                       # the Householder branch is exercised
    H = np.eye(plan.p_a - plan.d_wr) - 2.0 * np.outer(plan.w, plan.w)
    D = np.eye(plan.p_a)
    D[plan.d_wr:, plan.d_wr:] = H
    np.testing.assert_allclose(D @ plan.phi, np.append(plan.phi_t, np.zeros(plan.r)),
                               atol=1e-14)
    F = np.triu(np.random.default_rng(5).standard_normal((3, plan.p_a, plan.p_a)))
    T_full = np.vstack([plan.T_s.B, np.zeros((1, design.d_s))])
    P = F @ D @ T_full
    G, r = strong_statistics(F, plan)
    np.testing.assert_allclose(G, np.swapaxes(P, 1, 2) @ P, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r, (np.swapaxes(P, 1, 2) @ (F @ D @ plan.phi)[..., None])[..., 0],
                               rtol=1e-12, atol=1e-12)


def test_noiseless_realizable_target_has_no_label_direction():
    """sigma2 = 0 and a target inside both spans: the labels never leave a_w (t = d_wr), and
    the tall noiseless fits recover the target exactly."""
    theta = np.zeros(7)
    theta[:2] = [0.3, -0.2]
    sc = Scenario(2, 4, 20, 8, 0.0, cosines=[1.0, 1.0], theta=theta)
    plan = wishart_plan(build_design(sc))
    assert plan.w is None and plan.t == plan.d_wr and plan.q == 2
    res = simulate(sc, 20, seed=3, engine="wishart").per_trial
    for k in ("weak", "strong", "ceiling", "w2s"):
        assert np.max(res[k]) < 1e-20, k
