"""Input validation of the theory package: one converter of inputs to exact SymPy numbers.

``theory`` and ``numeric`` never import each other, so this is the theory-side twin of
``numeric.validation`` (same vocabulary: a ``ValueError`` naming the parameter and what it must
be). Every public entry point that takes numbers (``evaluate``, ``evaluate_exact``,
``lambdify_numpy``'s functions, ``theory.complexity``, ``theory.regimes``) converts them here,
so a value means the same rational everywhere: a float is its exact binary value (``0.1`` is
``3602879701896397/36028797018963968``, in ``evaluate_exact`` as in ``Threshold.at``).
"""
from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

__all__ = ["to_exact", "as_real_array", "check_int"]


def _bad(name, value, what="a finite real number") -> ValueError:
    return ValueError(f"{name} must be {what}, got {value!r}")


def to_exact(name: str, value, *, symbolic: bool = False) -> sp.Expr:
    """``value`` as an exact SymPy number, or ``ValueError`` naming ``name``.

    Accepts ints, floats and NumPy scalars (at their exact binary value), ``Fraction``,
    ``Decimal`` (its exact decimal value), mpmath ``mpf`` and SymPy numbers. Refuses ``None``,
    booleans, strings (``"3"`` is not ``3``), non-finite and non-real values. ``symbolic=True``
    passes SymPy expressions with free symbols through unchanged (for symbolic callers).
    """
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise _bad(name, value)
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise _bad(name, value, "a scalar real number")
        value = value[()]
    if isinstance(value, sp.Basic):
        if symbolic and value.free_symbols:
            return value
        number = sp.Rational(value) if isinstance(value, sp.Float) else value
        if not number.is_number or number.is_real is not True or not number.is_finite:
            raise _bad(name, value)
        return number
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise _bad(name, value)
        mantissa, exponent = value.man_exp
        return sp.Integer(int(mantissa)) * sp.Integer(2) ** int(exponent)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _bad(name, value)
        return sp.Rational(str(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not np.isfinite(f):
            raise _bad(name, value)
        return sp.Rational(*f.as_integer_ratio())
    raise _bad(name, value)


def as_real_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array (scalars give 0-d arrays); refuses ``None``, booleans and
    strings, as :func:`to_exact` does, and anything NumPy cannot read as real numbers."""
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise _bad(name, value, "an array of real numbers")
    arr = np.asarray(value)
    if arr.dtype.kind == "O":           # Fraction, Decimal, SymPy numbers, mixed lists
        if not all(isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))
                   for x in arr.flat):
            raise _bad(name, value, "an array of real numbers")
        try:
            return arr.astype(float)
        except (TypeError, ValueError):
            raise _bad(name, value, "an array of real numbers") from None
    if arr.dtype.kind not in "iuf":
        raise _bad(name, value, "an array of real numbers")
    return arr.astype(float, copy=False)


def check_int(name: str, value, min_val: int | None = None, max_val: int | None = None) -> int:
    """An integer in ``[min_val, max_val]`` (integral floats accepted), with the message of
    ``numeric.validation.check_scalar``: ``"<name> must be an integer in [1, inf), got 0"``."""
    lo = "-inf" if min_val is None else str(min_val)
    hi = "inf" if max_val is None else str(max_val)
    rng = f"{'[' if min_val is not None else '('}{lo}, {hi}{']' if max_val is not None else ')'}"
    bad = ValueError(f"{name} must be an integer in {rng}, got {value!r}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise bad
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif np.isfinite(float(value)) and float(value).is_integer():
        v = int(value)
    else:
        raise bad
    if (min_val is not None and v < min_val) or (max_val is not None and v > max_val):
        raise bad
    return v
