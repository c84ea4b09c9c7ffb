r"""The symbolic oracle: an expectation claim decided against the registered exact theory.

Where a claim's quantity has a registered exact expectation for the claim's law (Gaussian
features and noise: ``risk.<model>.exact``, ``pgr.exact``, ``opr.exact``,
``misfit.regime.ols_ols``; every expectation claim's regime keeps teacher and student OLS),
the claim is a statement about two SymPy expressions, and SymPy decides it outright:

* ``eq``: *equal* when the numerator of ``together(claim - exact)`` expands to 0 after the
  regime's own restrictions are substituted (a target of zero energy sets every target scalar
  to 0; an overlap of kind ``none`` only sets :math:`d_{sw} = 0`) -- for rational functions
  this is a proof -- confirmed by evaluating both at random points of the claim's domain at 50
  digits; *not equal* when some configuration of the claim's domain separates them (the one
  where they differ most, relative to the claim's scale, is reported with the difference, at
  50 digits);
* ``le`` / ``ge``: *false* where the exact value violates the bound at a configuration of the
  domain; *proved* when SymPy's assumptions fix the sign of the factored difference (not
  attempted where a point allowed by the symbols' assumptions already has the excluded sign,
  :func:`sign_witness`: no proof from the assumptions can exist there);
* ``approx``: *false* where the exact value is outside the claimed tolerance.

Anything else (equal at every point searched, but not provably so under the regime's
predicate; a bound SymPy cannot sign) is *undecided*: the oracle then emits no observation
and the simulation alone decides. The simulation runs in every case: where the oracle has
decided, it checks the exact theory itself. ``Context.oracle = False`` (``python -m verify
--simulation-only``) turns the oracle off.

The domain searched is the claim's corner grid (:func:`verify.design.candidates`) together with
its randomly drawn configurations; each point is screened in float64 and the decisive one is
re-evaluated with ``theory.evaluate`` (conditions checked) at 50 digits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

import theory
from theory.symbols import b_w2s, c_sw, d_sw, m_sw, p_sw, rho_s, rho_w, t2
from verify import design
from verify.observation import RELATION_SYMBOL, Observation
from verify.strategies import config_geometry

#: Registered exact expectation of each quantity (Gaussian features, OLS teacher and student).
EXACT_THEORY = {"weak": "risk.weak.exact", "strong": "risk.strong.exact",
                "ceiling": "risk.ceiling.exact", "w2s": "risk.w2s.exact", "pgr": "pgr.exact",
                "opr": "opr.exact", "misfit": "misfit.regime.ols_ols"}
PREC = 50
"""Digits of the decisive evaluations."""
DIFFERENT = 1e-30
"""Relative difference (at :data:`PREC` digits) above which two values are different: far
above the 1e-45 that 50-digit evaluation of two forms of one rational function leaves."""
SPOT_CHECKS = 5
_ZERO_TARGET = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0, t2: 0, c_sw: 0, p_sw: 0}


@dataclass
class Verdict:
    """What the oracle found: ``status`` in ``pass | fail | undecided``, a readable ``how``, and
    for a refutation the configuration where claim and exact theory differ most."""

    status: str
    how: str
    theory: str | None = None
    config: dict | None = None
    details: dict = field(default_factory=dict)

    def observation(self, claim) -> Observation | None:
        """The deterministic observation of a decided verdict (``None`` if undecided)."""
        if self.status == "undecided":
            return None
        rel = RELATION_SYMBOL[claim.relation]
        label = f"oracle: E[{claim.quantity}] {rel} claim, against {self.theory}"
        return Observation.check(label, self.status, config=self.config or {},
                                 details={"oracle": True, "how": self.how, **self.details})

    def describe(self) -> dict:
        return {"status": self.status, "how": self.how, "theory": self.theory, **self.details}


def exact_theory(claim) -> str | None:
    """Registered exact expectation for the claim's quantity and law, or ``None``."""
    if claim.features != "gaussian" or claim.regime.noise != "gaussian":
        return None
    return EXACT_THEORY.get(claim.quantity)


def claim_domain(claim) -> tuple | None:
    """Conditions of the claim's domain: those of its quantity's registered exact expectation
    (``None`` where there is none; then the expression's own conditions apply).

    A claim is about ``E[quantity]``, finite wherever the quantity's theory is: the claimed
    expression is evaluated on that domain (and the regime's), not on conditions inferred from
    its own denominators, which a wrong formula would make wrong (``N - d_s + 1`` reads as the
    interpolating condition :math:`d_s > N + 1` and would exclude every configuration)."""
    name = EXACT_THEORY.get(claim.quantity)
    return None if name is None else theory.conditions(name)


def domain_subs(regime) -> dict:
    """Substitutions the regime forces on the symbols (zero target; no overlap)."""
    subs = {}
    if all(r == (0.0, 0.0) for r in (regime.theta_s, regime.theta_w, regime.theta_o)):
        subs.update(_ZERO_TARGET)
    if tuple(regime.overlap) == ("none",):
        subs[d_sw] = 0
    return subs


def identical(a, b) -> bool:
    r"""``True`` when ``a - b`` is identically 0 as a rational function: the numerator of
    ``together(a - b)`` expands to 0 (a proof, not a numerical check)."""
    d = sp.together(sp.sympify(a) - sp.sympify(b))
    return sp.expand(sp.numer(d)) == 0


def _evaluate(expr, cfg, prec=PREC, domain=None):
    return theory.evaluate(expr, prec=prec, domain=domain, **config_geometry(cfg))


def decide(claim, points: list[dict]) -> Verdict:
    """Decide ``claim`` against its registered exact expectation over ``points`` (configurations
    of the claim's domain). ``Verdict("undecided", ...)`` where there is no exact theory."""
    name = exact_theory(claim)
    if name is None:
        return Verdict("undecided", "no registered exact expectation for this quantity and law")
    T = theory.formula(name).expr
    E = claim.expr
    dom = claim_domain(claim)
    subs = domain_subs(claim.regime)
    Ts, Es = T.subs(subs), E.subs(subs)
    where = f" under {', '.join(f'{k} = {v}' for k, v in subs.items())}" if subs else ""
    points = [p for p in points if p is not None]
    if not points:
        return Verdict("undecided", "no configuration of the claim's domain to search", theory=name)
    # Screen every point in float64: the signed gap (violation > 0) in units of the scale.
    arrays = design.geometry_arrays(points)
    tv, ev = design.values(T, arrays), design.values(E, arrays)
    sv = np.abs(design.values(claim.scale, arrays)) if claim.scale is not None else np.abs(ev)
    sv = np.where(sv > 0, sv, 1.0)
    if claim.relation == "eq":
        gap = np.abs(tv - ev) / sv
    elif claim.relation == "ge":
        gap = (ev - tv) / sv
    elif claim.relation == "le":
        gap = (tv - ev) / sv
    else:
        tol = design.values(claim.tolerance, arrays)
        gap = (np.abs(tv - ev) - tol * np.abs(ev)) / sv
    gap[~np.isfinite(gap)] = -np.inf

    with mpmath.workdps(PREC):
        for i in np.argsort(-gap, kind="stable")[:5]:
            if not gap[i] > -1e-9:
                break
            cfg = points[int(i)]
            try:
                t = _evaluate(T, cfg)
                e = _evaluate(E, cfg, domain=dom)
                s = abs(_evaluate(claim.scale, cfg)) if claim.scale is not None else abs(e)
                tol = _evaluate(claim.tolerance, cfg) if claim.relation == "approx" else 0
            except ValueError:
                continue
            s = s if s != 0 else mpmath.mpf(1)
            g = {"eq": abs(t - e), "ge": e - t, "le": t - e,
                 "approx": abs(t - e) - tol * abs(e)}[claim.relation] / s
            if g > DIFFERENT:
                rel = float((e - t) / abs(t)) if t != 0 else math.inf
                return Verdict("fail", f"the claim and {name} differ at this configuration of the "
                                       f"claim's domain (searched {len(points)} configurations)",
                               theory=name, config=cfg,
                               details={"exact": float(t), "claimed": float(e),
                                        "relative_difference": rel, "gap_in_scale_units": float(g),
                                        "searched": len(points)})
    # Nothing separates them at the points searched: a proof, or undecided.
    if claim.relation == "eq" and identical(Es, Ts):
        bad = _spot_check(E, T, points, dom)
        if bad is not None:  # cannot happen for a correct proof; reported, not hidden
            return Verdict("fail", f"simplification says equal{where} but the values differ", theory=name,
                           config=bad[0], details={"relative_difference": bad[1]})
        return Verdict("pass", f"proof: together(claim - {name}) has numerator 0{where}; equal at "
                               f"{min(SPOT_CHECKS, len(points))} configurations to {PREC - 10} digits",
                       theory=name)
    if claim.relation in ("le", "ge") and sign_witness(Ts - Es, claim.relation) is None:
        diff = sp.factor(sp.together(Ts - Es))
        sign = diff.is_nonnegative if claim.relation == "ge" else diff.is_nonpositive
        if sign:
            return Verdict("pass", f"proof: {name} - claim = {diff}{where}, of fixed sign", theory=name)
    return Verdict("undecided", f"no configuration of {len(points)} separates the claim from {name}, "
                                "but SymPy does not prove the claim on its whole domain", theory=name,
                   details={"searched": len(points)})


WITNESS_TRIES = 2048
"""Random points of the symbols' assumptions screened by :func:`sign_witness`."""


def sign_witness(diff: sp.Expr, relation: str, tries: int = WITNESS_TRIES) -> dict | None:
    r"""A point, allowed by the symbols' own assumptions, where ``diff`` has exactly the sign a
    ``relation`` bound excludes (``diff < 0`` for ``"ge"``, ``> 0`` for ``"le"``); ``None`` if
    none of ``tries`` random points is one.

    SymPy signs a factored difference from the symbols' assumptions alone (``d_s`` a positive
    integer, ``rho_w`` non-negative, ...), so where such a point exists ``is_nonnegative``
    (``is_nonpositive``) cannot be ``True`` and factoring, which costs about half a second for
    the paper's bounds, cannot give a proof. The point may lie outside the claim's domain: it is
    a witness against a proof by assumptions, not against the claim. Points are screened in
    float64 and the most violating are confirmed in exact rational arithmetic; the draw is
    seeded (0), so the answer does not depend on the run's seed."""
    symbols = sorted(diff.free_symbols, key=lambda s: s.name)
    if not symbols:
        return None
    rng = np.random.default_rng(0)
    values = []
    for s in symbols:
        if s.is_integer:
            low = 1 if s.is_positive else 0
            values.append(rng.integers(low, 65, size=tries).astype(float))
        else:
            # multiples of 1/8, so that each point converts to exact rationals
            low = 1 if s.is_positive else (0 if s.is_nonnegative else -64)
            values.append(rng.integers(low, 65, size=tries) / 8.0)
    try:
        with np.errstate(all="ignore"):
            f = sp.lambdify(symbols, diff, "numpy", docstring_limit=0)
            v = np.broadcast_to(np.asarray(f(*values), dtype=float), (tries,))
    except Exception:  # noqa: BLE001 - no float screen (e.g. complex values): no witness, factor
        return None
    bad = -v if relation == "ge" else v
    bad = np.where(np.isfinite(bad), bad, -np.inf)
    for i in np.argsort(-bad, kind="stable")[:8]:
        if not bad[i] > 0:
            break
        point = {s: sp.Rational(int(round(col[i] * 8)), 8) for s, col in zip(symbols, values)}
        if not all(_allowed(s, point[s]) for s in symbols):
            continue
        exact = diff.xreplace(point)
        if exact.is_Rational and (exact < 0 if relation == "ge" else exact > 0):
            return {s.name: point[s] for s in symbols}
    return None


def _allowed(symbol: sp.Symbol, value: sp.Rational) -> bool:
    """Whether ``value`` has every property ``symbol`` is assumed to have (or not to have)."""
    return all(getattr(value, f"is_{key}", None) == want
               for key, want in symbol.assumptions0.items() if want is not None)


def consult(claim, ctx, planned) -> Verdict | None:
    """The oracle's step of an expectation claim's check: its :class:`Verdict` over the claim's
    corner grid (``ctx.candidates``) and its ``planned`` configurations
    (:class:`verify.planning.Planned`), handed on to the observation step
    (:func:`verify.expectation.observe_claim`). ``None`` with the oracle off (``ctx.oracle``
    false, ``--simulation-only``); an error of the oracle is an undecided verdict (the oracle is
    an extra: the simulation decides)."""
    if not ctx.oracle:
        return None
    try:
        return decide(claim, ctx.candidates(claim.regime) + [p.config for p in planned])
    except Exception as exc:  # noqa: BLE001 - the oracle is an extra; the simulation decides
        return Verdict("undecided", f"oracle error: {type(exc).__name__}: {exc}")


def _spot_check(E, T, points, domain=None):
    """First point where ``E`` and ``T`` differ beyond ``10^-(PREC-10)`` relative, or ``None``."""
    step = max(len(points) // SPOT_CHECKS, 1)
    with mpmath.workdps(PREC):
        for cfg in points[::step][:SPOT_CHECKS]:
            try:
                t, e = _evaluate(T, cfg), _evaluate(E, cfg, domain=domain)
            except ValueError:
                continue
            rel = abs(t - e) / (abs(t) if t != 0 else 1)
            if rel > mpmath.mpf(10) ** (-(PREC - 10)):
                return cfg, float(rel)
    return None


__all__ = ["Verdict", "consult", "decide", "exact_theory", "claim_domain", "domain_subs", "identical", "EXACT_THEORY"]
