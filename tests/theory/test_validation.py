"""One converter of inputs to exact numbers for the theory package (issue 15): same rational
for the same float everywhere, None/strings/booleans refused with pinned messages."""
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import theory
from theory import complexity, regimes
from theory.validation import as_real_array, to_exact

TENTH = sp.Rational(*(0.1).as_integer_ratio())


@pytest.mark.parametrize("value, exact", [
    (3, sp.Integer(3)), (np.int64(3), sp.Integer(3)), (0.1, TENTH), (np.float32(0.5), sp.Rational(1, 2)),
    (Fraction(1, 10), sp.Rational(1, 10)), (Decimal("0.1"), sp.Rational(1, 10)),
    (mpmath.mpf(0.1), TENTH), (sp.Float(0.1), TENTH), (sp.Rational(1, 3), sp.Rational(1, 3)),
    (np.array(2.0), sp.Integer(2)),
])
def test_toexact_values(value, exact):
    assert to_exact("x", value) == exact


@pytest.mark.parametrize("value", [None, True, "3", b"3", float("inf"), float("nan"), 1j,
                                   sp.oo, sp.I, sp.Symbol("t"), np.array([1.0, 2.0])])
def test_to_exact_refuses(value):
    with pytest.raises(ValueError, match=r"^x must be a (finite real number|scalar real number), got "):
        to_exact("x", value)


def test_symbolic_values_pass_only_when_asked():
    t = sp.Symbol("t")
    assert to_exact("x", t + 1, symbolic=True) == t + 1


def test_the_same_float_is_the_same_rational_everywhere():
    geom = dict(n=50, d_w=10, rho_w=0.1, sigma2=0.1)
    exact = theory.evaluate_exact("risk.weak.exact", **geom)
    assert exact == theory.evaluate_exact("risk.weak.exact", **{**geom, "rho_w": TENTH, "sigma2": TENTH})
    assert regimes.exact_values({"sigma2": 0.1})[theory.symbols.sigma2] == TENTH
    assert complexity.exact_values({"sigma2": 0.1})[theory.symbols.sigma2] == TENTH


@pytest.mark.parametrize("call, message", [
    (lambda: theory.evaluate(None), "expr_or_name must be a registered name or a SymPy expression, got None"),
    (lambda: theory.lambdify_numpy(None), "expr_or_name must be a registered name or a SymPy expression, got None"),
    (lambda: theory.evaluate("risk.weak.exact", n=None, d_w=10, rho_w=0.1, sigma2=1),
     "n must be a finite real number, got None"),
    (lambda: theory.lambdify_numpy("risk.weak.exact")(n=None, d_w=10, rho_w=0.1, sigma2=1),
     "n must be an array of real numbers, got None"),
    (lambda: theory.lambdify_numpy("risk.weak.exact")(n="2000", d_w=10, rho_w=0.1, sigma2=1),
     "n must be an array of real numbers, got '2000'"),
    (lambda: regimes.exact_values({"d_sw": "3"}), "d_sw must be a finite real number, got '3'"),
    (lambda: complexity.pseudo_labels_to_beat_teacher().at(n=None, d_s=5, d_w=10, sigma2=1),
     "n must be a finite real number, got None"),
])
def test_none_and_strings_are_value_errors(call, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_as_real_array_reads_exact_numbers():
    assert as_real_array("x", [Fraction(1, 2), 1]).tolist() == [0.5, 1.0]
    with pytest.raises(ValueError, match="x must be an array of real numbers"):
        as_real_array("x", [1, None])
