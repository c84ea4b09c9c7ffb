r"""Validity conditions of expressions, registered or not.

Rule (also in :func:`conditions`)
---------------------------------
A *registered* expression (looked up by name or by structural equality) carries the conditions
it was registered with. For any other expression ``E`` the conditions are inferred as the union of

1. the conditions of every registered formula *contained* in ``E``: the formula is a node of
   ``E``'s expression tree, or it is a sum whose terms are all terms of one sum node of ``E``
   (SymPy flattens ``A + B``, so a registered sum rarely survives as a node of a larger sum).
   Only formulas with a regime-defining denominator (rule 2) take part: a bare ``n/d_w`` or
   ``rho_s + rho_w`` occurs in many contexts, and matching it would import the conditions of
   whichever context registered it;
2. for every denominator of ``E`` linear in the counts :math:`n, N, d_s, d_w` with a non-zero
   constant term, the condition that it is positive once oriented to have a negative constant
   (``1/(n - d_w - 1)`` gives :math:`n > d_w + 1`; ``1/(d_w - n - 1)`` gives :math:`d_w > n + 1`).
   Such denominators come from the inverse-Wishart means
   :math:`E[(Z^\top Z)^{-1}] = I/(m - d - 1)` and :math:`E[(Z Z^\top)^{-1}] = I/(d - m - 1)`,
   finite only when positive (see :func:`linear_count_condition`);
3. the geometric constraints :math:`d_{sw} \le d_s`, :math:`d_{sw} \le d_w`.

In every case (registered or inferred) only conditions whose free symbols all occur in the
expression are kept: the value of ``E`` does not depend on any other symbol, so a condition on
one could not be checked from ``E``'s arguments. Conditions that SymPy decides are true from the
symbols' assumptions (``d_w > 0``) are dropped. Other denominators (``ER_w - ER_c`` in PGR)
are not turned into conditions: :func:`theory.evaluate` checks at each point that none vanishes.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory import formulas as _formulas
from theory.symbols import COUNTS, d_s, d_sw, d_w

__all__ = ["conditions", "resolve", "denominators", "linear_count_condition"]

_DOMAIN = (sp.Le(d_sw, d_s), sp.Le(d_sw, d_w))


def resolve(expr_or_name) -> tuple[sp.Expr, str | None]:
    """Return ``(expr, name)`` for a registered name or any SymPy-able expression.

    Raises
    ------
    ValueError
        If a string is not a registered name.
    """
    if isinstance(expr_or_name, str):
        record = _formulas.formula(expr_or_name)
        if record is None:
            raise ValueError(
                f"expr_or_name: {expr_or_name!r} is not a registered formula; "
                f"registered names are {', '.join(_formulas.registered_names())}"
            )
        return record.expr, record.name
    if expr_or_name is None:
        raise ValueError("expr_or_name must be a registered name or a SymPy expression, got None")
    try:
        expr = sp.sympify(expr_or_name)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"expr_or_name must be a registered name or a SymPy expression: {exc}")
    record = _formulas.formula(expr)
    return expr, (record.name if record is not None else None)


def denominators(expr: sp.Expr) -> tuple[sp.Expr, ...]:
    """Bases of every negative power in ``expr`` (its denominators), without repetition."""
    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_negative and not node.base.is_number:
            if node.base not in out:
                out.append(node.base)
    return tuple(out)


def linear_count_condition(base: sp.Expr):
    r"""The sign condition implied by a denominator linear in the counts, or ``None``.

    ``base`` must be a polynomial of degree one in :math:`n, N, d_s, d_w` only with a non-zero
    constant term. The theory's denominators come from the inverse-Wishart means
    :math:`E[(Z^\top Z)^{-1}] = I/(m - d - 1)` (more samples than dimensions) and
    :math:`E[(Z Z^\top)^{-1}] = I/(d - m - 1)` (fewer), each finite only when positive; in both
    the constant is :math:`-1`. So ``base`` is oriented to make its constant negative and
    required to be positive: ``1/(n - d_w - 1)`` and ``1/(d_w + 1 - n)`` both give
    :math:`n > d_w + 1`, ``1/(d_w - n - 1)`` gives :math:`d_w > n + 1`. A base that SymPy can
    sign from the assumptions (``n + 1``) or without a constant (``n - N``) gives ``None``.
    """
    if not base.free_symbols or not base.free_symbols <= set(COUNTS):
        return None
    if base.is_positive or (-base).is_positive:
        return None
    if not base.is_polynomial(*COUNTS):
        # e.g. 1 - d_s/N from a ridgeless limit of theory.ridge: not a linear count condition
        return None
    poly = sp.Poly(base, *COUNTS)
    if poly.total_degree() != 1:
        return None
    constant = poly.coeff_monomial(1)
    if constant == 0:
        return None
    if constant > 0:
        base = -base
    terms = sp.Add.make_args(sp.expand(base))
    lhs = sp.Add(*[t for t in terms if not t.could_extract_minus_sign()])
    rhs = -sp.Add(*[t for t in terms if t.could_extract_minus_sign()])
    return sp.Gt(lhs, rhs)


@lru_cache(maxsize=1024)
def _specific(expr: sp.Expr) -> bool:
    """True if ``expr`` has a regime-defining denominator (so matching it is not a coincidence).

    Cached: it is asked of every registered formula each time the conditions of a new
    expression are inferred (:func:`_conditions_of`), and the answer depends on the formula
    alone."""
    return any(linear_count_condition(b) is not None for b in denominators(expr))


def _contains(expr: sp.Expr, target: sp.Expr) -> bool:
    is_sum = isinstance(target, sp.Add) and len(target.args) >= 2
    for node in sp.preorder_traversal(expr):
        if node == target:
            return True
        if is_sum and isinstance(node, sp.Add) and set(target.args) <= set(node.args):
            return True
    return False


def _key(cond):
    """Key identifying equivalent inequalities (``n > d_w + 1`` and ``d_w + 1 < n``)."""
    if isinstance(cond, (sp.StrictGreaterThan, sp.StrictLessThan, sp.GreaterThan, sp.LessThan)):
        strict = isinstance(cond, (sp.StrictGreaterThan, sp.StrictLessThan))
        return (strict, sp.expand(cond.gts - cond.lts))
    return cond


def _keep(cond, symbols) -> bool:
    if cond is sp.true or cond == sp.true:
        return False
    return cond.free_symbols <= symbols


def _union(groups, symbols) -> tuple:
    out, seen = [], set()
    for group in groups:
        for cond in group:
            cond = sp.sympify(cond)
            if _keep(cond, symbols) and _key(cond) not in seen:
                seen.add(_key(cond))
                out.append(cond)
    return tuple(out)


@lru_cache(maxsize=512)
def _conditions_of(expr: sp.Expr, registry_size: int) -> tuple:
    # registry_size is part of the cache key so that later registrations invalidate it.
    symbols = expr.free_symbols
    record = _formulas.formula(expr)
    if record is not None:
        return _union([record.conditions], symbols)
    groups = []
    for name in _formulas.registered_names():
        reg = _formulas.formula(name)
        if _specific(reg.expr) and _contains(expr, reg.expr):
            groups.append(reg.conditions)
    linear = [linear_count_condition(b) for b in denominators(expr)]
    groups.append([c for c in linear if c is not None])
    groups.append(_DOMAIN)
    return _union(groups, symbols)


def conditions(expr_or_name) -> tuple:
    """Validity conditions of a registered formula or of any expression built from them.

    Parameters
    ----------
    expr_or_name : str or sympy.Expr
        A registered name (``"risk.w2s.exact"``) or an expression.

    Returns
    -------
    tuple of sympy relationals
        For a registered formula, its registered conditions; otherwise the conditions inferred
        by the rule in this module's docstring. Only conditions on symbols of the expression
        are returned.

    Examples
    --------
    >>> import theory
    >>> theory.conditions("risk.weak.exact")
    (n > d_w + 1,)
    """
    expr, _ = resolve(expr_or_name)
    return _conditions_of(expr, len(_formulas.registered_names()))
