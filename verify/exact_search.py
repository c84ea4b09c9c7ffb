r"""Exact searches for counterexamples over sampled rational configurations.

A search draws a batch of exact configurations (:mod:`verify.exact_sampler`), screens a
*target* condition (e.g. "the paper's PGR bound fails") and optionally a *restriction* (a
sufficient condition the claim is stated under) in floats with a rigorous error bound
(:mod:`verify.float_screen`), and decides in exact ``Fraction`` arithmetic every point the
screen cannot clear: every restriction verdict the floats leave open, and every point inside the
restriction where the target is not certainly false. So the verdict is exact -- a float can only
clear a point whose exact value is certainly on the safe side -- and a reported counterexample
is evaluated exactly, then shrunk greedily (:func:`verify.exact_sampler.shrink`) with the
exact predicate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from verify import float_screen
from verify.exact_sampler import ExactBatch, Family, sample, shrink, unique


@dataclass
class Condition:
    """A conjunction of sign conditions on exact points.

    Parameters
    ----------
    exact : callable
        ``exact(point) -> bool``: the truth, in exact arithmetic (a point as
        :meth:`verify.exact_sampler.Raw.point` gives it).
    terms : callable
        ``terms() -> ((expr, strict), ...)``: the same condition as SymPy expressions in the
        theory's symbols, each ``expr > 0`` (``strict``) or ``expr >= 0``; used for the float
        screen only (built on first use, then kept).
    N_min : callable, optional
        ``N_min(batch, floats) -> int array``, a valid lower bound on ``N`` implied by the
        condition (see :func:`verify.exact_sampler.sample`), so that a restricted search draws
        inside it by construction.
    """

    exact: Callable
    terms: Callable
    N_min: Callable | None = None
    _built: tuple | None = field(default=None, repr=False)

    def built_terms(self) -> tuple:
        if self._built is None:
            self._built = tuple(self.terms())
        return self._built

    def screen(self, values: dict) -> np.ndarray:
        """+1 certainly holds, -1 certainly fails, 0 undecided (per point)."""
        return float_screen.screen(self.built_terms(), values)

    def decide(self, batch: ExactBatch, values: dict) -> tuple[np.ndarray, int]:
        """Exact truth per point (floats where they are certain, Fractions elsewhere) and the
        number of exact evaluations."""
        s = self.screen(values)
        open_ = np.flatnonzero(s == 0)
        for i in open_:
            s[i] = 1 if self.exact(batch.point(int(i))) else -1
        return s == 1, len(open_)


@dataclass
class SearchResult:
    """Outcome of :func:`search`.

    ``drawn`` configurations were sampled, ``dropped`` of them outside the restriction by
    construction (its lower bound on N beyond the family's range), ``distinct`` remained after
    removing repeats; ``inside`` of those satisfy the restriction (exactly), ``flagged`` were
    counterexamples by the float screen, ``exact_evaluations`` points were evaluated in
    Fractions; ``counterexample`` is the shrunk exact counterexample (``None`` if none),
    ``found`` the one before shrinking."""

    drawn: int
    dropped: int
    distinct: int
    inside: int
    flagged: int
    exact_evaluations: int
    counterexample: dict | None = None
    found: dict | None = None
    shrink_evaluations: int = 0
    float_false_alarms: int = 0

    def details(self) -> dict:
        return {"drawn": self.drawn, "dropped_by_construction": self.dropped, "distinct": self.distinct,
                "inside_restriction": self.inside, "float_flagged": self.flagged,
                "exact_evaluations": self.exact_evaluations, "shrink_evaluations": self.shrink_evaluations,
                "float_false_alarms": self.float_false_alarms}


def _simplest_first(batch: ExactBatch, idx: np.ndarray) -> np.ndarray:
    # small dimensions, then small n and N: the shrinker then starts close to a minimum
    keys = (batch.N[idx], batch.n[idx], batch.d_s[idx] + batch.d_w[idx])
    return idx[np.lexsort(keys)]


def search(rng: np.random.Generator, size: int, family: Family, target: Condition,
           restrict: Condition | None = None, shrink_evals: int = 3000, starts: int = 8) -> SearchResult:
    """Search ``size`` sampled configurations for a point of ``restrict`` where ``target`` holds.

    The points where the float screen flags the target are evaluated exactly, simplest first
    (smallest ``d_s + d_w``, then ``n``, then ``N``), until ``starts`` are confirmed; if none
    is, every point the screen left undecided is evaluated exactly. Each confirmed counterexample
    is shrunk with the exact predicate ``restrict and target``
    (:func:`verify.exact_sampler.shrink`; ``shrink_evals`` predicate calls for all starts
    together) and the simplest result is reported (fewest dimensions,
    then fewest non-zero target coordinates, then smallest ``n + N``): greedy shrinking stops in
    local minima, several starts reach a simpler one.
    """
    batch, dropped = sample(rng, size, family, None if restrict is None else restrict.N_min)
    batch = unique(batch)
    values = batch.floats()
    exact_n = 0
    if restrict is None:
        inside = np.ones(len(batch), dtype=bool)
    else:
        inside, exact_n = restrict.decide(batch, values)
    t = target.screen(values)
    flagged = _simplest_first(batch, np.flatnonzero(inside & (t == 1)))
    undecided = _simplest_first(batch, np.flatnonzero(inside & (t == 0)))
    found, false_alarms = [], 0
    for group in (flagged, undecided):
        for i in group:
            if len(found) >= starts:
                break
            exact_n += 1
            if target.exact(batch.point(int(i))):
                found.append(int(i))
            else:
                false_alarms += group is flagged
        if found:
            break
    res = SearchResult(drawn=size, dropped=dropped, distinct=len(batch), inside=int(inside.sum()),
                       flagged=len(flagged), exact_evaluations=exact_n, float_false_alarms=false_alarms)
    if not found:
        return res

    def pred(p):
        return (restrict is None or restrict.exact(p)) and target.exact(p)

    best = None
    for i in found:  # shrink_evals is the budget of all starts together
        if best is not None and res.shrink_evaluations >= shrink_evals:
            break
        raw, calls = shrink(batch.raw(i), pred, max(shrink_evals - res.shrink_evaluations, 1))
        res.shrink_evaluations += calls
        if best is None or _simplicity(raw) < _simplicity(best[1]):
            best = (i, raw)
    res.found, res.counterexample = batch.point(best[0]), best[1].point()
    return res


def _simplicity(r) -> tuple:
    # smaller dimensions, fewer non-zero target coordinates, smaller n + N, then simpler
    # cosines and noise: the order in which a reader finds a counterexample simplest
    coords = r.x + r.y + r.zs + r.zw + (r.zo,)
    return (r.d_s + r.d_w, sum(c != 0 for c in coords), r.n + r.N, sum(r.tj), sum(map(abs, coords)), r.s2)


__all__ = ["Condition", "SearchResult", "search"]
