r"""Claim set ``literature.*``: published results as claims against the project's forms (issue 20).

Derivations and the status of each source: notes/literature.md. Only the abstracts of the three
papers could be read through the tools available to this session (no theorem text), so every
statement below is the theorem *as recalled*, re-derived independently in notes/literature.md, and
registered as a claim **to test** (its description says so), not as a quoted fact.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

import theory
from theory import regimes, ridge
from theory.symbols import N, c_sw, d_s, n, rho_s, rho_w, sigma2, t2
from verify.claims import Claim, CustomClaim, Observation, SymbolicClaim
from verify.strategies import Regime
from verify.claimsets.asymptotic import ridge_claim, ridge_values

NOTE = "notes/literature.md"
_UNREAD = ("source theorem text not read (abstract only); statement as recalled, derived "
           "independently in notes/literature.md: a claim to test")
BHX = "Belkin, Hsu and Xu (2020), Two models of double descent for weak features, SIAM J. Math. Data Sci., Thm 1"
HMRT = ("Hastie, Montanari, Rosset and Tibshirani (2022), Surprises in high-dimensional ridgeless "
        "least squares interpolation, Ann. Statist.")
HOLZ = ("Holzmuller (2021), On the universality of the double descent peak in ridgeless regression, "
        "ICLR")
CPS = ("Charikar, Pabbaraju and Shiragur (2024), Quantifying the gain in weak-to-strong "
       "generalization, NeurIPS")

D = sp.Symbol("D", positive=True, integer=True)
"""Total number of features in BHX's model (the strong model sees d_s = p of them)."""
t = sp.Symbol("t", positive=True)
"""gamma = 1/(1 + t) (< 1) or 1 + t (> 1) in the HMRT limits."""

# --- Belkin, Hsu and Xu (2020), Theorem 1: prediction risk = excess risk + sigma^2 -------------------
# p = d_s features out of D, n samples; ||beta_{T^c}||^2 = rho_s, ||beta_T||^2 = t2 - rho_s.
_bhx_ols = (rho_s + sigma2) * (1 + d_s / (n - d_s - 1))
_bhx_interp = (t2 - rho_s) * (1 - n / d_s) + (rho_s + sigma2) * (1 + n / (d_s - n - 1))
_random = {rho_s: t2 * (1 - d_s / D)}            # E over a uniform random subset T of size p
_cor_ols = (t2 * (1 - d_s / D) + sigma2) * (1 + d_s / (n - d_s - 1))
_cor_interp = t2 * (d_s - n) / D + (t2 * (1 - d_s / D) + sigma2) * (1 + n / (d_s - n - 1))


class InfiniteBand(CustomClaim):
    """BHX Thm 1: the risk is infinite for p in {n - 1, n, n + 1} (the project's piecewise form
    returns oo exactly there and is finite one step further out)."""

    kind = "symbolic"

    def plan(self, ctx):
        return 0

    def run(self, ctx):
        pw = theory.formula("risk.strong.piecewise").expr
        out = []
        for k in (-2, -1, 0, 1, 2):
            v = pw.subs(d_s, n + k)
            want_inf = abs(k) <= 1
            ok = (v == sp.oo) if want_inf else (v != sp.oo and v.is_finite is not False)
            out.append(Observation.check(f"risk at p = n {k:+d} {'= oo' if want_inf else 'finite'}",
                                         "pass" if ok else "fail", details={"value": str(v)}))
        return out


class ParametricLimit(SymbolicClaim):
    """A ``limit`` claim whose limit keeps free parameters (``t``, ``sigma2``, ...). SymPy proves
    it when the difference simplifies to 0; when it does not, the difference is evaluated exactly
    at fixed positive rational parameter points and any non-zero value refutes the claim (the
    generic symbolic check would leave a symbolic difference undecided)."""

    POINTS = (sp.Rational(1, 3), sp.Rational(2), sp.Rational(7, 5))

    def run(self, ctx):
        obs = super().run(ctx)
        o = obs[0]
        if o.status == "inconclusive" and self.relation == "limit":
            lhs = self.lhs.subs(self.subs)
            value = sp.limit(lhs, self.variable, self.point)
            diff = sp.simplify(value - self.rhs.subs(self.subs))
            syms = sorted(diff.free_symbols, key=lambda x: x.name)
            vals = [diff.subs({x: self.POINTS[(i + j) % 3] for j, x in enumerate(syms)}) for i in range(3)]
            if any(v.is_number and v != 0 for v in vals):
                o.status = "fail"
                o.details["refuted_at"] = [str(v) for v in vals]
        return obs


# --- Hastie, Montanari, Rosset and Tibshirani (2022) ---------------------------------------------------
_g_lo, _g_hi = 1 / (1 + t), 1 + t


class OptimalPenalty(CustomClaim):
    """HMRT / Dobriban-Wager: the isotropic ridge risk is minimised at lambda* = sigma^2 gamma / r^2
    (here q gamma / r^2 with the out-of-subspace energy as noise): derivative 0 and convexity
    there, at 40 digits, on three points."""

    kind = "symbolic"

    def plan(self, ctx):
        return 0

    def run(self, ctx):
        expr = theory.formula("ridge.risk.strong").expr
        out = []
        half, fifth = Fraction(1, 2), Fraction(1, 5)      # exact, so lambda* is exact too
        for vals in (dict(n=200, d_s=50, sigma2=1, rho_s=0, t2=1), dict(n=100, d_s=300, sigma2=half, rho_s=fifth, t2=2),
                     dict(n=400, d_s=390, sigma2=2, rho_s=0, t2=half)):
            star = theory.evaluate("ridge.penalty.strong", prec=40, **{k: vals[k] for k in ("n", "d_s", "sigma2", "rho_s", "t2")})
            f = sp.lambdify(ridge.lambda_s, expr.subs({theory.symbols.BY_NAME[k]: sp.Rational(v) for k, v in vals.items()}), "mpmath",
                             docstring_limit=0)
            with mpmath.workdps(40):
                d1, d2 = mpmath.diff(f, star), mpmath.diff(f, star, 2)
                ok = abs(d1) < mpmath.mpf(10) ** -25 * abs(f(star)) and d2 > 0
            out.append(Observation.check(f"R'(lambda*) = 0, R''(lambda*) > 0 at {({k: str(v) for k, v in vals.items()})}", "pass" if ok else "fail",
                                         details={"lambda_star": float(star), "d1": float(d1), "d2": float(d2)}))
        return out


def _hmrt_optimal_values(k):
    g = ridge_values(k)
    g.update(rho_s=0.0, t2=1.0, sigma2=0.5)            # well-specified strong model, r^2 = 1
    g["lambda_s"] = g["sigma2"] * g["d_s"] / g["n"] / g["t2"]
    return g


CLAIMS = [
    SymbolicClaim("literature.bhx2020.thm1.ols", theory.formula("risk.strong.regime.ols").expr + sigma2,
                  _bhx_ols, source=BHX, description=f"{BHX}, p <= n - 2: prediction risk = "
                  "(||beta_Tc||^2 + sigma^2)(1 + p/(n - p - 1)) equals the project's excess risk + sigma^2; " + _UNREAD),
    SymbolicClaim("literature.bhx2020.thm1.interp", theory.formula("risk.strong.regime.interp").expr + sigma2,
                  _bhx_interp, source=BHX, description=f"{BHX}, p >= n + 2: prediction risk = "
                  "||beta_T||^2 (1 - n/p) + (||beta_Tc||^2 + sigma^2)(1 + n/(p - n - 1)); " + _UNREAD),
    InfiniteBand("literature.bhx2020.thm1.infinite", source=BHX,
                 description=f"{BHX}: infinite risk for p in {{n-1, n, n+1}}; " + _UNREAD),
    SymbolicClaim("literature.bhx2020.cor.random_subset.ols",
                  (theory.formula("risk.strong.regime.ols").expr + sigma2).subs(_random), _cor_ols,
                  spot_checks=0, source=BHX + " (random-subset corollary)",
                  description="T uniform among the p-subsets of D features: E||beta_T||^2 = (p/D)||beta||^2, "
                              "risk ((1 - p/D)||beta||^2 + sigma^2)(1 + p/(n - p - 1)); " + _UNREAD),
    SymbolicClaim("literature.bhx2020.cor.random_subset.interp",
                  (theory.formula("risk.strong.regime.interp").expr + sigma2).subs(_random), _cor_interp,
                  spot_checks=0, source=BHX + " (random-subset corollary)",
                  description="random subset, p >= n + 2: ||beta||^2 (p - n)/D + ((1 - p/D)||beta||^2 + sigma^2)"
                              "(1 + n/(p - n - 1)); " + _UNREAD),
    ParametricLimit("literature.hmrt2022.thm1.ols", theory.formula("risk.strong.regime.ols").expr,
                  sigma2 * _g_lo / (1 - _g_lo), "limit", subs={rho_s: 0, d_s: _g_lo * n}, variable=n,
                  point=sp.oo, spot_checks=0, source=HMRT + ", Thm 1",
                  description=f"{HMRT}, Thm 1 (isotropic, ridgeless), gamma = p/n < 1: R -> sigma^2 gamma/(1 - gamma), "
                              "as the proportional limit of the exact finite form; " + _UNREAD),
    ParametricLimit("literature.hmrt2022.thm1.interp", theory.formula("risk.strong.regime.interp").expr,
                  t2 * (1 - 1 / _g_hi) + sigma2 / (_g_hi - 1), "limit", subs={rho_s: 0, d_s: _g_hi * n},
                  variable=n, point=sp.oo, spot_checks=0, source=HMRT + ", Thm 1",
                  description=f"{HMRT}, Thm 1, gamma > 1: R -> r^2 (1 - 1/gamma) + sigma^2/(gamma - 1) "
                              "(proportional limit of the exact finite form); " + _UNREAD),
    OptimalPenalty("literature.hmrt2022.ridge.optimal_penalty", source=HMRT,
                   description=f"{HMRT} (ridge, isotropic): the limiting ridge risk is minimised at "
                               "lambda* = sigma^2 gamma / r^2 (normalisation ||y - Xb||^2/n + lambda ||b||^2); " + _UNREAD),
    ridge_claim("strong", name="literature.hmrt2022.ridge.optimal_risk", values=_hmrt_optimal_values,
                source=HMRT, description=f"{HMRT}: ridge risk at the optimal penalty sigma^2 gamma/r^2 "
                "is the limit of the finite-size expected risk (d_s = 3k, n = 4k, r^2 = 1, sigma^2 = 0.5), "
                "error O(1/k) (asymptotic claim, truth numeric.spectral); " + _UNREAD),
    SymbolicClaim("literature.cps2024.population_limit", regimes.misfit_identity_ratio(), sp.Integer(1),
                  "limit", variable=N, point=sp.oo, spot_checks=0, source=CPS,
                  description=f"{CPS}: gain = misfit in the realizable population limit (strong class a "
                              "subspace, so Pythagoras gives equality): E[gain]/E[misfit] -> 1 as N -> oo; " + _UNREAD),
]
for _teacher in ("ols", "interp"):
    CLAIMS.append(SymbolicClaim(
        f"literature.cps2024.finite_N.{_teacher}_teacher",
        regimes.gain(_teacher, "ols"), regimes.misfit_identity_ratio() * regimes.misfit(_teacher, "ols"),
        subs={c_sw: t2 - rho_w}, source=CPS + "; finite-N correction: notes/regimes.md",
        description=f"the project's finite-N correction of {CPS}: realizable (theta^T (I - P_s) P_w theta = 0), "
                    f"{_teacher} teacher, OLS student: E[gain] = E[misfit] (N - 2 d_s - 1)/(N - 1)"))

# --- Holzmuller (2021): a distribution-free lower bound on the noise part (as recalled) -------------
# theta = 0, so the excess risk is the noise part alone; Student-t features have a density, so the
# design is full rank almost surely (the bound's assumption). Rademacher features are left out: the
# assumption fails with positive probability and, to first order in d/n, their risk coincides with
# the bound, so a check there would test the approximation, not the statement.
# Registered with its own condition (p <= n): the generic inference reads 1/(n - p + 1) as an
# inverse-Wishart mean and would demand p > n + 1.
HOLZ_BOUND = theory.register("literature.holzmuller2021.noise_lower_bound", sigma2 * d_s / (n - d_s + 1),
                             (sp.Ge(n, d_s),), "Holzmuller (2021) lower bound on the min-norm noise part, p <= n")
CLAIMS.append(Claim(
    "literature.holzmuller2021.noise_lower_bound.student_t", "strong", HOLZ_BOUND, "ge",
    regime=Regime(d_s=(2, 6), d_w=(1, 4), n_margin=(6, 20), theta_s=(0.0, 0.0), theta_w=(0.0, 0.0),
                  theta_o=(0.0, 0.0)),
    features="student-t:5", source=HOLZ,
    description=f"{HOLZ}: for any input law with a.s. full-rank designs, the expected noise part of the "
                "min-norm risk is at least sigma^2 p/(n - p + 1) for p <= n; tested under Student-t(5) "
                "features (theta = 0, so the risk is the noise part), n - p - 1 in [6, 20]; " + _UNREAD))
