"""Validity conditions: registered ones and the inference rule for unregistered expressions."""
import pytest
import sympy as sp

import theory
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, n, rho_s, rho_w, sigma2


def test_registered_conditions_by_name_and_by_expression():
    assert theory.conditions("risk.weak.exact") == (sp.Gt(n, d_w + 1),)
    assert set(theory.conditions("risk.w2s.exact")) == {
        sp.Gt(n, d_w + 1), sp.Gt(N, d_s + 1), sp.Le(d_sw, d_s), sp.Le(d_sw, d_w)}
    assert theory.conditions(theory.risk("w2s")) == theory.conditions("risk.w2s.exact")
    assert theory.conditions("risk.ceiling.exact") == (sp.Gt(n + N, d_s + 1),)


def test_every_registered_name_has_conditions_on_its_own_symbols_only():
    for name in theory.registered_names():
        expr = theory.formula(name).expr
        for cond in theory.conditions(name):
            # relationals, or Boolean combinations of them (the regimes use Or for bands)
            assert isinstance(cond, sp.logic.boolalg.Boolean), (name, cond)
            assert cond.free_symbols <= expr.free_symbols, (name, cond)


def test_combination_of_registered_formulas_inherits_their_conditions():
    gain = theory.risk("weak") - theory.risk("w2s")  # SymPy flattens this into a single sum
    assert set(theory.conditions(gain)) == set(theory.conditions("risk.w2s.exact"))
    ratio = theory.risk("strong") / theory.risk("weak")
    assert set(theory.conditions(ratio)) == {sp.Gt(n, d_s + 1), sp.Gt(n, d_w + 1)}


def test_linear_denominators_are_positive_oriented_by_their_minus_one():
    assert theory.conditions(sigma2 / (n - d_w - 1)) == (sp.Gt(n, d_w + 1),)
    assert theory.conditions(sigma2 / (d_w + 1 - n)) == (sp.Gt(n, d_w + 1),)
    assert theory.conditions(1 / (n + N - d_s - 1)) == (sp.Gt(n + N, d_s + 1),)
    # interpolating regime: E[(Z Z^T)^{-1}] = I/(d - m - 1)
    assert theory.conditions(sigma2 * n / (d_w - n - 1)) == (sp.Gt(d_w, n + 1),)
    # no constant, or a sign the assumptions decide: only checked pointwise / nothing to check
    assert theory.conditions(1 / (n - N)) == ()
    assert theory.conditions(1 / (n + 1)) == ()
    assert theory.conditions(1 / (d_w - d_sw)) == (sp.Le(d_sw, d_w),)


def test_equivalent_conditions_are_not_repeated():
    expr = 1 / (n - d_w - 1) + 1 / (d_w + 1 - n) ** 2
    assert theory.conditions(expr) == (sp.Gt(n, d_w + 1),)


def test_bare_products_do_not_import_conditions_from_other_contexts():
    # n/d_w occurs inside the paper's bound but is also registered elsewhere with other
    # conditions (e.g. the interpolating teacher's mean factor); it must not be matched.
    bound = theory.pgr_lower_bound().subs({rho_s: 0, rho_w: 0})
    assert set(theory.conditions(bound)) == {sp.Gt(n, d_w + 1), sp.Le(d_sw, d_s), sp.Le(d_sw, d_w)}


def test_conditions_assumptions_decide_are_dropped_and_unrelated_ones_filtered():
    assert theory.conditions(sigma2 / (n * d_w)) == ()
    # rho_s + rho_w is the paper's bias term, registered with the W2S conditions on n, d_w;
    # those do not constrain an expression free of n and d_w.
    assert theory.conditions(rho_s + rho_w + sigma2) == ()
    assert theory.conditions(b_w2s + d_sw) == ()


def test_unregistered_name_is_a_value_error():
    with pytest.raises(ValueError, match="not a registered formula"):
        theory.conditions("risk.nonsense")


def test_evaluate_on_a_given_domain_ignores_conditions_guessed_from_denominators():
    """Issue 16: ``N - d_s + 1`` reads as the interpolating denominator (``d_s > N + 1``); on the
    quantity's domain (``N > d_s + 1``) the expression still evaluates, denominators checked."""
    import sympy as sp

    import theory
    from theory.symbols import N, d_s, sigma2

    e = sigma2 * d_s / (N - d_s + 1)
    assert sp.Gt(d_s, N + 1) in theory.conditions(e)
    with pytest.raises(ValueError, match="violated"):
        theory.evaluate(e, sigma2=1, d_s=2, N=20)
    dom = theory.conditions("risk.w2s.exact")
    assert theory.evaluate(e, sigma2=1, d_s=2, N=20, n=12, d_w=2, d_sw=0, domain=dom) == theory.evaluate(sp.Rational(2, 19))
    with pytest.raises(ValueError, match="violated"):          # outside the given domain
        theory.evaluate(e, sigma2=1, d_s=2, N=3, d_w=1, n=9, d_sw=0, domain=dom)
    with pytest.raises(ValueError, match="vanishes"):          # denominators are still checked
        theory.evaluate(sigma2 / (N - d_s - 3), sigma2=1, d_s=2, N=5, domain=())
