"""theory.ridge: Stieltjes transform against the Marchenko-Pastur density, ridgeless limits
against the exact finite forms, the optimal penalty, and the teacher's best penalty for W2S."""
import math

import mpmath
import pytest
import sympy as sp
from scipy import integrate

import theory
from theory import regimes, ridge
from theory.symbols import N, c_sw, d_s, d_sw, d_w, n, p_sw, rho_s, rho_w, sigma2, t2

t = sp.Symbol("t", positive=True)
u = sp.Symbol("u", positive=True)
zeta = sp.Symbol("zeta", positive=True)


def _mp_stieltjes_quad(g, lam):
    """int (s + lam)^-1 dmu_g(s) by quadrature of the MP density (plus the atom at 0 if g > 1)."""
    lo, hi = (1 - math.sqrt(g)) ** 2, (1 + math.sqrt(g)) ** 2

    def dens(s):
        return math.sqrt(max((hi - s) * (s - lo), 0.0)) / (2 * math.pi * g * s)

    val, err = integrate.quad(lambda s: dens(s) / (s + lam), lo, hi, limit=200, epsabs=1e-13)
    atom = max(1 - 1 / g, 0.0)
    return val + atom / lam


@pytest.mark.parametrize("g", [0.1, 0.5, 0.9, 1.0, 1.7, 4.0])
@pytest.mark.parametrize("lam", [1e-3, 0.1, 1.0, 7.5])
def test_stieltjes_matches_quadrature(g, lam):
    closed = float(ridge.stieltjes().subs({ridge.gamma: g, ridge.lam: lam}))
    assert closed == pytest.approx(_mp_stieltjes_quad(g, lam), rel=1e-7)


def test_stieltjes_solves_the_mp_equation():
    m = ridge.stieltjes()
    g, l = ridge.gamma, ridge.lam
    assert sp.simplify(g * l * m**2 + (1 - g + l) * m - 1) == 0


def test_functional_derivative_matches_quadrature():
    # M2 = int (s + lam)^-2 dmu: V = gamma (M1 - lam M2) checked at one point by quadrature.
    g, lam = 0.6, 0.4
    lo, hi = (1 - math.sqrt(g)) ** 2, (1 + math.sqrt(g)) ** 2
    dens = lambda s: math.sqrt(max((hi - s) * (s - lo), 0.0)) / (2 * math.pi * g * s)  # noqa: E731
    m1 = integrate.quad(lambda s: dens(s) / (s + lam), lo, hi, epsabs=1e-13)[0]
    m2 = integrate.quad(lambda s: dens(s) / (s + lam) ** 2, lo, hi, epsabs=1e-13)[0]
    a, b, v = (float(e) for e in ridge.functionals(g, lam))
    assert (a, b, v) == pytest.approx((lam * m1, lam**2 * m2, g * (m1 - lam * m2)), rel=1e-8)


@pytest.mark.parametrize("g, limits", [
    (1 / (1 + t), (0, 0, 1 / t)),                  # gamma < 1: OLS
    (1 + t, (t / (1 + t), t / (1 + t), 1 / t)),    # gamma > 1: min-norm interpolation
])
def test_functionals_ridgeless_limits(g, limits):
    got = [sp.limit(e, ridge.lam, 0, "+") for e in ridge.functionals(g, ridge.lam)]
    assert all(sp.simplify(a - b) == 0 for a, b in zip(got, limits))


def _proportional_limit(expr, gw, gs):
    """Limit n -> oo of a finite form with d_w = gw n, d_s = n, N = n / gs, d_sw = zeta d_w."""
    e = expr.subs({d_sw: zeta * gw * n}).subs({d_w: gw * n, N: n / gs, d_s: n})
    return sp.limit(e, n, sp.oo)


@pytest.mark.parametrize("model, regime, g", [
    ("weak", "ols", 1 / (1 + t)), ("weak", "interp", 1 + t),
    ("strong", "ols", 1 / (1 + t)), ("strong", "interp", 1 + t),
])
def test_single_ridge_to_zero_recovers_exact_limits(model, regime, g):
    dim, rho, pen = (d_w, rho_w, ridge.lambda_w) if model == "weak" else (d_s, rho_s, ridge.lambda_s)
    de = ridge.single_risk(model).subs(dim, g * n)
    de_lim = sp.limit(de, pen, 0, "+")
    exact = regimes.single_risk(model, regime).subs(dim, g * n)
    assert sp.simplify(de_lim - sp.limit(exact, n, sp.oo)) == 0


@pytest.mark.parametrize("teacher, gw", [
    ("ols", 1 / (1 + t)),
    pytest.param("interp", 1 + t, marks=pytest.mark.slow),  # 15-30 s of sp.limit each
])
@pytest.mark.parametrize("student, gs", [("ols", 1 / (1 + u)), ("interp", 1 + u)])
def test_w2s_ridge_to_zero_recovers_exact_limits(teacher, gw, student, gs):
    de = theory.formula(f"ridge.risk.w2s.student_{student}").expr
    de = de.subs({d_sw: zeta * d_w}).subs({d_w: gw * n, N: n / gs, d_s: n})
    de_lim = sp.limit(de, ridge.lambda_w, 0, "+")
    exact = _proportional_limit(regimes.w2s_risk(teacher, student), gw, gs)
    assert sp.simplify(sp.expand(de_lim - exact)) == 0


def test_ridge_student_to_zero_is_the_ridgeless_student_form():
    pt = {n: 200, N: 300, d_s: 120, d_w: 100, d_sw: 50, sigma2: sp.Rational(1, 2), rho_s: 0.3,
          rho_w: 0.4, t2: 2, c_sw: 1.1, p_sw: 1.0, ridge.lambda_w: sp.Rational(3, 10)}
    full = theory.formula("ridge.risk.w2s").expr.subs(pt)
    lim = sp.limit(full, ridge.lambda_s, 0, "+")
    assert float(lim) == pytest.approx(float(theory.formula("ridge.risk.w2s.student_ols").expr.subs(pt)),
                                       rel=1e-12)


def test_optimal_penalty_own_risk():
    # R'(lambda) = 2 (M2 - lam M3)(lam r^2 - q gamma) with M2 - lam M3 > 0: zero at q gamma / r^2.
    vals = dict(n=200, d_w=120, sigma2=0.7, rho_w=0.3, t2=2.5)
    star = float(theory.evaluate("ridge.penalty.weak", **vals))
    assert star == pytest.approx(1.0 * 0.6 / 2.2)
    r = theory.formula("ridge.risk.weak").expr
    f = sp.lambdify(ridge.lambda_w, r.subs({n: 200, d_w: 120, sigma2: sp.Rational(7, 10),
                                            rho_w: sp.Rational(3, 10), t2: sp.Rational(5, 2)}), "mpmath")
    with mpmath.workdps(30):
        exact_star = mpmath.mpf(6) / 22
        assert abs(mpmath.diff(f, exact_star)) < 1e-25
        assert f(exact_star * 0.9) > f(exact_star) < f(exact_star * 1.1)
    best = ridge.best_teacher_penalty("own", **vals)
    assert float(best) == pytest.approx(star, rel=1e-8)


def test_gradient_factorisation_symbolic():
    # With a generic M1(lambda): R = r^2 lam^2 M2 + q gamma (M1 - lam M2), M2 = -M1'.
    lam, r2, q, g = sp.symbols("lam r2 q g", positive=True)
    m1 = sp.Function("M1")(lam)
    m2, m3 = -sp.diff(m1, lam), sp.diff(m1, lam, 2) / 2
    risk = r2 * lam**2 * m2 + q * g * (m1 - lam * m2)
    assert sp.simplify(sp.diff(risk, lam) - 2 * (m2 - lam * m3) * (lam * r2 - q * g)) == 0


def _clean(n_, N_, ds, dw, dsw):
    # theta inside V_s cap V_w: rho_s = rho_w = 0, c_sw = p_sw = t2.
    return dict(n=n_, N=N_, d_s=ds, d_w=dw, d_sw=dsw, sigma2=1.0, rho_s=0, rho_w=0, t2=1.0,
                c_sw=1.0, p_sw=1.0)


@pytest.mark.parametrize("N_, smaller", [(1000, True), (150, False)])
def test_teacher_best_penalty_for_w2s_differs(N_, smaller):
    # Ridgeless OLS student: kappa = zeta + (1 - zeta) gamma_s/(1 - gamma_s) weighs the teacher's
    # spread; kappa < 1 (gamma_s < 1/2) => lambda_w2s* < lambda_own*, kappa > 1 => larger.
    vals = _clean(200, N_, 100, 80, 20)
    own = ridge.best_teacher_penalty("own", **vals)
    w2s = ridge.best_teacher_penalty("w2s", student="ols", **vals)
    assert float(own) == pytest.approx(80 / 200, rel=1e-8)
    assert (w2s < own * 0.95) if smaller else (w2s > own * 1.05)


def test_registered_with_conditions():
    # lambda > 0 is carried by the symbols' assumptions (evaluate refuses it by name).
    for name in ("ridge.risk.w2s", "ridge.pgr", "ridge.opr", "ridge.penalty.weak"):
        assert theory.conditions(name)
    with pytest.raises(ValueError, match="lambda_w"):
        theory.evaluate("ridge.risk.weak", n=10, d_w=5, sigma2=1, rho_w=0, t2=1, lambda_w=-1)
