r"""Checked evaluation of expressions: exact rationals, mpmath at set precision, vectorised NumPy.

Every evaluator first checks, in this order: that each keyword names a symbol; that each value
lies in its symbol's domain (counts are positive integers, energies non-negative, ``sigma2``
positive); that every symbol of the expression and of its conditions has a value; that every
condition of :func:`theory.conditions` holds; and that no denominator vanishes. A failed check
raises ``ValueError`` naming the parameter or the condition, so no evaluator ever returns
``inf``, ``nan`` or a number computed outside the formula's domain.

Input numbers are taken at their exact value (a float ``0.1`` is the binary rational nearest to
0.1), so :func:`evaluate` computes the exact value of the expression at the given point and only
rounds once, to ``prec`` decimal digits.
"""
from __future__ import annotations

import numbers

import mpmath
import numpy as np
import sympy as sp

from theory.conditions import conditions, denominators, resolve
from theory.symbols import ALL, BY_NAME
from theory.validation import as_real_array, to_exact

__all__ = ["evaluate", "evaluate_exact", "lambdify_numpy", "to_number"]

_ORDER = {s: i for i, s in enumerate(ALL)}


def _sorted(symbols) -> list:
    return sorted(symbols, key=lambda s: (_ORDER.get(s, len(_ORDER)), s.name))


def to_number(name: str, value) -> sp.Expr:
    """Convert one input value to an exact SymPy number, or raise ``ValueError``
    (:func:`theory.validation.to_exact`: floats and ``mpf`` at their exact binary value)."""
    return to_exact(name, value)


def _domain_error(symbol: sp.Symbol, value) -> str | None:
    """Message if ``value`` is outside the domain the symbol's assumptions declare."""
    if symbol.is_integer and not value.is_integer:
        return f"{symbol.name} must be a positive integer, got {value}"
    if symbol.is_positive and not value.is_positive:
        kind = "a positive integer" if symbol.is_integer else "positive"
        return f"{symbol.name} must be {kind}, got {value}"
    if symbol.is_nonnegative and value.is_negative:
        return f"{symbol.name} must be non-negative, got {value}"
    return None


def _symbols_by_name(expr: sp.Expr, conds) -> dict[str, sp.Symbol]:
    known = dict(BY_NAME)
    for s in expr.free_symbols.union(*[c.free_symbols for c in conds]):
        known.setdefault(s.name, s)
    return known


def _parse(expr: sp.Expr, conds, values: dict) -> dict:
    """Map keyword values to exact SymPy numbers keyed by symbol, with all checks but conditions."""
    known = _symbols_by_name(expr, conds)
    parsed = {}
    for name, value in values.items():
        if name not in known:
            raise ValueError(f"unknown symbol {name!r}; known symbols are {', '.join(known)}")
        symbol = known[name]
        number = to_number(name, value)
        message = _domain_error(symbol, number)
        if message:
            raise ValueError(message)
        parsed[symbol] = number
    needed = expr.free_symbols.union(*[c.free_symbols for c in conds])
    missing = [s.name for s in _sorted(needed) if s not in parsed]
    if missing:
        raise ValueError(f"missing value for symbol(s) {', '.join(missing)}")
    return parsed


def _show(symbols, point: dict) -> str:
    return ", ".join(f"{s.name}={point[s]}" for s in _sorted(symbols))


def _active_branches(expr: sp.Expr, point: dict) -> sp.Expr:
    """``expr`` with every ``Piecewise`` replaced by the branch that applies at ``point``: a
    branch that does not apply (another regime) may legitimately divide by zero there."""
    def pick(pw):
        for branch, cond in pw.args:
            truth = sp.sympify(cond).xreplace(point)
            if truth == sp.true:
                return branch
            if truth != sp.false:
                raise ValueError(f"cannot decide {cond} at {_show(cond.free_symbols, point)}")
        raise ValueError(f"no branch of the piecewise expression applies at "
                         f"{_show(pw.free_symbols, point)}")

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)


def _check_point(expr: sp.Expr, conds, point: dict) -> None:
    for cond in conds:
        truth = cond.xreplace(point)
        if truth not in (sp.true, sp.false):
            raise ValueError(f"cannot decide {cond} at {_show(cond.free_symbols, point)}")
        if truth != sp.true:
            raise ValueError(f"{cond} is violated: {_show(cond.free_symbols, point)}")
    for base in denominators(_active_branches(expr, point)):
        if base.xreplace(point) == 0:
            raise ValueError(
                f"denominator {base} vanishes: {_show(base.free_symbols, point)}"
            )


def _conds(expr: sp.Expr, domain) -> tuple:
    """The conditions to check: the expression's own, or ``domain`` where one is given."""
    if domain is None:
        return conditions(expr)
    return tuple(sp.sympify(c) for c in domain)


def evaluate_exact(expr_or_name, *, domain=None, **values) -> sp.Rational:
    r"""Exact rational value of an expression at a point, after checking its conditions.

    Parameters
    ----------
    expr_or_name : str or sympy.Expr
        A registered name or an expression.
    domain : sequence of sympy relationals, optional
        Conditions checked *instead of* :func:`theory.conditions` of the expression (denominators
        are still checked). For an expression claimed to equal a registered quantity the domain
        is the quantity's: conditions inferred from the claimed expression's own denominators
        would let a wrong formula (``N - d_s + 1`` gives :math:`d_s > N + 1`) narrow it.
    **values
        One value per symbol name (``n=2000, d_w=200, ...``); ints, floats, Fractions and SymPy
        Rationals are all converted exactly. Values of symbols not in the expression are ignored.

    Returns
    -------
    sympy.Rational

    Raises
    ------
    ValueError
        Unknown or missing symbol, a value outside its domain, a violated condition (the message
        names it, e.g. ``"n > d_w + 1 is violated: n=10, d_w=12"``), or a vanishing denominator.
    """
    expr, _ = resolve(expr_or_name)
    conds = _conds(expr, domain)
    point = _parse(expr, conds, values)
    _check_point(expr, conds, point)
    value = expr.xreplace(point)
    if not isinstance(value, sp.Rational):
        raise ValueError(f"{expr} does not evaluate to a rational number at this point: {value}")
    return value


def evaluate(expr_or_name, prec: int = 50, *, domain=None, **values) -> mpmath.mpf:
    r"""Value of an expression at a point as an ``mpmath.mpf``, after checking its conditions.

    The value is computed exactly (rational arithmetic on the exact input values) and rounded
    once, so all ``prec`` digits are correct.

    Parameters
    ----------
    expr_or_name : str or sympy.Expr
        A registered name (``"pgr.exact"``) or an expression.
    prec : int, default 50
        Number of significant *decimal* digits of the result (mpmath ``dps``), at least 1.
    domain : sequence of sympy relationals, optional
        As in :func:`evaluate_exact`.
    **values
        One value per symbol name; see :func:`evaluate_exact`.

    Returns
    -------
    mpmath.mpf

    Raises
    ------
    ValueError
        As :func:`evaluate_exact`, or if ``prec`` is not a positive integer.

    Examples
    --------
    >>> import theory
    >>> import mpmath
    >>> v = theory.evaluate("risk.weak.exact", prec=30, n=2000, d_w=200, sigma2=1, rho_w=0)
    >>> mpmath.nstr(v, 30)
    '0.111172873818788215675375208449'
    """
    if isinstance(prec, bool) or not isinstance(prec, numbers.Integral) or prec < 1:
        raise ValueError(f"prec must be a positive integer (decimal digits), got {prec!r}")
    expr, _ = resolve(expr_or_name)
    conds = _conds(expr, domain)
    point = _parse(expr, conds, values)
    _check_point(expr, conds, point)
    value = expr.xreplace(point)
    if not value.is_number:
        raise ValueError(f"{expr} did not reduce to a number: {value}")
    with mpmath.workdps(int(prec)):
        if isinstance(value, sp.Rational):
            result = mpmath.mpf(value.p) / value.q
        else:
            result = mpmath.mpf(sp.Float(value.evalf(int(prec) + 10), int(prec) + 10))
    if not mpmath.isfinite(result):
        raise ValueError(f"{expr} is not finite at {_show(point, point)}")
    # No unary plus here: it would round to the global mpmath precision.
    return result


# Relative size below which a float64 denominator is indistinguishable from zero: a sum whose
# terms have magnitude S is only known to about S * eps after rounding, so a smaller result is
# rounding noise and dividing by it gives garbage.
_CANCELLATION = 64 * np.finfo(float).eps


def _fmt(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def _scale(base: sp.Expr) -> sp.Expr:
    return sp.Add(*[sp.Abs(t) for t in sp.Add.make_args(base)])


class _Vectorised:
    """Callable returned by :func:`lambdify_numpy`; ``symbols`` and ``conditions`` are attributes."""

    def __init__(self, expr: sp.Expr, conds: tuple):
        self.expr = expr
        self.conditions = conds
        needed = expr.free_symbols.union(*[c.free_symbols for c in conds])
        self.symbols = tuple(_sorted(needed))
        self._known = _symbols_by_name(expr, conds)
        args = self.symbols
        # docstring_limit=0: no docstring, whose printing of the expression is most of the cost
        self._f = sp.lambdify(args, expr, "numpy", cse=True, docstring_limit=0)
        self._conds = [(c, sp.lambdify(args, c, "numpy", docstring_limit=0)) for c in conds]
        self._dens = [
            (b, sp.lambdify(args, b, "numpy", docstring_limit=0),
             sp.lambdify(args, _scale(b), "numpy", docstring_limit=0))
            for b in denominators(expr)
        ]
        self.__doc__ = f"Vectorised {expr}; arguments {', '.join(s.name for s in args)}."

    def _fail(self, message: str, symbols, ok: np.ndarray, arrays: dict) -> None:
        index = tuple(int(i) for i in np.argwhere(~ok)[0])
        shown = ", ".join(f"{s.name}={_fmt(arrays[s][index])}" for s in _sorted(symbols))
        raise ValueError(f"{message} at index {index}: {shown}")

    def __call__(self, **values):
        arrays = {}
        for name, value in values.items():
            if name not in self._known:
                raise ValueError(f"unknown symbol {name!r}; known: {', '.join(self._known)}")
            symbol = self._known[name]
            if symbol not in self.symbols:
                continue
            arrays[symbol] = as_real_array(name, value)
        missing = [s.name for s in self.symbols if s not in arrays]
        if missing:
            raise ValueError(f"missing value for symbol(s) {', '.join(missing)}")
        try:
            shape = np.broadcast_shapes(*[a.shape for a in arrays.values()])
        except ValueError as exc:
            raise ValueError(f"arguments do not broadcast together: {exc}") from exc
        arrays = {s: np.broadcast_to(a, shape) for s, a in arrays.items()}
        for s, a in arrays.items():
            checks = [("must be finite", np.isfinite(a))]
            if s.is_integer:
                checks.append(("must be an integer", a == np.round(a)))
            if s.is_positive:
                checks.append(("must be positive", a > 0))
            elif s.is_nonnegative:
                checks.append(("must be non-negative", a >= 0))
            for what, ok in checks:
                if not ok.all():
                    self._fail(f"{s.name} {what}", [s], ok, arrays)
        args = [arrays[s] for s in self.symbols]
        for cond, f in self._conds:
            ok = np.broadcast_to(f(*args), shape)
            if not ok.all():
                self._fail(f"{cond} is violated", cond.free_symbols, ok, arrays)
        for base, f, scale in self._dens:
            ok = np.broadcast_to(np.abs(f(*args)) > _CANCELLATION * scale(*args), shape)
            if not ok.all():
                self._fail(
                    f"denominator {base} vanishes (to float64 precision)", base.free_symbols,
                    ok, arrays,
                )
        with np.errstate(all="ignore"):
            result = np.broadcast_to(np.asarray(self._f(*args), dtype=float), shape)
        if not np.isfinite(result).all():
            self._fail("result is not finite", self.symbols, np.isfinite(result), arrays)
        return result.copy()[()]


def lambdify_numpy(expr_or_name):
    r"""Vectorised NumPy function of an expression that checks its conditions elementwise.

    Built with ``sympy.lambdify(..., "numpy", cse=True)``.

    Parameters
    ----------
    expr_or_name : str or sympy.Expr

    Returns
    -------
    callable
        ``f(**arrays)``: keyword arrays (or scalars) per symbol name, broadcast together; extra
        known names are ignored so ``f(**scenario.geometry())`` works. Returns a float64 array of
        the broadcast shape (a NumPy scalar for scalar inputs). ``f.symbols`` lists the
        arguments it needs and ``f.conditions`` the conditions it checks.

    Raises
    ------
    ValueError
        When called: unknown or missing symbol, shapes that do not broadcast, a value outside
        its symbol's domain, a violated condition or a denominator that vanishes to float64
        precision (relative to the sum of its terms' magnitudes); the message names the
        condition and the first offending index.
    """
    expr, _ = resolve(expr_or_name)
    return _Vectorised(expr, conditions(expr))
