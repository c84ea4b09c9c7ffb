r"""A float screen with a rigorous running error bound for rational SymPy expressions.

The exact searches (:mod:`verify.exact_search`) evaluate the theory's rational expressions at
tens of thousands of exact points. Exact ``Fraction`` arithmetic costs tens of microseconds a
point and expression; NumPy floats cost well under one. This module evaluates an expression built
from ``Add``, ``Mul``, integer ``Pow`` and rational constants over whole arrays of float inputs
*together with a bound on the error* of the computed value, so that a sign is trusted only where
the value is far from zero compared with that bound; every other point (including every
non-finite value) is left to the exact path.

Error bound: for inputs :math:`\hat a_i` with :math:`|\hat a_i - a_i| \le e_i` and unit
roundoff :math:`u = 2^{-53}`,

* sum of :math:`m` terms: :math:`e = \sum_i e_i + m u \sum_i |\hat a_i|`;
* product: :math:`e = \sum_i e_i \prod_{j \ne i} (|\hat a_j| + e_j) + m u |\hat v|`
  (the telescoping bound of :math:`|\prod a_i - \prod \hat a_i|`, second-order terms included);
* power :math:`b^m`, :math:`m > 0`: :math:`e = m (|\hat b| + e_b)^{m - 1} e_b + m u |\hat v|`;
  :math:`m < 0`: infinite if :math:`|\hat b| \le e_b`, else
  :math:`e = |m| e_b / (|\hat b| - e_b)^{|m| + 1} + (|m| + 1) u |\hat v|` (mean value theorem).

Each operation's own rounding is at most :math:`u` times its result, so these are bounds to first
order in :math:`u` on top of the propagated ones; :data:`MARGIN` (:math:`2^{20}`) absorbs the
neglected higher-order terms many times over. A sign is *cleared* where
:math:`|\hat v| > \mathrm{MARGIN} \cdot e`; since :math:`e \ge u \times` the magnitudes summed,
that is a relative margin of at least about :math:`10^{-10}` of the magnitudes involved.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

U = 2.0 ** -53
"""Unit roundoff of IEEE double precision."""
MARGIN = 2.0 ** 20
"""A computed value's sign is trusted where ``|value| > MARGIN * error_bound``."""


def evaluate(expr, values: dict) -> tuple[np.ndarray, np.ndarray]:
    """Value and error bound of ``expr`` over arrays of inputs.

    Parameters
    ----------
    expr : sympy.Expr
        Built from symbols, rational constants, ``Add``, ``Mul`` and ``Pow`` with an integer
        exponent.
    values : dict
        Symbol name -> ``(value, error)``, arrays broadcastable to one shape (``error`` the bound
        of ``|value - exact value|``; 0 for integers, which floats hold exactly below
        :math:`2^{53}`).

    Returns
    -------
    (value, error) : pair of float arrays

    Raises
    ------
    TypeError
        If ``expr`` holds anything else (a function, a symbolic or fractional exponent).
    """
    memo: dict = {}
    with np.errstate(all="ignore"):  # overflow, 0/0: non-finite values go to the exact path
        return _ev(sp.sympify(expr), values, memo)


def _ev(e, values, memo):
    if e in memo:
        return memo[e]
    if e.is_Symbol:
        if e.name not in values:
            raise TypeError(f"no value for the symbol {e.name!r}")
        v, err = values[e.name]
        out = (np.asarray(v, dtype=float), np.asarray(err, dtype=float))
    elif e.is_Rational:
        v = float(e)
        out = (np.float64(v), np.float64(0.0 if e.is_Integer and abs(v) < 2.0 ** 53 else abs(v) * U))
    elif e.is_Add:
        parts = [_ev(a, values, memo) for a in e.args]
        v = sum(p[0] for p in parts)
        out = (v, sum(p[1] for p in parts) + len(parts) * U * sum(np.abs(p[0]) for p in parts))
    elif e.is_Mul:
        parts = [_ev(a, values, memo) for a in e.args]
        v = parts[0][0]
        for p in parts[1:]:
            v = v * p[0]
        bound = [np.abs(p[0]) + p[1] for p in parts]
        err = 0.0
        for i, p in enumerate(parts):
            term = p[1]
            for j, b in enumerate(bound):
                if j != i:
                    term = term * b
            err = err + term
        out = (v, err + len(parts) * U * np.abs(v))
    elif e.is_Pow and e.exp.is_Integer:
        b, eb = _ev(e.base, values, memo)
        m = int(e.exp)
        v = b ** float(m)
        if m > 0:
            err = m * (np.abs(b) + eb) ** (m - 1) * eb + m * U * np.abs(v)
        else:
            room = np.abs(b) - eb
            err = np.where(room > 0, -m * eb / np.where(room > 0, room, 1.0) ** (1 - m), np.inf)
            err = err + (1 - m) * U * np.abs(v)
        out = (v, err)
    else:
        raise TypeError(f"the float screen handles rational expressions only, not {e.func.__name__}: {e}")
    memo[e] = out
    return out


def sign(value, error) -> np.ndarray:
    """+1 where the value is certainly positive, -1 certainly negative, 0 undecided (within
    ``MARGIN`` error bounds of zero, or non-finite)."""
    value, error = np.asarray(value, dtype=float), np.asarray(error, dtype=float)
    ok = np.isfinite(value) & np.isfinite(error)
    safe = MARGIN * np.where(ok, error, 0.0)
    return np.where(ok & (value > safe), 1, np.where(ok & (value < -safe), -1, 0)).astype(np.int8)


def screen(terms, values: dict) -> np.ndarray:
    """Float verdict on a conjunction of sign conditions ``expr > 0`` / ``expr >= 0``.

    ``terms`` is a sequence of ``(expr, strict)``. Returns +1 where every term is certainly
    positive (the conjunction holds), -1 where some term is certainly negative (it fails), 0
    elsewhere (undecided: left to the exact path)."""
    out = None
    for expr, _strict in terms:
        s = sign(*evaluate(expr, values))
        if out is None:
            out = s
        else:
            out = np.where((out == -1) | (s == -1), -1, np.where((out == 1) & (s == 1), 1, 0))
    if out is None:
        raise ValueError("terms must hold at least one (expr, strict) pair")
    return out.astype(np.int8)


__all__ = ["U", "MARGIN", "evaluate", "sign", "screen"]
