r"""Ridge W2S in the proportional limit: deterministic equivalents from the Marchenko-Pastur law.

Derivations: notes/ridge.md. Normalisation: a ridge fit on ``m`` samples of ``d`` isotropic
Gaussian features minimises :math:`\|y - X\beta\|^2/m + \lambda\|\beta\|^2`, i.e.
:math:`\hat\beta = (X^\top X/m + \lambda I)^{-1} X^\top y/m`. Limits: ``d/m -> gamma`` (and
``d_sw/d_w``, ``d_s/N`` fixed) with the target scalars fixed.

With :math:`M_1 = m(-\lambda)`, :math:`M_2 = m'(-\lambda)` the Stieltjes transform of the
Marchenko-Pastur law of ratio :math:`\gamma` and its derivative, three functionals carry every
formula here:

.. math::
    A = \lambda M_1, \qquad B = \lambda^2 M_2, \qquad V = \gamma (M_1 - \lambda M_2).

A single ridge model with in-subspace signal :math:`r^2` and noise :math:`q` (label noise plus
the out-of-subspace target energy) has risk :math:`\rho + B r^2 + q V`.

Registered (``theory.formula(name)``): ``ridge.stieltjes``, ``ridge.risk.<weak|strong|ceiling>``,
``ridge.teacher.<mean_factor|spread>``, ``ridge.risk.w2s``, ``ridge.pgr``, ``ridge.opr``,
``ridge.penalty.<weak|strong|ceiling>`` (optimal penalty for the model's own risk),
``ridge.w2s.teacher_gradient`` (d risk_w2s / d lambda_w).
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theory.formulas import GEOMETRY_CONDITIONS, SINGLE_MODELS, formula, register
from theory.symbols import (N, c_sw, d_s, d_sw, d_w, gamma, lam, lambda_s, lambda_w, n, p_sw, rho_s,
                            rho_w, sigma2, t2)

MODELS = SINGLE_MODELS
"""The single fits to labels, whose deterministic equivalents this module registers."""

__all__ = [
    "gamma", "lam", "lambda_w", "lambda_s", "MODELS", "stieltjes", "functionals", "single_risk",
    "optimal_penalty", "teacher_moments", "w2s_risk", "pgr", "opr", "teacher_gradient",
    "best_teacher_penalty",
]


def stieltjes(g=gamma, l=lam) -> sp.Expr:
    r"""Stieltjes transform :math:`m(-\lambda) = \int (s + \lambda)^{-1}\,d\mu_\gamma(s)` of the
    Marchenko-Pastur law of ratio :math:`\gamma` (unit variance), in closed form:

    .. math::
        m(-\lambda) = \frac{-(1 - \gamma + \lambda) + \sqrt{(1 - \gamma + \lambda)^2
        + 4\gamma\lambda}}{2\gamma\lambda},

    the positive root of :math:`\gamma\lambda m^2 + (1 - \gamma + \lambda) m - 1 = 0`.
    """
    b = 1 - g + l
    return (-b + sp.sqrt(b**2 + 4 * g * l)) / (2 * g * l)


def functionals(g=gamma, l=lam) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""``(A, B, V)``: :math:`\lambda M_1`, :math:`\lambda^2 M_2`, :math:`\gamma(M_1 - \lambda M_2)`
    with :math:`M_2 = -\partial_\lambda M_1 = \int (s + \lambda)^{-2}\,d\mu_\gamma`."""
    m1 = stieltjes(gamma, lam)
    m2 = -sp.diff(m1, lam)
    out = (lam * m1, lam**2 * m2, gamma * (m1 - lam * m2))
    # xreplace: a simultaneous substitution of symbols (what subs(..., simultaneous=True) does,
    # with the same result, at a fraction of its cost at import)
    return tuple(e.xreplace({gamma: g, lam: l}) for e in out)


# Per model: (samples, dimension, out-of-subspace energy, penalty).
_SINGLE = {
    "weak": (n, d_w, rho_w, lambda_w),
    "strong": (n, d_s, rho_s, lambda_s),
    "ceiling": (n + N, d_s, rho_s, lambda_s),
}


def _single(samples, dim, rho, pen) -> sp.Expr:
    _, b, v = functionals(dim / samples, pen)
    return rho + b * (t2 - rho) + (sigma2 + rho) * v


def single_risk(model: str) -> sp.Expr:
    r"""Deterministic equivalent of a single ridge model's excess risk,
    :math:`\rho + \lambda^2 M_2\,(t_2 - \rho) + (\sigma^2 + \rho)\,\gamma(M_1 - \lambda M_2)`
    at :math:`\gamma = d/m`. ``model`` in ``weak|strong|ceiling``."""
    _check_model(model)
    return formula(f"ridge.risk.{model}").expr


def optimal_penalty(model: str) -> sp.Expr:
    r"""Penalty minimising the model's own risk: :math:`\lambda^* = (\sigma^2 + \rho)\gamma/(t_2 - \rho)`
    (notes/ridge.md: :math:`R'(\lambda) = 2(M_2 - \lambda M_3)(\lambda r^2 - q\gamma)`)."""
    _check_model(model)
    return formula(f"ridge.penalty.{model}").expr


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")


def teacher_moments() -> tuple[sp.Expr, sp.Expr]:
    r"""``(k, v)``: the ridge teacher behaves as :math:`k P_w\theta + \xi` with
    :math:`k = 1 - \lambda_w M_1` and :math:`\mathbb{E}\xi\xi^\top = (v/d_w) I` on V_w,

    .. math::
        v = \lambda_w^2 (M_2 - M_1^2)(t_2 - \rho_w) + (\sigma^2 + \rho_w)\gamma_w(M_1 - \lambda_w M_2).
    """
    return formula("ridge.teacher.mean_factor").expr, formula("ridge.teacher.spread").expr


def _teacher(g, l):
    m1 = stieltjes(g, l)
    m2 = -sp.diff(stieltjes(gamma, lam), lam).xreplace({gamma: g, lam: l})
    k = 1 - l * m1
    v = l**2 * (m2 - m1**2) * (t2 - rho_w) + (sigma2 + rho_w) * g * (m1 - l * m2)
    return k, v


def _w2s(k, v, a, b, vs):
    r"""W2S risk from the teacher's (k, v) and the student's (A, B, V): notes/ridge.md (R.6)."""
    r2w = t2 - rho_w
    zeta = d_sw / d_w
    proj = k**2 * p_sw + v * zeta                  # E||P_s beta_w||^2
    total = k**2 * r2w + v                          # E||beta_w||^2
    return t2 - 2 * (1 - a) * k * c_sw + (1 - 2 * a + b) * proj + vs * (total - proj)


def w2s_risk() -> sp.Expr:
    r"""Deterministic equivalent of the W2S risk, ridge teacher :math:`\lambda_w` on ``n`` labels,
    ridge student :math:`\lambda_s` on ``N`` pseudo-labels:

    .. math::
        t_2 - 2(1 - A_s)k\,c_{sw} + (1 - 2A_s + B_s)S + V_s(E - S),\quad
        S = k^2 p_{sw} + v\,\frac{d_{sw}}{d_w},\ E = k^2 (t_2 - \rho_w) + v.

    A ridgeless student is the limit :math:`\lambda_s \to 0` (:func:`ridgeless_student`).
    """
    return formula("ridge.risk.w2s").expr


def pgr() -> sp.Expr:
    """PGR of the deterministic equivalents: (R_w - R_w2s) / (R_w - R_c)."""
    return formula("ridge.pgr").expr


def opr() -> sp.Expr:
    """OPR of the deterministic equivalents: R_s / R_w2s."""
    return formula("ridge.opr").expr


def teacher_gradient() -> sp.Expr:
    r""":math:`\partial R_{w2s}/\partial\lambda_w` (symbolic; its root is the teacher's best
    penalty for W2S, which differs from :math:`\lambda_w^*` of its own risk unless the student
    weighs the teacher's bias and spread as the teacher's own risk does)."""
    return formula("ridge.w2s.teacher_gradient").expr


def ridgeless_student(expr: sp.Expr, interpolating: bool = False) -> sp.Expr:
    r"""``expr`` with the student's functionals at :math:`\lambda_s \to 0`: OLS
    (:math:`\gamma_s < 1`): A = B = 0, :math:`V = \gamma_s/(1 - \gamma_s)`; interpolating
    (:math:`\gamma_s > 1`): :math:`A = B = 1 - 1/\gamma_s`, :math:`V = 1/(\gamma_s - 1)`."""
    g = d_s / N
    a, b, v = _student
    if interpolating:
        lim = {a: 1 - 1 / g, b: 1 - 1 / g, v: 1 / (g - 1)}
    else:
        lim = {a: 0, b: 0, v: g / (1 - g)}
    return expr.xreplace(lim)   # symbols only: subs would give the same tree, slower


# Placeholders for the student's functionals so that ridgeless limits are substitutions.
_student = sp.symbols("A_s B_s V_s", real=True)


def _build():
    cond_pen = (sp.Gt(lambda_w, 0), sp.Gt(lambda_s, 0))
    register("ridge.stieltjes", stieltjes(), (sp.Gt(gamma, 0), sp.Gt(lam, 0)),
             "Marchenko-Pastur Stieltjes transform m(-lambda), ratio gamma (closed form)")
    risks = {}
    for model, (m, d, rho, pen) in _SINGLE.items():
        risks[model] = register(
            f"ridge.risk.{model}", _single(m, d, rho, pen), (sp.Gt(pen, 0),) + GEOMETRY_CONDITIONS,
            f"deterministic equivalent of the {model} ridge risk (proportional limit, "
            "isotropic Gaussian features)")
        register(f"ridge.penalty.{model}", (sigma2 + rho) * (d / m) / (t2 - rho),
                 (sp.Gt(t2, rho),),
                 f"penalty minimising the {model} model's own ridge risk, q gamma / r^2")
    k, v = _teacher(d_w / n, lambda_w)
    register("ridge.teacher.mean_factor", k, cond_pen[:1], "ridge teacher mean factor 1 - lambda_w m")
    register("ridge.teacher.spread", v, cond_pen[:1], "ridge teacher spread v = E||xi||^2")
    a, b, vs = functionals(d_s / N, lambda_s)
    w2s = register("ridge.risk.w2s", _w2s(k, v, a, b, vs), cond_pen + GEOMETRY_CONDITIONS,
                   "deterministic equivalent of the W2S risk, ridge teacher and ridge student")
    register("ridge.pgr", (risks["weak"] - w2s) / (risks["weak"] - risks["ceiling"]),
             cond_pen + GEOMETRY_CONDITIONS, "PGR of the ridge deterministic equivalents")
    register("ridge.opr", risks["strong"] / w2s, cond_pen + GEOMETRY_CONDITIONS,
             "OPR of the ridge deterministic equivalents")
    register("ridge.w2s.teacher_gradient", sp.diff(w2s, lambda_w), cond_pen + GEOMETRY_CONDITIONS,
             "d/d lambda_w of the W2S deterministic equivalent")
    # Ridgeless-student forms: the student's functionals replaced by their lambda_s -> 0 limits.
    generic = _w2s(k, v, *_student)
    for name, interp, cond in (("ols", False, sp.Lt(d_s, N)), ("interp", True, sp.Gt(d_s, N))):
        register(f"ridge.risk.w2s.student_{name}", ridgeless_student(generic, interp),
                 (cond_pen[0], cond) + GEOMETRY_CONDITIONS,
                 f"W2S deterministic equivalent, ridge teacher, ridgeless {name} student")


_build()


def best_teacher_penalty(objective: str = "w2s", prec: int = 20, **values) -> mpmath.mpf:
    r"""The teacher's best penalty, numerically: the minimiser over :math:`\lambda_w > 0` of its own
    risk (``objective="own"``) or of the W2S risk (``"w2s"``, at the given ``lambda_s``; pass
    ``student="ols"`` or ``"interp"`` for a ridgeless student). Golden-section search on
    :math:`\log\lambda_w \in [-12, 8]`, then refined on the gradient's root."""
    student = values.pop("student", None)
    if objective == "own":
        expr = formula("ridge.risk.weak").expr
    elif objective == "w2s":
        expr = formula("ridge.risk.w2s" if student is None
                       else f"ridge.risk.w2s.student_{student}").expr
    else:
        raise ValueError(f"objective must be 'own' or 'w2s', got {objective!r}")
    subs = {s: sp.nsimplify(values[s.name]) for s in expr.free_symbols if s.name in values}
    missing = sorted(s.name for s in expr.free_symbols if s not in subs and s != lambda_w)
    if missing:
        raise ValueError(f"missing value for symbol(s) {', '.join(missing)}")
    e = expr.subs(subs)
    f = sp.lambdify(lambda_w, e, "mpmath", docstring_limit=0)
    with mpmath.workdps(prec):
        lo, hi = mpmath.mpf(-12), mpmath.mpf(8)
        phi = (mpmath.sqrt(5) - 1) / 2
        for _ in range(80):            # 0.618^80 * 20 < 1e-15 on log(lambda)
            a = hi - phi * (hi - lo)
            b = lo + phi * (hi - lo)
            if f(mpmath.e**a) < f(mpmath.e**b):
                hi = b
            else:
                lo = a
        return mpmath.e ** ((lo + hi) / 2)

