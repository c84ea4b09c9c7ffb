r"""Claim set ``asymptotic.*``: limits with rates (issue 20), checked by :class:`verify.asymptotic.AsymptoticClaim`.

* ``asymptotic.paper.<model>``: the project's ``asymptotic`` forms (leading order in 1/n, 1/N)
  are the limits of the exact finite forms as ``n = 20 s``, ``N = 40 s`` grow with the dimensions
  fixed, with error :math:`O(s^{-2})` (the exact forms are deterministic truths).
* ``asymptotic.ridge.<model>``: the ridge deterministic equivalents of :mod:`theory.ridge` are the
  proportional limits (``d_w = 2k``, ``d_s = 3k``, ``d_sw = k``, ``n = 4k``, ``N = 6k``, target
  scalars fixed) of the finite-size expected risks, with error :math:`O(k^{-1})`. The truth is
  :mod:`numeric.spectral`: unbiased Monte Carlo over Wishart spectra (exact reduction by
  rotation invariance, notes/ridge.md), cheap and with per-draw spread O(1/k).
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

import theory
from numeric import Scenario, spectral
from theory import ridge
from verify.asymptotic import AsymptoticClaim, mc_truth
from verify.claims import CustomClaim, Observation

S = "notes/ridge.md"
_ENERGIES = dict(both=1.0, weak_only=0.3, strong_only=0.2, neither=0.1)


def _value(name_or_expr, values: dict) -> float:
    """A registered formula through theory.evaluate (its conditions checked); any other
    expression (a user's or a perturbed limit) by direct substitution at 30 digits."""
    if isinstance(name_or_expr, str):
        expr = theory.formula(name_or_expr).expr
        return float(theory.evaluate(name_or_expr, **{s.name: values[s.name] for s in expr.free_symbols}))
    expr = sp.sympify(name_or_expr)
    return float(expr.evalf(30, subs={s: values[s.name] for s in expr.free_symbols}))


# --- the paper's asymptotic forms vs the exact forms ----------------------------------------------
def _paper_geometry(s) -> dict:
    return Scenario.from_block_energies(6, 4, int(20 * s), int(40 * s), 1.0, d_sw=2,
                                        **_ENERGIES).geometry()


def paper_claim(model: str, limit=None, name=None, expect="pass") -> AsymptoticClaim:
    """``risk.<model>.asymptotic`` (or ``limit``, an expression) against ``risk.<model>.exact``."""
    lim = f"risk.{model}.asymptotic" if limit is None else limit

    def truth(ctx, s):
        return _value(f"risk.{model}.exact", _paper_geometry(s)), 0.0

    return AsymptoticClaim(
        name or f"asymptotic.paper.{model}", lambda s: _value(lim, _paper_geometry(s)), truth,
        sizes=(1, 2, 4, 8, 16, 32), rate=2.0, expect=expect, source="theory.formulas (asymptotic form)",
        description=f"risk.{model}.asymptotic is the limit of risk.{model}.exact as n = 20 s, N = 40 s "
                    "grow (d_s = 6, d_w = 4, d_sw = 2 fixed), error O(s^-2); deterministic truth")


# --- ridge deterministic equivalents vs finite-size spectra ---------------------------------------
LAMBDA_W, LAMBDA_S = 0.3, 0.2


def ridge_values(k, lambda_w=LAMBDA_W, lambda_s=LAMBDA_S) -> dict:
    g = Scenario.from_block_energies(3 * k, 2 * k, 4 * k, 6 * k, 0.5, d_sw=k, **_ENERGIES).geometry()
    g.update(lambda_w=lambda_w, lambda_s=lambda_s)
    return g


def _ridge_draw(model: str, values: Callable = ridge_values):
    def draw(rng, k, draws):
        g = values(k)
        if model == "w2s":
            keys = ("n", "N", "d_s", "d_w", "d_sw", "sigma2", "rho_w", "t2", "c_sw", "p_sw",
                    "lambda_w", "lambda_s")
            return spectral.w2s_risk_draws(rng, **{x: g[x] for x in keys}, draws=draws)
        rows, dim, rho, lam = {
            "weak": (g["n"], g["d_w"], g["rho_w"], g["lambda_w"]),
            "strong": (g["n"], g["d_s"], g["rho_s"], g["lambda_s"]),
            "ceiling": (g["n"] + g["N"], g["d_s"], g["rho_s"], g["lambda_s"]),
        }[model]
        return spectral.single_risk_draws(rng, int(rows), int(dim), lam, g["sigma2"], rho, g["t2"], draws)
    return draw


def ridgeless_student_values(k) -> dict:
    return ridge_values(k, lambda_s=0.0)


def ridge_claim(model: str, limit=None, name=None, expect="pass", values=ridge_values,
                description=None, source=S, formula_name=None) -> AsymptoticClaim:
    lim = (formula_name or f"ridge.risk.{model}") if limit is None else limit
    name = name or f"asymptotic.ridge.{model}"
    return AsymptoticClaim(
        name, lambda k: _value(lim, values(k)),
        mc_truth(_ridge_draw(model, values), name, draws=3000, quick_draws=1000),
        sizes=(2, 4, 8, 16), quick_sizes=(2, 4, 8, 16), rate=1.0, expect=expect, source=source,
        description=description or (
            f"ridge.risk.{model} (Marchenko-Pastur deterministic equivalent) is the proportional "
            f"limit of the expected {model} ridge risk (d_w = 2k, d_s = 3k, d_sw = k, n = 4k, "
            f"N = 6k, lambda_w = {LAMBDA_W}, lambda_s = {LAMBDA_S}), error O(1/k); truth: Monte "
            "Carlo over Wishart spectra (numeric.spectral)"))

class TeacherPenaltyShift(CustomClaim):
    """notes/ridge.md (R.7): with theta in V_s cap V_w and a ridgeless OLS student, the teacher's
    W2S-optimal penalty is below its own optimum iff kappa = d_sw/d_w + (1 - d_sw/d_w) gamma_s/(1 -
    gamma_s) < 1 (and above iff kappa > 1). Deterministic: both optima by golden-section search on
    the deterministic equivalents, at two configurations on either side of kappa = 1."""

    kind = "symbolic"

    def plan(self, ctx):
        return 0

    def run(self, ctx):
        out = []
        for N_ in (1000, 150):
            vals = dict(n=200, N=N_, d_s=100, d_w=80, d_sw=20, sigma2=1.0, rho_s=0, rho_w=0, t2=1.0,
                        c_sw=1.0, p_sw=1.0)
            gs, z = 100 / N_, 20 / 80
            kappa = z + (1 - z) * gs / (1 - gs)
            own = ridge.best_teacher_penalty("own", **vals)
            w2s = ridge.best_teacher_penalty("w2s", student="ols", **vals)
            ok = (w2s < own) if kappa < 1 else (w2s > own)
            out.append(Observation.check(
                f"kappa = {kappa:.3g}: lambda_w2s* {'<' if kappa < 1 else '>'} lambda_own*",
                "pass" if ok else "fail", config=vals,
                details={"kappa": kappa, "lambda_own": float(own), "lambda_w2s": float(w2s)}))
        return out


CLAIMS = ([paper_claim(m) for m in ("weak", "strong", "ceiling", "w2s")]
          + [ridge_claim(m) for m in ("weak", "strong", "ceiling", "w2s")]
          + [ridge_claim("w2s", name="asymptotic.ridge.w2s_ridgeless_student", values=ridgeless_student_values,
                         formula_name="ridge.risk.w2s.student_ols",
                         description="ridge.risk.w2s.student_ols (ridge teacher lambda_w = 0.3, ridgeless OLS "
                                     "student) is the proportional limit of the expected W2S risk, error O(1/k); "
                                     "truth numeric.spectral"),
             TeacherPenaltyShift("asymptotic.ridge.teacher_penalty_shift", source=S,
                                 description="the teacher's best ridge penalty for W2S differs from its best "
                                             "penalty for its own risk: smaller iff kappa < 1 (notes/ridge.md R.7)")])
