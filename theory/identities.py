r"""Spot checks of symbolic identities at random rational points that satisfy the conditions.

Used where SymPy cannot prove a fact (``simplify`` to zero, ``limit``, ``series``): both sides
are evaluated *exactly* (rational arithmetic) at random points drawn inside the validity
conditions, in the spirit of ``sympy.core.random.verify_numerically`` but without rounding, so a
single mismatch is a genuine counterexample.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from theory.conditions import conditions, resolve
from theory.evaluation import evaluate_exact
from theory.symbols import N, c_sw, d_s, d_sw, d_w, n

__all__ = ["SpotCheck", "spot_check", "random_point", "DEFAULT_RANGES"]

DEFAULT_RANGES = {n: (1, 400), N: (1, 400), d_s: (1, 60), d_w: (1, 60), d_sw: (0, 60), c_sw: (-4, 4)}
"""Sampling range per symbol; any other symbol is drawn from (0, 4] or [0, 4] by its sign."""

_OPS = {"==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass
class SpotCheck:
    """Outcome of :func:`spot_check`; true when every point satisfied the relation."""

    ok: bool
    points: int
    skipped: int
    counterexample: dict | None = None
    values: tuple = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.ok


def _draw(symbol, rng, ranges) -> sp.Rational:
    lo, hi = ranges.get(symbol, (0, 4))
    if symbol.is_integer:
        return sp.Integer(int(rng.integers(max(lo, 1 if symbol.is_positive else lo), hi + 1)))
    den = int(rng.integers(1, 98))
    num = int(rng.integers(int(np.ceil(lo * den)), int(np.floor(hi * den)) + 1))
    if symbol.is_positive and num <= 0:
        num = 1
    return sp.Rational(Fraction(num, den))


def random_point(symbols, conds, rng, ranges=None, max_tries: int = 10_000) -> dict:
    """Draw one rational point (``{symbol: value}``) satisfying all ``conds`` by rejection."""
    ranges = {**DEFAULT_RANGES, **(ranges or {})}
    symbols = sorted(symbols, key=lambda s: s.name)
    for _ in range(max_tries):
        point = {s: _draw(s, rng, ranges) for s in symbols}
        if all(c.xreplace(point) == sp.true for c in conds):
            return point
    raise ValueError(f"could not draw a point satisfying {conds} within ranges {ranges}")


def _restrict(expr, point) -> dict:
    needed = expr.free_symbols.union(*[c.free_symbols for c in conditions(expr)])
    return {s.name: v for s, v in point.items() if s in needed}


def spot_check(lhs, rhs, n_points: int = 20, seed=0, assume=(), op: str = "==",
               ranges=None) -> SpotCheck:
    r"""Compare ``lhs op rhs`` exactly at ``n_points`` random rational points.

    Points satisfy the conditions of both sides (:func:`theory.conditions`) plus the extra
    ``assume``. Points where either side has a vanishing denominator are skipped and counted.

    Parameters
    ----------
    lhs, rhs : str or sympy.Expr
        Registered names or expressions.
    n_points : int, default 20
        Number of points at which both sides are evaluated.
    seed : int or numpy.random.SeedSequence, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same points.
    assume : iterable of sympy relationals
        Extra assumptions restricting the points (for example ``d_sw < d_w``).
    op : {"==", "<", "<=", ">", ">="}
        Relation to check.
    ranges : dict, optional
        ``{symbol: (low, high)}`` overriding :data:`DEFAULT_RANGES`.

    Returns
    -------
    SpotCheck
        Truthy iff the relation held at every point; ``counterexample`` holds the first failure.
    """
    if op not in _OPS:
        raise ValueError(f"op must be one of {tuple(_OPS)}, got {op!r}")
    if not isinstance(n_points, int) or n_points < 1:
        raise ValueError(f"n_points must be a positive integer, got {n_points!r}")
    lhs, _ = resolve(lhs)
    rhs, _ = resolve(rhs)
    conds = tuple(dict.fromkeys(conditions(lhs) + conditions(rhs) + tuple(assume)))
    symbols = lhs.free_symbols | rhs.free_symbols
    symbols = symbols.union(*[c.free_symbols for c in conds])
    rng = np.random.default_rng(seed)
    values, skipped = [], 0
    while len(values) < n_points:
        point = random_point(symbols, conds, rng, ranges)
        try:
            a, b = (evaluate_exact(side, **_restrict(side, point)) for side in (lhs, rhs))
        except ValueError:
            skipped += 1
            if skipped > 100 * n_points:
                raise
            continue
        values.append((a, b))
        if not _OPS[op](a, b):
            return SpotCheck(False, len(values), skipped, point, tuple(values))
    return SpotCheck(True, len(values), skipped, None, tuple(values))
