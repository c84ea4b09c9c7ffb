"""theory.scaling: series of the W2S risk, PGR and OPR in 1/N and 1/n."""
import pytest
import sympy as sp

from theory import scaling as S
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_w, sigma2

POINT = {n: 100, d_s: 10, d_w: 20, d_sw: 5, sigma2: 1}


def test_w2s_risk_in_N_variance_only():
    e = S.expand("w2s", "N", 2, bias=False)
    c1 = d_s * sigma2 * (d_w - d_sw) / (n - d_w - 1)
    assert sp.simplify(e.limit - sigma2 * d_sw / (n - d_w - 1)) == 0
    assert e.leading_exponent == -1 and sp.simplify(e.leading_constant - c1) == 0
    assert e.next_exponent == -2 and sp.simplify(e.next_constant - (d_s + 1) * c1) == 0


def test_w2s_risk_in_N_with_bias_constants():
    e = S.expand("w2s", "N", 2, bias=True)
    c1 = d_s * ((sigma2 + rho_w) * (d_w - d_sw) / (n - d_w - 1) + m_sw)
    assert sp.simplify(e.leading_constant - c1) == 0
    assert sp.simplify(e.limit - (b_w2s + (sigma2 + rho_w) * d_sw / (n - d_w - 1))) == 0


def test_w2s_risk_in_n_variance_only():
    e = S.expand("w2s", "n", 2, bias=False)
    K = d_sw + d_s * (d_w - d_sw) / (N - d_s - 1)
    assert e.limit == 0 and e.leading_exponent == -1
    assert sp.simplify(e.leading_constant - sigma2 * K) == 0
    assert sp.simplify(e.next_constant - sigma2 * K * (d_w + 1)) == 0


def test_pgr_in_N_leading_coefficient_changes_sign_at_n_2dw_plus_1():
    e = S.expand("pgr", "N", 2, bias=False)
    assert sp.simplify(e.limit - (1 - d_sw / d_w)) == 0
    assert sp.simplify(e.leading_constant - d_s * (d_w - d_sw) * (n - 2 * d_w - 1) / d_w**2) == 0


def test_opr_limits():
    e = S.expand("opr", "N", 1, bias=False)
    assert sp.simplify(e.limit - d_s * (n - d_w - 1) / (d_sw * (n - d_s - 1))) == 0
    assert sp.Ne(d_sw * (n - d_s - 1), 0) in e.conditions or any(
        isinstance(c, sp.Ne) for c in e.conditions)
    e = S.expand("opr", "n", 1, bias=False)
    assert sp.simplify(e.limit - d_s / (d_sw + d_s * (d_w - d_sw) / (N - d_s - 1))) == 0


@pytest.mark.parametrize("quantity,variable", [("w2s", "N"), ("pgr", "N"), ("opr", "n"), ("pgr", "n")])
def test_series_matches_sympy_series_and_truncation_error_is_third_order(quantity, variable):
    e = S.expand(quantity, variable, 2, bias=False)
    x = e.variable
    u = sp.Symbol("u", positive=True)
    other = {N: 300} if variable == "n" else {n: 100}
    pt = {**POINT, **other}
    pt.pop(x, None)
    ref = sp.series(e.expr.subs(pt).subs(x, 1 / u), u, 0, 3).removeO()
    mine = e.truncated().subs(pt).subs(x, 1 / u)
    assert sp.simplify(sp.expand(ref - mine)) == 0
    # the truncation error falls like x^-3: a tenfold x shrinks it ~1000-fold
    err = [abs(e.expr.subs(pt).subs(x, v) - e.truncated().subs(pt).subs(x, v)) for v in (10**4, 10**5)]
    assert 500 < err[0] / err[1] < 2000


def test_local_exponent_tends_to_the_leading_exponent():
    e = S.expand("w2s", "N", 2, bias=False)
    vals = dict(n=100, d_s=10, d_w=20, d_sw=5, sigma2=1)
    near = S.local_exponent(e, [50, 100, 200, 400], **vals)
    far = S.local_exponent(e, [10**5, 2 * 10**5, 4 * 10**5], **vals)
    # excess = c/(N - d_s - 1): steeper than N^-1 at every finite N, approaching -1 from below
    assert near < far < -1 and far > -1.0001
    assert abs(near - (-1.104118)) < 1e-5


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match="quantity"):
        S.expand("teacher")
    with pytest.raises(ValueError, match="variable"):
        S.expand("w2s", "d")
    with pytest.raises(ValueError, match="order"):
        S.expand("w2s", "N", 0)
    with pytest.raises(ValueError, match="form"):
        S.expand("w2s", "N", 2, form="asymptotic")
    e = S.expand("w2s", "N", 2, bias=False)
    with pytest.raises(ValueError, match="points"):
        S.local_exponent(e, [50, 50], n=100, d_s=10, d_w=20, d_sw=5, sigma2=1)
    with pytest.raises(ValueError, match="not positive"):
        S.local_exponent(e, [50, 100], n=100, d_s=10, d_w=20, d_sw=20, sigma2=1)
