r"""Power-seeking configurations, chosen from a claim's formula alone.

A claim about an expectation can only be refuted where the claimed value and the true value
differ by more than the test resolves. A wrong formula is usually *one edit* away from the
right one -- a denominator off by one, two dimensions swapped, a term missing or mis-scaled --
and such an edit changes the value by a few per cent far from the thresholds and by tens of per
cent near them. So, before anything is simulated, the design:

1. builds a grid of candidate configurations of the claim's regime at its corners
   (:func:`candidates`): each sample size at the low and high end of its margin above its
   threshold, the extreme dimension pairs (``d_s`` far from ``d_w`` both ways, and equal),
   every overlap kind the regime allows (none, integer, full, and *fractional* ``d_sw`` --
   all cosines :math:`\sqrt{1/2}` or :math:`\sqrt{0.9}`), bias off and on (each target
   component alone, and all), both ends of the noise range;
2. perturbs the claim's own expression by every *single edit* of the kinds above
   (:func:`mutations`): each denominator factor (or count symbol in a denominator) :math:`\pm 1`,
   the swaps :math:`d_s \leftrightarrow d_w`, :math:`\rho_s \leftrightarrow \rho_w`,
   :math:`n \leftrightarrow N`, each summand dropped from a sum (a missing term, a missing
   :math:`\rho_w` in :math:`\sigma^2 + \rho_w`), and a 10 % error in each additive term;
3. picks the few candidates that together come closest to the largest change of *every* edit,
   relative to the claim's scale (greedy coverage, :func:`fragile_configs`).

The mutation set is symmetric: if the truth is one edit away from the claim, the claim is one
edit away from the truth, and the edit's sensitivity is largest where the two differ most. No
simulated number is looked at, so the configurations need no re-simulation with fresh seeds: the
tests run at them are as honest as at randomly drawn ones. The registered exact theory is *not*
used here (that is the oracle's job, :mod:`verify.oracle`), so ``--simulation-only`` measures
the simulation's own power.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from theory.symbols import BY_NAME, N, d_s, d_w, n, rho_s, rho_w
from verify.strategies import Regime, base_sizes, config_geometry

COUNT_SYMBOLS = (n, N, d_s, d_w)
SWAPS = ((d_s, d_w), (rho_s, rho_w), (n, N))
_SWAP_WEIGHT = {(d_s, d_w): 1.0, (rho_s, rho_w): 0.25, (n, N): 0.25}
TERM_ERROR = 0.10
"""Relative error of one additive term that the power statement is about (the issue's 10 %)."""
KINDS = ("off-by-one", "swap", "drop", "term")
# Weight of each kind of edit in the coverage (fragile_configs): an off-by-one is the common
# and subtle slip, resolved only near a threshold; a swap of d_s and d_w needs unequal
# dimensions (and, inside a term, a fractional overlap); a dropped summand and a 10 % error in
# a term need the term to dominate. Gross swaps (rho_s <-> rho_w, n <-> N) change the value by
# tens of per cent almost anywhere and get a quarter vote.
KIND_WEIGHT = {"off-by-one": 1.0, "swap": 1.0, "drop": 0.5, "term": 0.5}
# Fractional overlaps: every cosine squared 1/2 or 0.9 (d_sw = k/2, 0.9 k).
_FRACTIONAL_COS2 = (0.5, 0.9)
_THETA_SEED = 1


@dataclass(frozen=True)
class Mutation:
    """One single edit of a claim's expression: ``kind`` in :data:`KINDS`, a readable
    ``label``, the edited expression ``expr`` and, for ``term`` edits, the ``term``."""

    kind: str
    label: str
    expr: sp.Expr
    term: sp.Expr | None = None
    weight: float = 1.0


def terms(expr) -> tuple:
    """The top-level additive terms of ``expr`` as written (one term if it is not a sum)."""
    return sp.Add.make_args(sp.sympify(expr))


def mutations(expr) -> list[Mutation]:
    """Every single edit of ``expr`` the design looks for (see the module docstring)."""
    expr = sp.sympify(expr)
    out: list[Mutation] = []
    seen = {expr}
    for p in sorted(expr.atoms(sp.Pow), key=sp.default_sort_key):
        base = p.base
        if not (p.exp.is_number and p.exp < 0 and base.free_symbols & set(COUNT_SYMBOLS)):
            continue
        if not (base.is_Add or base in COUNT_SYMBOLS):
            continue
        for delta in (1, -1):
            e2 = expr.xreplace({p: (base + delta) ** p.exp})
            if e2 not in seen:
                seen.add(e2)
                out.append(Mutation("off-by-one", f"{base} -> {base + delta}", e2))
    for a, b in SWAPS:
        e2 = expr.xreplace({a: b, b: a})
        if e2 not in seen:
            seen.add(e2)
            out.append(Mutation("swap", f"{a} <-> {b}", e2, weight=_SWAP_WEIGHT[(a, b)]))
    # d_s <-> d_w inside one additive term only (the reduced term's d_w (d_s - d_sw) for
    # d_s (d_w - d_sw)): a whole-formula swap also moves the other terms, so its change is not
    # the one such a slip makes, and it may be largest where this one is small
    ts = terms(expr)
    if len(ts) > 1:
        for t in ts:
            t2 = t.xreplace({d_s: d_w, d_w: d_s})
            e2 = expr - t + t2
            if t2 != t and e2 not in seen:
                seen.add(e2)
                out.append(Mutation("swap", f"d_s <-> d_w in term {t}", e2, weight=0.5))
    # a summand dropped from a sum that is not a denominator (sigma2 + rho_w -> sigma2, a
    # whole term of the formula missing)
    denominators = {p.base for p in expr.atoms(sp.Pow) if p.exp.is_number and p.exp < 0}
    for a in sorted(expr.atoms(sp.Add) - denominators, key=sp.default_sort_key):
        for x in a.args:
            if not x.free_symbols:
                continue
            e2 = expr.xreplace({a: a - x})
            if e2 not in seen:
                seen.add(e2)
                out.append(Mutation("drop", f"{x} missing from {a}", e2))
    if len(ts) > 1:
        for t in ts:
            out.append(Mutation("term", f"{int(TERM_ERROR * 100)} % error in term {t}",
                                expr + TERM_ERROR * t, term=t))
    else:
        out.append(Mutation("term", f"{int(TERM_ERROR * 100)} % error in {expr}",
                            (1 + TERM_ERROR) * expr, term=expr))
    return out


# --- candidate configurations --------------------------------------------------------------------

def _ends(r) -> list:
    return sorted({r[0], r[1]})


def _cosines(k: int, overlap) -> list[list[float]]:
    out = []
    if "none" in overlap:
        out.append([0.0] * k)
    if "full" in overlap:
        out.append([1.0] * k)
    if "integer" in overlap and k >= 1:
        j = (k + 1) // 2
        out.append([1.0] * j + [0.0] * (k - j))
    if "random" in overlap:
        out += [[round(math.sqrt(c2), 6)] * k for c2 in _FRACTIONAL_COS2]
    unique = []
    for c in out:
        if c not in unique:
            unique.append(c)
    return unique


def _thetas(r: Regime) -> list[dict]:
    lo = {"s": r.theta_s[0], "w": r.theta_w[0], "o": r.theta_o[0]}
    hi = {"s": r.theta_s[1], "w": r.theta_w[1], "o": r.theta_o[1]}
    opts = [dict(lo)]
    for part in "swo":
        opts.append({**lo, part: hi[part]})
    opts.append(dict(hi))
    out = []
    for o in opts:
        o = {k: round(float(v), 6) for k, v in o.items()}
        o["seed"] = _THETA_SEED
        if o not in out:
            out.append(o)
    return out


def candidates(regime: Regime) -> list[dict]:
    """Corner configurations of ``regime`` (see the module docstring), those failing its
    ``where`` predicate left out. Deterministic: no randomness, no simulation."""
    r = regime
    out = []
    pairs = []
    for a in _ends(r.d_s):
        for b in _ends(r.d_w):
            pairs.append((a, b))
    for ds, dw in pairs:
        n_base, N_base = base_sizes(ds, dw, r)
        for nm in _ends(r.n_margin):
            for Nm in _ends(r.N_margin):
                for s2 in _ends(r.sigma2):
                    for cos in _cosines(min(ds, dw), r.overlap):
                        for th in _thetas(r):
                            out.append({"d_s": ds, "d_w": dw, "n": n_base + nm, "N": N_base + Nm,
                                        "sigma2": round(float(s2), 6), "cosines": cos, "theta": th,
                                        "features": r.features, "noise": r.noise})
    if r.where is None:
        return out
    kept = []
    for cfg in out:
        try:
            if r.where({**cfg, **config_geometry(cfg)}):
                kept.append(cfg)
        except (ValueError, ZeroDivisionError):
            continue
    return kept


def geometry_arrays(cfgs) -> dict:
    """Symbol name -> float array over the configurations ``cfgs``."""
    gs = [config_geometry(c) for c in cfgs]
    return {k: np.array([g[k] for g in gs], dtype=float) for k in gs[0]} if gs else {}


@functools.lru_cache(maxsize=512)
def _numpy_function(expr, syms):
    # A lambdify costs milliseconds, the call microseconds: planning and the oracle evaluate
    # the same few expressions (claim, theory, scale, mutations) over many grids.
    # docstring_limit=0: no docstring (printing the expression for it is ~3/4 of the cost)
    return sp.lambdify(syms, expr, "numpy", docstring_limit=0)


def values(expr, arrays: dict) -> np.ndarray:
    """``expr`` evaluated elementwise over ``arrays`` in float64 (NaN where undefined).

    Plain ``sympy.lambdify``: conditions are not checked here; a chosen configuration is
    re-checked with ``theory.evaluate`` before it is used."""
    expr = sp.sympify(expr)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    size = len(next(iter(arrays.values()))) if arrays else 0
    if not syms:
        return np.full(size, float(expr))
    for s in syms:
        if s.name not in arrays:
            raise ValueError(f"expression uses {s.name!r}, which is not a geometry symbol "
                             f"(known: {sorted(BY_NAME)})")
    f = _numpy_function(expr, tuple(syms))
    with np.errstate(all="ignore"):
        v = np.asarray(f(*[arrays[s.name] for s in syms]), dtype=float)
    v = np.broadcast_to(v, (size,)).astype(float)
    v[~np.isfinite(v)] = np.nan
    return v


@dataclass
class Choice:
    """A configuration chosen by :func:`fragile_configs`: the single edits it is (near-)best
    for, and the smallest change one of them makes to the claimed value there, in units of the
    claim's scale -- the deviation the test at this configuration should resolve
    (``sensitivity``; ``structural``: the same over its edits other than 10 % term errors, or
    ``None``)."""

    config: dict
    mutations: list
    sensitivity: float
    structural: float | None = None

    def describe(self) -> dict:
        return {"chosen_for": [m.label for m in self.mutations],
                "kinds": sorted({m.kind for m in self.mutations}),
                "sensitivity": self.sensitivity, "structural": self.structural}


def relative_spread2(quantity: str | None, arrays: dict) -> np.ndarray:
    r"""Formula-only proxy of the squared coefficient of variation of the per-trial risk of
    ``quantity`` at each candidate (ones when ``quantity`` is ``None``).

    The variance part of an OLS risk is a noise quadratic form, about a :math:`\chi^2_d / d`
    times an inverse-Wishart trace: relative variance about :math:`2/d + 2/(m - d - 1)`, with
    :math:`d` the model's dimension and :math:`m` its samples (weak: :math:`d_w, n`; strong:
    :math:`d_s, n`; ceiling: :math:`d_s, n + N`). For W2S and the ratios, whose spread mixes
    the teacher's and the student's (and where the small-dimension corners are where swaps of
    ``d_s`` and ``d_w`` show), the proxy is 1 (no weighing). At ``d = 1`` the per-trial risk
    spreads ~4x more than at ``d = 6`` (measured CV 1.8 at :math:`d_s = 1, n + N = 20`), so an
    edit's change is worth less there:
    the trials a test needs grow as :math:`\text{CV}^2 / \text{change}^2`. Only a ranking
    proxy: the trials themselves are sized from the measured standard error.
    """
    size = len(next(iter(arrays.values()))) if arrays else 0
    if quantity not in ("weak", "strong", "ceiling"):
        return np.ones(size)
    a = {k: arrays[k] for k in ("d_s", "d_w", "n", "N")}
    if quantity == "weak":
        d, gap = a["d_w"], a["n"] - a["d_w"] - 1
    elif quantity == "strong":
        d, gap = a["d_s"], a["n"] - a["d_s"] - 1
    else:   # ceiling
        d, gap = a["d_s"], a["n"] + a["N"] - a["d_s"] - 1
    return 2.0 / np.maximum(d, 1.0) + 2.0 / np.maximum(gap, 1.0)


NEAR_BEST = 0.64
"""A configuration is *near-best* for an edit where the edit's squared change reaches this
fraction of its largest (the change itself 80 %)."""


def fragile_configs(expr, regime: Regime, count: int, scale=None, valid=None,
                    pool: list[dict] | None = None, tolerance=None,
                    quantity: str | None = None) -> list[Choice]:
    r"""Up to ``count`` configurations of ``regime`` where single edits of ``expr`` change it most.

    Edit weights :math:`w_m`: each kind's vote :data:`KIND_WEIGHT` shared among its edits (the
    gross swaps count a quarter of a d_s <-> d_w swap).

    Greedy coverage: with :math:`r_m(c) \in [0, 1]` the square of the change edit :math:`m` makes
    at candidate :math:`c` divided by its largest change over all candidates (trials needed grow
    as the inverse square of the change), each step picks the candidate
    that raises :math:`\sum_m w_m \max_{c \in \text{chosen}} r_m(c)` most (ties: larger dimensions,
    whose per-trial risks spread less). So one configuration near two thresholds at once, with
    unequal dimensions and a fractional overlap, is preferred to several that are fragile to one
    edit each, and the edits nobody covers yet get the next pick.

    Parameters
    ----------
    expr : sympy.Expr
        The claimed value.
    regime : verify.strategies.Regime
    count : int
    scale : sympy.Expr, optional
        Unit of the changes (default :math:`|\text{expr}|`).
    valid : callable, optional
        Predicate on a configuration (the claim's own validity check); candidates failing it
        are never chosen.
    pool : list of dict, optional
        Candidates (default :func:`candidates` of ``regime``).
    tolerance : sympy.Expr, optional
        Relative tolerance of an ``approx`` claim: a change within :math:`\tau |\text{expr}|`
        is allowed by the claim and cannot refute it, so only the excess counts; and since such
        a claim passes only by confirmation, which must resolve the tolerance, the excess is
        capped by the tolerance (``min(excess, tolerance)``).
    quantity : str, optional
        The claim's quantity: each change is then weighed against the per-trial spread there
        (:func:`relative_spread2`), so the coverage ranks candidates by the standardised change
        :math:`\text{change}^2 / \text{CV}^2` (the inverse of the trials a test needs).

    Returns
    -------
    list of Choice
        Edits that change nothing anywhere (below 1e-9 of the scale) are ignored.
    """
    if count < 1:
        return []
    cands = list(pool if pool is not None else candidates(regime))
    if not cands:
        return []
    arrays = geometry_arrays(cands)
    base = values(expr, arrays)
    unit = np.abs(values(scale, arrays)) if scale is not None else np.abs(base)
    unit = np.where(unit > 0, unit, 1.0)
    muts, sens = [], []
    allowed = np.abs(values(tolerance, arrays) * base) / unit if tolerance is not None else 0.0
    for m in mutations(expr):
        if tolerance is not None and m.kind == "term":
            continue  # a claim with a tolerance is not about 10 % term errors
        s = np.maximum(np.abs(values(m.expr, arrays) - base) / unit - allowed, 0.0)
        if tolerance is not None:
            # An approx claim passes only by confirmation (TOST), which needs the tolerance to
            # be resolved too: where it is tiny the claim can be neither refuted nor confirmed
            # within a budget, so the usable change is capped by the tolerance.
            s = np.minimum(s, allowed)
        s[~np.isfinite(s) | ~np.isfinite(base)] = 0.0
        if np.max(s) > 1e-9:
            muts.append(m)
            sens.append(s)
    if not muts:
        return []
    S = np.array(sens)                              # edits x candidates
    # Squared: the trials a test needs to resolve a change grow as its inverse square, so a
    # configuration with 70 % of an edit's best change is worth half of the best one.
    # Weighed by the per-trial spread (a formula-only proxy; ones without a quantity).
    E = S ** 2 / relative_spread2(quantity, arrays)[None, :]
    R = E / E.max(axis=1, keepdims=True)
    # Each kind's vote (KIND_WEIGHT) is shared among its edits in proportion to their own weights,
    # so that a formula with many sums does not let its dropped-summand edits outvote the
    # off-by-ones.
    raw = np.array([m.weight for m in muts])
    kind_total = {k: sum(m.weight for m in muts if m.kind == k) for k in KINDS}
    w = np.array([KIND_WEIGHT[m.kind] * r / kind_total[m.kind] for m, r in zip(muts, raw)])
    size = np.array([c["d_s"] + c["d_w"] for c in cands], dtype=float)
    covered = np.zeros(len(muts))
    chosen: list[Choice] = []
    taken = np.zeros(len(cands), dtype=bool)
    while len(chosen) < count:
        gain = w @ (np.maximum(R, covered[:, None]) - covered[:, None])
        gain[taken] = -1.0
        top = gain.max()
        if top <= 1e-12:
            break
        near = np.flatnonzero(gain >= top - 1e-9)
        i = int(max(near, key=lambda j: (size[j], -j)))
        taken[i] = True
        # validity is checked lazily: it costs an exact evaluation per candidate
        if valid is not None and not valid(cands[i]):
            continue
        covered = np.maximum(covered, R[:, i])
        mine = [k for k in range(len(muts)) if R[k, i] >= NEAR_BEST]
        if not mine:  # no edit is near its best here: credit the one it serves best
            mine = [int(np.argmax(R[:, i]))]
        # The deviation to resolve: the smallest change of the edits this configuration was
        # chosen for (10 % term errors included: the power statement is about them).
        structural = [S[k, i] for k in mine if muts[k].kind != "term"]
        chosen.append(Choice(cands[i], [muts[k] for k in mine], float(min(S[k, i] for k in mine)),
                             float(min(structural)) if structural else None))
    return chosen


def term_shares(expr, config_geometries: list[dict], scale=None) -> dict:
    r"""For each additive term of ``expr``: its share :math:`|t_i| / \text{scale}` at each
    geometry (a list per term, keyed by the term's string)."""
    if not config_geometries:
        return {}
    arrays = {k: np.array([g[k] for g in config_geometries], dtype=float) for k in config_geometries[0]}
    base = values(expr, arrays)
    unit = np.abs(values(scale, arrays)) if scale is not None else np.abs(base)
    unit = np.where(unit > 0, unit, 1.0)
    return {str(t): [float(x) for x in np.abs(values(t, arrays)) / unit] for t in terms(expr)}


__all__ = ["Mutation", "Choice", "mutations", "terms", "candidates", "fragile_configs",
           "term_shares", "values", "geometry_arrays", "relative_spread2", "TERM_ERROR", "KINDS"]
