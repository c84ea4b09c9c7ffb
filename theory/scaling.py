r"""Scaling laws: large-sample series of the W2S risk, PGR and OPR in :math:`1/N` and :math:`1/n`.

Each quantity :math:`Q` is expanded, with the other sample size held fixed, as

.. math::
    Q = Q_\infty + \sum_{k \ge 1} c_k\, x^{-k},\qquad x \in \{N, n\},

by ``sympy.series`` in :math:`u = 1/x` at :math:`u = 0`. The *leading* term is the first
:math:`c_k` that is not identically zero: the excess :math:`Q - Q_\infty` then decays like
:math:`x^{-k}` (scaling exponent :math:`-k`) with constant :math:`c_k`; the next non-zero
term gives the first correction. See ``notes/scaling-laws.md`` for the statements in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from theory.complexity import VARIANCE_ONLY, exact_values
from theory.formulas import QUANTITIES, formula, opr, pgr, risk
from theory.symbols import N, n

VARIABLES = {"N": N, "n": n}
FORMS = ("exact", "paper")


@dataclass(frozen=True)
class Expansion:
    r"""Series of a quantity in :math:`1/x` to a given order.

    Attributes
    ----------
    quantity : str
    variable : sympy.Symbol
    form : str
    bias : bool
    limit : sympy.Expr
        :math:`Q_\infty` (the order-0 coefficient).
    coefficients : tuple of sympy.Expr
        :math:`c_1, \dots, c_{\text{order}}` of :math:`x^{-1}, \dots, x^{-\text{order}}`.
    leading_exponent, next_exponent : int or None
        :math:`-k` for the first and second non-zero :math:`c_k`.
    leading_constant, next_constant : sympy.Expr or None
    conditions : tuple
        Validity conditions of the expanded formula plus those of the series (a non-zero
        limit denominator).
    expr : sympy.Expr
        The expanded quantity itself.
    """

    quantity: str
    variable: sp.Symbol
    form: str
    bias: bool
    limit: sp.Expr
    coefficients: tuple
    leading_exponent: int | None
    leading_constant: sp.Expr | None
    next_exponent: int | None
    next_constant: sp.Expr | None
    conditions: tuple
    expr: sp.Expr

    def truncated(self) -> sp.Expr:
        """:math:`Q_\\infty + \\sum_k c_k x^{-k}` up to the order requested."""
        x = self.variable
        return self.limit + sum(c / x ** (k + 1) for k, c in enumerate(self.coefficients))

    def excess(self) -> sp.Expr:
        """The exact excess :math:`Q - Q_\\infty` (a function of ``variable``)."""
        return self.expr - self.limit


def quantity_expr(quantity: str, form: str = "exact", bias: bool = True) -> sp.Expr:
    """The expression expanded for ``quantity`` (a risk, ``pgr`` or ``opr``)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    expr = {"pgr": pgr, "opr": opr}.get(quantity, lambda f: risk(quantity, f))(form)
    return expr.subs(VARIANCE_ONLY) if not bias else expr


def _name(quantity: str, form: str) -> str:
    return {"pgr": f"pgr.{form}", "opr": f"opr.{form}"}.get(quantity, f"risk.{quantity}.{form}")


def _series_coefficients(expr: sp.Expr, x: sp.Symbol, order: int) -> list:
    r"""Coefficients :math:`c_0..c_{order}` of a rational function of x in powers of 1/x.

    With :math:`u = 1/x` the expression is :math:`P(u)/Q(u)`; the coefficients follow from
    power-series division :math:`c_k = (p_{k+v} - \sum_{j \ge 1} q_{j+v} c_{k-j}) / q_v`
    (v the order of Q at 0). This is what ``sympy.series`` computes, without its cost on
    the many-symbol bias expressions (minutes instead of a second).
    """
    u = sp.Symbol("u", positive=True)
    num, den = sp.fraction(sp.cancel(sp.together(expr.subs(x, 1 / u))))
    p = sp.Poly(num, u)
    q = sp.Poly(den, u)
    pc = [sp.expand(p.coeff_monomial(u**k)) for k in range(p.degree() + 1)]
    qc = [sp.expand(q.coeff_monomial(u**k)) for k in range(q.degree() + 1)]
    v = next(k for k, c in enumerate(qc) if c != 0)
    if any(c != 0 for c in pc[:v]):
        raise ValueError(f"the quantity diverges as {x} -> oo; no power series in 1/{x}")

    def pk(k):
        return pc[k] if k < len(pc) else 0

    def qk(k):
        return qc[k] if k < len(qc) else 0

    out = []
    for k in range(order + 1):
        acc = pk(k + v) - sum(qk(j + v) * out[k - j] for j in range(1, k + 1))
        c = sp.cancel(acc / qc[v])
        # Factoring the many-symbol bias coefficients costs seconds each; keep them cancelled.
        out.append(sp.factor(c) if sp.count_ops(c) < 150 else c)
    return out


@lru_cache(maxsize=64)
def expand(quantity: str, variable: str = "N", order: int = 2, form: str = "exact",
           bias: bool = True) -> Expansion:
    r"""Series of ``quantity`` in :math:`1/\text{variable}` up to :math:`x^{-\text{order}}`.

    Parameters
    ----------
    quantity : {"w2s", "pgr", "opr", "weak", "strong", "ceiling"}
    variable : {"N", "n"}
    order : int
        Highest power of :math:`1/x` kept, in ``[1, 6]``.
    form : {"exact", "paper"}
    bias : bool
        ``False`` for the variance-only reading :math:`\rho = 0`.

    Returns
    -------
    Expansion

    Raises
    ------
    ValueError
        For an unknown quantity, variable or form, or ``order`` outside ``[1, 6]``.
    """
    if variable not in VARIABLES:
        raise ValueError(f"variable must be one of {tuple(VARIABLES)}, got {variable!r}")
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= 6:
        raise ValueError(f"order must be an integer in [1, 6], got {order!r}")
    expr = quantity_expr(quantity, form, bias)
    x = VARIABLES[variable]
    coeffs = _series_coefficients(expr, x, order)
    limit = coeffs[0]
    nonzero = [k for k in range(1, order + 1) if coeffs[k] != 0]
    lead = nonzero[0] if nonzero else None
    nxt = nonzero[1] if len(nonzero) > 1 else None
    conds = tuple(formula(_name(quantity, form)).conditions)
    den = sp.fraction(sp.together(limit))[1]
    if den.free_symbols:
        conds = conds + (sp.Ne(den, 0),)
    return Expansion(
        quantity, x, form, bias, limit, tuple(coeffs[1:]),
        -lead if lead else None, coeffs[lead] if lead else None,
        -nxt if nxt else None, coeffs[nxt] if nxt else None, conds, expr)


def local_exponent(expansion: Expansion, points, **values) -> float:
    r"""Slope of :math:`\log(Q - Q_\infty)` against :math:`\log x` over ``points``.

    This is what a log-log regression of the *expected* excess on the sweep ``points``
    returns; it tends to ``leading_exponent`` as the points grow, and differs from it by the
    next-order correction at finite sizes. Used as the prediction for simulated sweeps.

    Parameters
    ----------
    expansion : Expansion
    points : sequence of numbers
        Values of ``expansion.variable`` (at least two, distinct).
    **values
        Every other parameter, by symbol name.

    Raises
    ------
    ValueError
        If fewer than two distinct points are given or the excess is not positive at one.
    """
    pts = [sp.Integer(p) if float(p).is_integer() else sp.Rational(repr(float(p))) for p in points]
    if len(set(pts)) < 2:
        raise ValueError(f"points must hold at least two distinct values, got {points!r}")
    subs = exact_values({k: v for k, v in values.items() if k != expansion.variable.name})
    ex = sp.together(expansion.excess().subs(subs))
    xs, ys = [], []
    for p in pts:
        val = ex.subs(expansion.variable, p)
        if not val.is_positive:
            raise ValueError(f"excess over the limit is not positive at "
                             f"{expansion.variable} = {p}: {val}")
        xs.append(mpmath.log(mpmath.mpf(p.p) / p.q))
        ys.append(mpmath.log(mpmath.mpf(sp.Rational(val).p) / sp.Rational(val).q)
                  if val.is_Rational else mpmath.log(sp.N(val, 30)))
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((a - mx) * (b - my) for a, b in zip(xs, ys))
    sxx = sum((a - mx) ** 2 for a in xs)
    return float(sxy / sxx)


__all__ = ["QUANTITIES", "VARIABLES", "FORMS", "Expansion", "expand", "quantity_expr",
           "local_exponent"]
