r"""Direct, vectorised sampling of exact rational configurations, and a greedy shrinker.

The family is that of :func:`verify.strategies.exact_points` (the Hypothesis strategy, kept for
users' own tests), drawn with a NumPy ``Generator`` instead of Hypothesis' engine (about 3 ms an
example there, microseconds here):

* dimensions :math:`d_s, d_w` uniform in :math:`\{1, \dots, \text{max\_dim}\}`;
* for each of the :math:`k = \min(d_s, d_w)` canonical pairs a Pythagorean cosine from
  :math:`t \in \{0, 1/10, \dots, 1\}` (:func:`verify.strategies.pythagorean`);
* target coordinates (two per pair, one per strong-only and weak-only direction and one
  orthogonal) multiples of 1/16 in :math:`[-\text{size}, \text{size}]`, each zero with
  probability 1/2 and otherwise uniform (``bias=False``: all zero);
* :math:`n = \max(d_s, d_w) + 2 + j`, :math:`N = d_s + 2 + J` with :math:`j` (:math:`J`) with
  probability 1/2 uniform in :math:`\{0, \dots, 2 d_w + 2\}` (:math:`\{0, \dots, 2 d_s + 2\}`,
  near the OLS thresholds and :math:`N = 2 d_s + 1`, where the bounds are tightest) and otherwise
  uniform in :math:`\{0, \dots, \text{max\_n}\}` (:math:`\{0, \dots, \text{max\_N}\}`);
* :math:`\sigma^2` uniform in :math:`\{1/16, \dots, 64/16\}`.

Where a search is restricted to a condition that implies a lower bound :math:`N \ge N_{min}`,
:func:`sample` draws :math:`N` inside it directly: the same mixture started at
:math:`L = \max(d_s + 2, N_{min})` (near: :math:`\{L, \dots, L + 2 d_s + 2\}`, wide:
:math:`\{L, \dots, d_s + 2 + \text{max\_N}\}`), so no point of the family inside the condition is
excluded; points with :math:`L` beyond the family's range are dropped and counted.

A batch holds integers only (numerators); :meth:`ExactBatch.floats` gives the geometry in floats
with an error bound (for :mod:`verify.float_screen`), :meth:`ExactBatch.point` the exact
configuration (a dict of Fractions and integers, as ``exact_points`` returns it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from verify.float_screen import U
from verify.strategies import rational_geometry

T_DEN = 10   # cosine parameters t = j / 10
C_DEN = 16   # target coordinates and sigma2 are multiples of 1/16
S2_MAX = 64  # sigma2 numerators 1..64


@dataclass(frozen=True)
class Family:
    """Parameters of the family (those of :func:`verify.strategies.exact_points`)."""

    bias: bool = True
    max_dim: int = 8
    max_n: int = 300
    max_N: int = 400
    size: Fraction = Fraction(3)

    def __post_init__(self):
        for name in ("max_dim", "max_n", "max_N"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < (1 if name == "max_dim" else 0):
                raise ValueError(f"{name} must be an integer >= {1 if name == 'max_dim' else 0}, got {v!r}")
        if not Fraction(self.size) >= 0 or (Fraction(self.size) * C_DEN).denominator != 1:
            raise ValueError(f"size must be a multiple of 1/{C_DEN} >= 0, got {self.size!r}")


@dataclass(frozen=True)
class Raw:
    """One configuration as integers: ``tj`` (cosine parameters t = j/10, k of them), the target's
    coordinates ``x, y`` (k pairs), ``zs`` (strong-only), ``zw`` (weak-only), ``zo`` (orthogonal)
    in 1/16, ``s2`` (sigma2 in 1/16), and ``d_s, d_w, n, N``."""

    d_s: int
    d_w: int
    tj: tuple
    x: tuple
    y: tuple
    zs: tuple
    zw: tuple
    zo: int
    n: int
    N: int
    s2: int

    def valid(self) -> bool:
        k = min(self.d_s, self.d_w)
        return (self.d_s >= 1 and self.d_w >= 1 and len(self.tj) == len(self.x) == len(self.y) == k
                and len(self.zs) == max(0, self.d_s - self.d_w) and len(self.zw) == max(0, self.d_w - self.d_s)
                and all(0 <= j <= T_DEN for j in self.tj) and self.s2 >= 1
                and self.n >= max(self.d_s, self.d_w) + 2 and self.N >= self.d_s + 2)

    def point(self) -> dict:
        """The exact configuration (keys as :func:`verify.strategies.exact_points`)."""
        ts = [Fraction(j, T_DEN) for j in self.tj]
        q = lambda v: [Fraction(a, C_DEN) for a in v]  # noqa: E731
        g = rational_geometry(self.d_s, self.d_w, ts, q(self.x), q(self.y), q(self.zs), q(self.zw),
                              Fraction(self.zo, C_DEN))
        return dict(n=self.n, N=self.N, d_s=self.d_s, d_w=self.d_w, sigma2=Fraction(self.s2, C_DEN),
                    **g, cos_t=[str(t) for t in ts])

    def with_dims(self, d_s: int, d_w: int) -> "Raw":
        """The same configuration in other dimensions: pairs, strong-only and weak-only
        coordinates truncated or padded with t = 0 (full overlap) and zero coordinates."""
        k = min(d_s, d_w)
        pad = lambda v, m: tuple(v[:m]) + (0,) * max(0, m - len(v))  # noqa: E731
        return dataclasses.replace(self, d_s=d_s, d_w=d_w, tj=pad(self.tj, k), x=pad(self.x, k),
                                   y=pad(self.y, k), zs=pad(self.zs, max(0, d_s - d_w)),
                                   zw=pad(self.zw, max(0, d_w - d_s)))


@dataclass
class ExactBatch:
    """Configurations as integer arrays (unused slots zero); see the module docstring."""

    d_s: np.ndarray
    d_w: np.ndarray
    tj: np.ndarray   # (B, max_dim), first k used
    x: np.ndarray
    y: np.ndarray
    zs: np.ndarray   # (B, max_dim), first max(0, d_s - d_w) used
    zw: np.ndarray
    zo: np.ndarray
    n: np.ndarray
    N: np.ndarray
    s2: np.ndarray

    def __len__(self) -> int:
        return len(self.d_s)

    def take(self, idx) -> "ExactBatch":
        return ExactBatch(**{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)})

    def raw(self, i: int) -> Raw:
        ds, dw = int(self.d_s[i]), int(self.d_w[i])
        k = min(ds, dw)
        ints = lambda a, m: tuple(int(v) for v in a[i, :m])  # noqa: E731
        return Raw(ds, dw, ints(self.tj, k), ints(self.x, k), ints(self.y, k),
                   ints(self.zs, max(0, ds - dw)), ints(self.zw, max(0, dw - ds)), int(self.zo[i]),
                   int(self.n[i]), int(self.N[i]), int(self.s2[i]))

    def point(self, i: int) -> dict:
        return self.raw(i).point()

    def floats(self) -> dict:
        """Symbol name -> (float value, error bound) for :func:`verify.float_screen.evaluate`.

        The geometry follows :func:`verify.strategies.rational_geometry` term by term; its
        error is bounded by ``64 u`` times the sum of the magnitudes of the terms (each term is a
        product of at most four factors bounded by those magnitudes, summed over at most
        ``max_dim`` slots)."""
        j = self.tj.astype(float)
        c = (T_DEN ** 2 - j * j) / (T_DEN ** 2 + j * j)
        s = 2 * T_DEN * j / (T_DEN ** 2 + j * j)
        X, Y = self.x / C_DEN, self.y / C_DEN
        Zs, Zw, Zo = self.zs / C_DEN, self.zw / C_DEN, self.zo / C_DEN
        k = np.minimum(self.d_s, self.d_w)
        pair = np.arange(self.tj.shape[1])[None, :] < k[:, None]
        p = c * X + s * Y
        sq = lambda a: np.sum(np.where(pair, a, 0.0), axis=1)  # noqa: E731
        zs2, zw2, zo2 = np.sum(Zs ** 2, axis=1), np.sum(Zw ** 2, axis=1), Zo ** 2
        g = {
            "d_sw": sq(c * c),
            "rho_s": sq(Y * Y) + zw2 + zo2,
            "rho_w": sq(X * X + Y * Y - p * p) + zs2 + zo2,
            "b_w2s": sq((X - c * p) ** 2 + Y * Y) + zs2 + zw2 + zo2,
            "m_sw": sq((s * p) ** 2) + zw2,
        }
        mag = k + 4 * sq(X * X + Y * Y) + zs2 + zw2 + zo2
        err = 64 * U * mag
        out = {name: (v, err) for name, v in g.items()}
        zero = np.zeros(len(self))
        out.update(n=(self.n.astype(float), zero), N=(self.N.astype(float), zero),
                   d_s=(self.d_s.astype(float), zero), d_w=(self.d_w.astype(float), zero),
                   sigma2=(self.s2 / C_DEN, zero))  # s2 / 16 is exact in binary
        return out


def _coords(rng, shape, family: Family) -> np.ndarray:
    if not family.bias:
        return np.zeros(shape, dtype=np.int64)
    k = int(Fraction(family.size) * C_DEN)
    vals = rng.integers(-k, k, size=shape, endpoint=True)
    return np.where(rng.random(shape) < 0.5, 0, vals)


def _mixture(rng, low, near_span, wide_high):
    """Half uniform in {low, .., min(low + near_span, wide_high)}, half in {low, .., wide_high}."""
    hi = np.where(rng.random(low.shape) < 0.5, np.minimum(low + near_span, wide_high), wide_high)
    return rng.integers(low, hi, endpoint=True)


def sample(rng: np.random.Generator, size: int, family: Family = Family(),
           N_min: Callable | None = None) -> tuple[ExactBatch, int]:
    """``size`` configurations of the family, and how many of them were dropped because the
    restriction's lower bound ``N_min`` lay beyond the family's largest ``N``.

    Parameters
    ----------
    rng : numpy.random.Generator
    size : int
        Number of draws (>= 1).
    family : Family
    N_min : callable, optional
        ``N_min(batch, floats) -> int array``: a lower bound on ``N`` implied by the search's
        restriction, given everything but ``N`` (``batch.N`` is a placeholder there). It must be
        a valid bound (every point of the restriction has ``N >= N_min``); it only shapes the
        proposal, the restriction itself is still decided exactly.
    """
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    D = family.max_dim
    ds = rng.integers(1, D, size=size, endpoint=True)
    dw = rng.integers(1, D, size=size, endpoint=True)
    k = np.minimum(ds, dw)
    slot = np.arange(D)[None, :]
    pair = slot < k[:, None]
    tj = np.where(pair, rng.integers(0, T_DEN, size=(size, D), endpoint=True), 0)
    x = np.where(pair, _coords(rng, (size, D), family), 0)
    y = np.where(pair, _coords(rng, (size, D), family), 0)
    zs = np.where(slot < np.maximum(ds - dw, 0)[:, None], _coords(rng, (size, D), family), 0)
    zw = np.where(slot < np.maximum(dw - ds, 0)[:, None], _coords(rng, (size, D), family), 0)
    zo = _coords(rng, (size,), family)
    n_low = np.maximum(ds, dw) + 2
    n = _mixture(rng, n_low, 2 * dw + 2, n_low + family.max_n)
    s2 = rng.integers(1, S2_MAX, size=size, endpoint=True)
    batch = ExactBatch(ds, dw, tj, x, y, zs, zw, zo, n, np.zeros(size, dtype=np.int64), s2)
    N_low = ds + 2
    N_high = N_low + family.max_N
    if N_min is not None:
        N_low = np.maximum(N_low, np.asarray(N_min(batch, batch.floats()), dtype=np.int64))
    feasible = N_low <= N_high
    batch.N = _mixture(rng, np.where(feasible, N_low, ds + 2), 2 * ds + 2, N_high)
    if feasible.all():
        return batch, 0
    return batch.take(np.flatnonzero(feasible)), int(size - feasible.sum())


def unique(batch: ExactBatch) -> ExactBatch:
    """The batch without repeated configurations (first occurrences, in order)."""
    cols = [batch.d_s[:, None], batch.d_w[:, None], batch.tj, batch.x, batch.y, batch.zs, batch.zw,
            batch.zo[:, None], batch.n[:, None], batch.N[:, None], batch.s2[:, None]]
    return batch.take(first_rows(np.hstack(cols).astype(np.int64, copy=False)))


def first_rows(rows: np.ndarray) -> np.ndarray:
    """Indices, ascending, of the first occurrence of each distinct row of an integer matrix:
    ``np.sort(np.unique(rows, axis=0, return_index=True)[1])``.

    Rows are grouped by a 64-bit hash (one stable integer sort instead of ``np.unique``'s sort of
    whole rows, several times faster on the searches' 50,000 draws); every row is then compared
    with the first row of its group, and should two different rows share a hash the answer
    comes from ``np.unique`` itself, so the result is exact either way."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.intp)
    h = _row_hash(rows)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    start = np.ones(len(rows), dtype=bool)
    start[1:] = hs[1:] != hs[:-1]
    group = np.cumsum(start) - 1
    lead = order[start][group]        # first (smallest) index of each element's hash group
    if not (rows[order] == rows[lead]).all():
        _, first = np.unique(rows, axis=0, return_index=True)   # a collision: the slow, exact way
        return np.sort(first)
    return np.sort(order[start])


def _row_hash(rows: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of an ``int64`` matrix (polynomial, wrapping modulo 2**64)."""
    h = np.zeros(len(rows), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows.shape[1]):
            h = h * np.uint64(0x9E3779B97F4A7C15) + rows[:, j].view(np.uint64)
            h ^= h >> np.uint64(29)
    return h


# --- shrinking ------------------------------------------------------------------------------------
def _toward_zero(v: int):
    """Candidates replacing an integer, simplest first: 0, then halves, then one step closer."""
    out = [0]
    h = int(v / 2)
    while h not in out and h != v:
        out.append(h)
        h = int((h + v) / 2) if abs(v - h) > 1 else v
    step = v - (1 if v > 0 else -1)
    if v != 0 and step not in out:
        out.append(step)
    return [c for c in out if c != v]


def _down_to(v: int, low: int):
    """Candidates replacing an integer ``v >= low``, smallest first: ``low``, then bisection
    points towards ``v``, then ``v - 1``."""
    out, lo = [], low
    while lo < v and lo not in out:
        out.append(lo)
        lo = (lo + v) // 2 if v - lo > 1 else v
    return out


def _zero_target(r: Raw) -> list:
    # the whole target at 0 at once, keeping the cosines or with one common cosine parameter
    # (a zero target may need other angles: Hypothesis' shrinker reached such points by moving
    # several choices together, which coordinate-wise steps cannot)
    if not any(r.x + r.y + r.zs + r.zw + (r.zo,)):
        return []
    z = dataclasses.replace(r, x=(0,) * len(r.x), y=(0,) * len(r.y), zs=(0,) * len(r.zs),
                            zw=(0,) * len(r.zw), zo=0)
    return [z] + [dataclasses.replace(z, tj=(j,) * len(r.tj)) for j in range(T_DEN + 1)
                  if (j,) * len(r.tj) != r.tj]


def shrink(raw: Raw, pred: Callable[[dict], bool], max_evals: int = 3000) -> tuple[Raw, int]:
    """Greedy, deterministic shrinking of a configuration satisfying ``pred`` (on exact points).

    Passes over the coordinates in a fixed order -- dimensions (smaller ``d_s``, ``d_w``),
    the whole target at zero (with the cosines kept or all set to one common value),
    ``N`` and ``n`` (towards their OLS thresholds), the cosine parameters (towards t = 0, full
    overlap), the target coordinates (towards 0) and ``sigma2`` (towards 1/16) -- each trying
    the simplest candidate values first and keeping a change only if the exact predicate still
    holds, until a pass changes nothing or ``max_evals`` predicate calls are spent. Returns the
    shrunk configuration (it satisfies ``pred``) and the number of calls made.
    """
    evals = [0]

    def ok(r: Raw) -> bool:
        if evals[0] >= max_evals or not r.valid():
            return False
        evals[0] += 1
        try:
            return bool(pred(r.point()))
        except ZeroDivisionError:
            return False

    def first(cands):
        for c in cands:
            if ok(c):
                return c
        return None

    cur, changed = raw, True
    while changed and evals[0] < max_evals:
        changed = False
        steps = [
            lambda r: [r.with_dims(d, r.d_w) for d in _down_to(r.d_s, 1)],
            lambda r: [r.with_dims(r.d_s, d) for d in _down_to(r.d_w, 1)],
            _zero_target,
            lambda r: [dataclasses.replace(r, N=v) for v in _down_to(r.N, r.d_s + 2)],
            lambda r: [dataclasses.replace(r, n=v) for v in _down_to(r.n, max(r.d_s, r.d_w) + 2)],
        ]
        for name in ("tj", "x", "y", "zs", "zw"):
            for i in range(len(getattr(cur, name))):
                steps.append(lambda r, name=name, i=i: [
                    dataclasses.replace(r, **{name: getattr(r, name)[:i] + (c,) + getattr(r, name)[i + 1:]})
                    for c in _toward_zero(getattr(r, name)[i])] if i < len(getattr(r, name)) else [])
        steps.append(lambda r: [dataclasses.replace(r, zo=c) for c in _toward_zero(r.zo)])
        steps.append(lambda r: [dataclasses.replace(r, s2=c) for c in _down_to(r.s2, 1)])
        for step in steps:
            new = first(step(cur))
            if new is not None:
                cur, changed = new, True
    return cur, evals[0]


__all__ = ["Family", "Raw", "ExactBatch", "sample", "unique", "shrink"]
