"""Symbolic facts of theory.md sections 2-4, proved by SymPy or spot-checked exactly.

Scaling convention for "leading order": n = a/t, N = b/t with a, b > 0 fixed and t -> 0, so
1/n and 1/N go to zero together at a fixed ratio.
"""
import pytest
import sympy as sp

import theory
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2

t, a, b = sp.symbols("t a b", positive=True)
RHO0 = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0}  # theta in V_s ∩ V_w: pure variance


def scaled(expr):
    return expr.subs({n: a / t, N: b / t})


def is_zero(expr) -> bool:
    return sp.simplify(expr) == 0


@pytest.mark.parametrize("form", theory.FORMS)
def test_decomposition_sums_to_the_whole(form):
    parts = theory.w2s_decomposition(form)
    assert set(parts) == {"inherited", "reduced", "bias"}
    assert is_zero(sum(parts.values()) - theory.risk("w2s", form))
    assert theory.spot_check(sum(parts.values()), theory.risk("w2s", form), n_points=10, seed=1)


def test_full_overlap_without_bias_gives_the_teachers_variance():
    w2s = theory.risk("w2s").subs(RHO0).subs(d_sw, d_w)
    assert is_zero(w2s - theory.risk("weak").subs(RHO0))
    assert theory.spot_check(w2s, theory.risk("weak").subs(RHO0), n_points=10, seed=2)


def test_paper_forms_are_not_self_consistent_at_full_overlap():
    # The paper's W2S form keeps the exact teacher denominator, its teacher form does not:
    # at d_sw = d_w, rho = 0 the paper's student is worse than the paper's teacher by n/(n-d_w-1).
    ratio = theory.risk("w2s", "paper").subs(RHO0).subs(d_sw, d_w) / theory.risk("weak", "paper").subs(RHO0)
    assert is_zero(ratio - n / (n - d_w - 1))


def test_infinite_pseudo_labels_leave_the_inherited_part_and_b_w2s():
    parts = theory.w2s_decomposition("exact")
    assert is_zero(sp.limit(theory.risk("w2s"), N, sp.oo) - (parts["inherited"] + b_w2s))
    assert sp.limit(parts["reduced"], N, sp.oo) == 0
    assert sp.limit(parts["bias"], N, sp.oo) == b_w2s
    # with no bias the student keeps exactly the teacher's variance on V_s ∩ V_w
    assert is_zero(sp.limit(theory.risk("w2s").subs(RHO0), N, sp.oo) - sigma2 * d_sw / (n - d_w - 1))


def test_pgr_and_opr_limits_as_pseudo_labels_grow_without_bias():
    assert is_zero(sp.limit(theory.pgr("exact").subs(RHO0), N, sp.oo) - (1 - d_sw / d_w))
    opr_limit = sp.limit(theory.opr("exact").subs(RHO0), N, sp.oo)
    assert is_zero(opr_limit - (d_s / d_sw) * (n - d_w - 1) / (n - d_s - 1))


def test_w2s_variance_below_teachers_iff_N_exceeds_2_d_s_plus_1():
    gap = (theory.risk("w2s") - theory.risk("weak")).subs(RHO0)
    # Proof: the gap factors with sign (d_w - d_sw) * (2 d_s + 1 - N); the other factors are
    # positive under the conditions n > d_w + 1, N > d_s + 1.
    claimed = sigma2 * (d_w - d_sw) * (2 * d_s + 1 - N) / ((n - d_w - 1) * (N - d_s - 1))
    assert is_zero(gap - claimed)
    strict = (sp.Lt(d_sw, d_w),)
    w2s, weak = theory.risk("w2s").subs(RHO0), theory.risk("weak").subs(RHO0)
    below = theory.spot_check(w2s, weak, n_points=10, seed=3, op="<",
                              assume=strict + (sp.Gt(N, 2 * d_s + 1),))
    above = theory.spot_check(w2s, weak, n_points=10, seed=4, op=">",
                              assume=strict + (sp.Lt(N, 2 * d_s + 1),))
    equal = theory.spot_check(w2s.subs(N, 2 * d_s + 1), weak, n_points=5, seed=5)
    assert below and above and equal


@pytest.mark.parametrize("model", theory.MODELS)
def test_paper_form_is_the_leading_term_without_bias(model):
    # rho = 0: exact and paper agree to first order in t (i.e. in 1/n and 1/N jointly).
    exact = scaled(theory.risk(model, "exact").subs(RHO0))
    paper = scaled(theory.risk(model, "paper").subs(RHO0))
    leading = sp.limit(exact / t, t, 0)
    assert leading != 0
    assert is_zero(sp.limit(paper / t, t, 0) - leading)
    assert is_zero(sp.limit((exact - paper) / t, t, 0))


@pytest.mark.parametrize("model, gap", [
    ("weak", d_w * rho_w / a), ("strong", d_s * rho_s / a), ("ceiling", d_s * rho_s / (a + b)),
])
def test_paper_single_models_miss_the_noise_inflation_of_the_approximation_error(model, gap):
    # With rho > 0 the O(1) terms agree but at O(t) the exact form has (sigma2 + rho) d/n, the
    # paper sigma2 d/n: the out-of-subspace target acts as extra label noise.
    diff = scaled(theory.risk(model, "exact") - theory.risk(model, "paper"))
    assert sp.limit(diff, t, 0) == 0
    assert is_zero(sp.limit(diff / t, t, 0) - gap)


def test_paper_w2s_bias_is_not_the_exact_limit():
    # At O(1) exact -> b_w2s, paper -> rho_s + rho_w. Geometrically b_w2s = rho_s +
    # ||P_s (I - P_w) theta||^2 <= rho_s + rho_w: the paper's bias is an upper bound, equal only
    # when (I - P_w) theta lies in V_s. The O(t) terms differ by d_sw rho_w / a + d_s m_sw / b.
    diff = scaled(theory.risk("w2s", "exact") - theory.risk("w2s", "paper"))
    assert is_zero(sp.limit(diff, t, 0) - (b_w2s - rho_s - rho_w))
    first = sp.limit((diff - (b_w2s - rho_s - rho_w)) / t, t, 0)
    assert is_zero(first - (d_sw * rho_w / a + d_s * m_sw / b))


@pytest.mark.parametrize("which", ["pgr", "opr"])
def test_paper_and_exact_ratios_share_their_large_sample_limit_without_bias(which):
    exact = sp.limit(scaled(getattr(theory, which)("exact").subs(RHO0)), t, 0)
    paper = sp.limit(scaled(getattr(theory, which)("paper").subs(RHO0)), t, 0)
    assert is_zero(exact - paper)
    if which == "opr":
        assert is_zero(exact - d_s / d_sw)
    else:  # (1 - d_sw/d_w) shrunk by the ceiling's share of the gap at finite N/n = b/a
        assert is_zero(exact - (1 - d_sw / d_w) * (a + b) * d_w / ((a + b) * d_w - a * d_s))


@pytest.mark.parametrize("model", theory.MODELS)
def test_asymptotic_form_is_the_leading_order_of_the_exact_form(model):
    exact = scaled(theory.risk(model, "exact"))
    asym = scaled(theory.risk(model, "asymptotic"))
    assert is_zero(sp.limit((exact - asym) / t, t, 0))


@pytest.mark.parametrize("part", ["inherited", "reduced", "bias"])
def test_each_asymptotic_part_is_the_leading_term_of_its_exact_part(part):
    exact = scaled(theory.w2s_decomposition("exact")[part])
    asym = scaled(theory.w2s_decomposition("asymptotic")[part])
    if part == "bias":  # b_w2s + O(t): compare the O(1) and O(t) coefficients
        assert is_zero(sp.limit(exact - asym, t, 0))
        assert is_zero(sp.limit((exact - asym) / t, t, 0))
    else:
        assert is_zero(sp.limit(exact / asym, t, 0) - 1)


def test_spot_check_has_power_against_a_false_identity():
    # paper and exact W2S forms differ, and the checker must find a counterexample
    result = theory.spot_check("risk.w2s.paper", "risk.w2s.exact", n_points=20, seed=6)
    assert not result and result.counterexample is not None
    off_by_one = theory.risk("w2s") + sigma2 / (n - d_w - 1) ** 2
    assert not theory.spot_check(off_by_one, "risk.w2s.exact", n_points=20, seed=7)


def test_spot_check_points_satisfy_the_conditions_and_are_reproducible():
    r1 = theory.spot_check("risk.w2s.exact", "risk.w2s.exact", n_points=8, seed=8)
    r2 = theory.spot_check("risk.w2s.exact", "risk.w2s.exact", n_points=8, seed=8)
    assert r1 and r1.points == 8 and r1.values == r2.values
    import numpy as np

    rng = np.random.default_rng(9)
    conds = theory.conditions("risk.w2s.exact")
    for _ in range(20):
        point = theory.random_point(theory.risk("w2s").free_symbols, conds, rng)
        assert all(c.xreplace(point) == sp.true for c in conds)


def test_spot_check_rejects_bad_arguments():
    with pytest.raises(ValueError, match="op must be one of"):
        theory.spot_check("risk.weak.exact", "risk.weak.exact", op="~")
    with pytest.raises(ValueError, match="n_points must be a positive integer"):
        theory.spot_check("risk.weak.exact", "risk.weak.exact", n_points=0)
