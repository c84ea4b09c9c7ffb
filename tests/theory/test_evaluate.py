"""Checked evaluation: exact, mpmath and vectorised NumPy, and their error behaviour."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory.symbols import d_w, n, rho_w, sigma2

GEOM = dict(n=2000, N=4000, d_s=100, d_w=200, d_sw=50, sigma2=0.1, rho_s=0, rho_w=0, b_w2s=0, m_sw=0)
# A point where E ER_w == E ER_c exactly, so the PGR denominator vanishes (rho_s solved for).
TIE = dict(n=50, N=100, d_s=10, d_w=20, d_sw=5, sigma2=1, rho_w=0, rho_s=Fraction(2490, 4321),
           b_w2s=1, m_sw=Fraction(1, 4))


def test_evaluate_exact_matches_hand_computation():
    # sigma2 d_w / (n - d_w - 1) = 200 / 1799
    assert theory.evaluate_exact("risk.weak.exact", n=2000, d_w=200, sigma2=1, rho_w=0) == sp.Rational(200, 1799)
    value = theory.evaluate_exact("pgr.exact", **{**GEOM, "sigma2": 1})
    assert isinstance(value, sp.Rational)
    # pure variance, N -> large: close to 1 - d_sw/d_w = 0.75 but not equal at N = 4000
    assert 0.75 < float(value) < 1


@pytest.mark.parametrize("prec", [15, 50, 120])
def test_evaluate_is_correctly_rounded_at_the_requested_precision(prec):
    exact = theory.evaluate_exact("opr.exact", **GEOM)
    value = theory.evaluate("opr.exact", prec=prec, **GEOM)
    assert isinstance(value, mpmath.mpf)
    with mpmath.workdps(prec + 20):
        reference = mpmath.mpf(exact.p) / exact.q
        assert abs(value - reference) <= abs(reference) * mpmath.mpf(10) ** (1 - prec)


@pytest.mark.parametrize("sigma", [1, 1.0, Fraction(1), sp.Integer(1), sp.Rational(2, 2),
                                   np.float64(1.0), np.int64(1), mpmath.mpf(1)])
def test_value_types_are_accepted_exactly(sigma):
    assert theory.evaluate_exact("risk.weak.exact", n=2000, d_w=200, sigma2=sigma, rho_w=0) == sp.Rational(200, 1799)


def test_float_inputs_are_taken_at_their_exact_binary_value():
    value = theory.evaluate_exact("risk.weak.paper", n=1, d_w=1, sigma2=0.1, rho_w=0)
    assert value == sp.Rational(*(0.1).as_integer_ratio())


def test_violated_condition_names_it_and_the_values():
    with pytest.raises(ValueError, match=r"^n > d_w \+ 1 is violated: n=10, d_w=12$"):
        theory.evaluate("risk.weak.exact", n=10, d_w=12, sigma2=1, rho_w=0)
    with pytest.raises(ValueError, match=r"n > d_w \+ 1 is violated: n=201, d_w=200"):
        theory.evaluate("risk.weak.exact", n=201, d_w=200, sigma2=1, rho_w=0)  # boundary: infinite
    with pytest.raises(ValueError, match=r"d_sw <= d_s is violated"):
        theory.evaluate("risk.w2s.exact", **{**GEOM, "d_sw": 150})


@pytest.mark.parametrize("bad, message", [
    (dict(rho_w=0), "missing value for symbol.*sigma2"),
    (dict(sigma2=1, rho_w=0, foo=2), "unknown symbol 'foo'"),
    (dict(sigma2=1, rho_w=-1), "rho_w must be non-negative"),
    (dict(sigma2=0, rho_w=0), "sigma2 must be positive"),
    (dict(sigma2=float("nan"), rho_w=0), "sigma2 must be a finite real number, got nan"),
    (dict(sigma2="1", rho_w=0), "sigma2 must be a finite real number, got '1'"),
    (dict(sigma2=None, rho_w=0), "sigma2 must be a finite real number, got None"),
    (dict(sigma2=1, rho_w=0, n=2000.5), "n must be a positive integer"),
])
def test_bad_values_are_value_errors(bad, message):
    values = {"n": 2000, "d_w": 200, **bad}
    with pytest.raises(ValueError, match=message):
        theory.evaluate("risk.weak.exact", **values)


def test_bad_prec_and_unknown_name():
    with pytest.raises(ValueError, match="prec must be a positive integer"):
        theory.evaluate("risk.weak.exact", prec=0, n=2000, d_w=200, sigma2=1, rho_w=0)
    with pytest.raises(ValueError, match="not a registered formula"):
        theory.evaluate("risk.w2s.exactly", **GEOM)


def test_vanishing_denominator_is_a_value_error_not_inf():
    assert theory.evaluate_exact("risk.weak.exact", **TIE) == theory.evaluate_exact("risk.ceiling.exact", **TIE)
    for fn in (theory.evaluate, theory.evaluate_exact):
        with pytest.raises(ValueError, match="denominator .* vanishes"):
            fn("pgr.exact", **TIE)
    f = theory.lambdify_numpy("pgr.exact")
    floats = {k: float(v) for k, v in TIE.items()}
    with pytest.raises(ValueError, match=r"denominator .* vanishes \(to float64 precision\) at index \(\)"):
        f(**floats)


def test_unregistered_expression_is_checked_too():
    expr = sigma2 * d_w / (n - d_w - 1) + rho_w
    with pytest.raises(ValueError, match=r"n > d_w \+ 1 is violated"):
        theory.evaluate(expr, n=5, d_w=4, sigma2=1, rho_w=0)
    assert theory.evaluate_exact(expr, n=6, d_w=4, sigma2=1, rho_w=0) == 4


def test_lambdify_broadcasts_and_reports_the_first_offending_index():
    f = theory.lambdify_numpy("pgr.exact")
    N = np.array([400, 1000, 4000])
    d_sw = np.array([[10], [50], [90]])
    out = f(**{**GEOM, "N": N, "d_sw": d_sw})
    assert out.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            point = {**GEOM, "N": int(N[j]), "d_sw": int(d_sw[i, 0])}
            assert out[i, j] == pytest.approx(float(theory.evaluate("pgr.exact", **point)), rel=1e-12)
    with pytest.raises(ValueError, match=r"^N > d_s \+ 1 is violated at index \(2,\): N=101, d_s=100$"):
        f(**{**GEOM, "N": np.array([400, 4000, 101])})
    with pytest.raises(ValueError, match=r"d_sw must be non-negative at index \(1, 0\)"):
        f(**{**GEOM, "d_sw": np.array([[1.0], [-1.0]])})
    with pytest.raises(ValueError, match="missing value for symbol.*m_sw"):
        f(**{k: v for k, v in GEOM.items() if k != "m_sw"})
    with pytest.raises(ValueError, match="do not broadcast"):
        f(**{**GEOM, "N": np.array([400, 4000]), "n": np.array([2000, 3000, 4000])})
    assert isinstance(f(**GEOM), np.floating)


def test_integral_float_counts_are_accepted_as_from_scenario_geometry():
    floats = {k: float(v) for k, v in GEOM.items()}
    assert theory.evaluate_exact("pgr.exact", **floats) == theory.evaluate_exact(
        "pgr.exact", **{**GEOM, "sigma2": floats["sigma2"]})


def test_interpolating_formulas_registered_elsewhere_are_checked_with_their_own_conditions():
    expr = 2 * theory.formula("risk.weak.regime.interp").expr  # unregistered: inferred
    assert len(theory.conditions(expr)) == 1  # n < d_w - 1 and d_w > n + 1 are one condition
    values = dict(d_w=200, sigma2=1, rho_w=0, t2=1)
    assert theory.evaluate_exact(expr, n=50, **values) > 0
    with pytest.raises(ValueError, match="is violated"):
        theory.evaluate_exact(expr, n=199, **values)


# The formulas of this issue (the other regimes have other domains, tested in test_regimes.py).
OWN = [x for x in theory.registered_names()
       if x.split(".")[-1] in ("exact", "paper", "asymptotic", "lower_bound")]
names = st.sampled_from(OWN)


@st.composite
def valid_points(draw):
    d_s = draw(st.integers(1, 300))
    d_w = draw(st.integers(1, 300))
    return {
        "d_s": d_s, "d_w": d_w,
        "n": max(d_s, d_w) + 2 + draw(st.integers(0, 5000)),
        "N": d_s + 2 + draw(st.integers(0, 5000)),
        "d_sw": draw(st.fractions(0, min(d_s, d_w), max_denominator=1000)),
        "sigma2": draw(st.floats(1e-4, 10)),
        **{k: draw(st.floats(0, 5)) for k in ("rho_s", "rho_w", "b_w2s", "m_sw")},
    }


@given(names, valid_points())
def test_lambdify_agrees_with_evaluate(name, point):
    symbols = {s.name for s in theory.formula(name).expr.free_symbols}
    if not symbols <= set(point):
        return
    try:
        exact = theory.evaluate(name, **point)
    except ValueError as exc:  # only a vanishing denominator may fail at a valid point
        assert "vanishes" in str(exc)
        return
    try:
        vectorised = theory.lambdify_numpy(name)(**point)
    except ValueError as exc:  # float cancellation detected: the exact value must be tiny-denominator
        assert "vanishes" in str(exc)
        return
    assert float(vectorised) == pytest.approx(float(exact), rel=1e-9, abs=1e-300)
