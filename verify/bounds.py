r"""The paper's PGR and OPR lower bounds in exact rational arithmetic.

Evaluated at exact configurations (:func:`verify.strategies.exact_points`: a dict of
Fractions and integers keyed by the theory symbol names), with no rounding, so that a found
counterexample is a proof. This module holds what the bound searches of
:mod:`verify.claimsets.complexity` and the domain of ``core.paper.pgr_lower_bound``
(:mod:`verify.claimsets.core`) share: the exact ratios and bounds (:func:`exact`), where a bound
fails (:func:`bound_fails`) and the sufficient conditions under which it holds (derivations in
notes/complexity.md).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

import theory
from verify.exact_search import Condition
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2

ARGS = (n, N, d_s, d_w, d_sw, sigma2, rho_s, rho_w, b_w2s, m_sw)
"""The arguments of the exact callables, in order."""
BOUNDS = ("pgr", "opr")


def exact_fn(expr):
    """Fraction-exact callable of an expression in ARGS (integer constants only)."""
    f = sp.lambdify(ARGS, expr, modules="math", docstring_limit=0)

    def call(p):
        return f(*(p[a.name] for a in ARGS))
    return call


# Built on first use (lambdifying the six expressions costs about a second), then kept.
_FN: dict = {}


def exact(name: str):
    """Exact callable ``f(point) -> Fraction`` of ``pgr``, ``opr`` (ratios of expected risks,
    exact form), ``pgr_lb``, ``opr_lb`` (the paper's bounds), ``gain`` (weak minus W2S risk) or
    ``gap`` (weak minus ceiling risk)."""
    if name not in _FN:
        exprs = {
            "pgr": lambda: theory.pgr("exact"), "opr": lambda: theory.opr("exact"),
            "pgr_lb": theory.pgr_lower_bound, "opr_lb": theory.opr_lower_bound,
            "gain": lambda: theory.risk("weak") - theory.risk("w2s"),
            "gap": lambda: theory.risk("weak") - theory.risk("ceiling"),
        }
        if name not in exprs:
            raise ValueError(f"name must be one of {tuple(exprs)}, got {name!r}")
        _FN[name] = exact_fn(exprs[name]())
    return _FN[name]


def bound_fails(bound: str, p) -> bool:
    """The paper's ``bound`` (``"pgr"`` or ``"opr"``) is violated at the exact point ``p``: the
    exact ratio is below it (PGR only where the weak-ceiling gap is positive, where the ratio is
    defined and the bound is claimed)."""
    if bound not in BOUNDS:
        raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
    if bound == "pgr" and not exact("gap")(p) > 0:
        return False
    return exact(bound)(p) < exact(f"{bound}_lb")(p)


# --- sufficient conditions (derivations in notes/complexity.md) ------------------------------
def pgr_bound_sufficient(p) -> bool:
    r"""PGR bound holds if W2S does not lose to the teacher (gain >= 0), the weak-ceiling gap is
    positive and :math:`N (d_w + 1) \ge n (d_s + 1)` (proved for :math:`\rho = 0`; searched
    with bias)."""
    return (exact("gain")(p) >= 0 and exact("gap")(p) > 0
            and p["N"] * (p["d_w"] + 1) >= p["n"] * (p["d_s"] + 1))


def opr_bound_sufficient(p) -> bool:
    r"""OPR bound holds if :math:`N \ge n`,
    :math:`M := N - d_s - 1 \ge \max(2 d_s, 2 d_s (n - d_s - 1)/(d_s + 1))`
    and :math:`d_{swM} (n - d_s - 1) \le (d_s + 1)(n - d_w - 1)` with
    :math:`d_{swM} = d_{sw} + d_s (d_w - d_{sw})/M` (proved; see notes/complexity.md). Without
    bias :math:`N \ge n` alone suffices."""
    nn, NN, ds, dw, dsw = p["n"], p["N"], p["d_s"], p["d_w"], p["d_sw"]
    M = NN - ds - 1
    dswM = dsw + Fraction(ds) * (dw - dsw) / M
    return (NN >= nn and M >= 2 * ds and M * (ds + 1) >= 2 * ds * (nn - ds - 1)
            and dswM * (nn - ds - 1) <= (ds + 1) * (nn - dw - 1))


def n_le_N(p) -> bool:
    """N >= n"""
    return p["N"] >= p["n"]


# --- the same conditions for the exact searches (verify.exact_search) ------------------------
# Each Condition pairs the exact predicate above (the truth) with the same inequalities as SymPy
# expressions (for the float screen) and, for the restrictions, the lower bound on N they imply
# (so that the search draws inside them). tests/verify/test_exact_search.py checks that each
# screen agrees with its exact predicate.
def _expr(name):
    return {"pgr": lambda: theory.pgr("exact"), "opr": lambda: theory.opr("exact"),
            "pgr_lb": theory.pgr_lower_bound, "opr_lb": theory.opr_lower_bound,
            "gain": lambda: theory.risk("weak") - theory.risk("w2s"),
            "gap": lambda: theory.risk("weak") - theory.risk("ceiling")}[name]()


def _ceil_div(a, b):
    return -((-a) // b)


def _pgr_N_min(batch, values):
    # N (d_w + 1) >= n (d_s + 1), in integers
    return _ceil_div(batch.n * (batch.d_s + 1), batch.d_w + 1)


def _opr_N_min(batch, values):
    # N >= n, M >= 2 d_s, M (d_s + 1) >= 2 d_s (n - d_s - 1) in integers; and, where
    # d_sw < d_w, d_swM (n - d_s - 1) <= (d_s + 1)(n - d_w - 1) needs
    # M >= d_s (d_w - d_sw) / (R - d_sw) with R = (d_s + 1)(n - d_w - 1)/(n - d_s - 1) > d_sw.
    # d_sw is a float there: the bound is loosened by SLACK (a valid lower bound, never tighter;
    # the condition itself is decided exactly) and a point is dropped only where R < d_sw - SLACK.
    ds, dw, nn = batch.d_s, batch.d_w, batch.n
    a = nn - ds - 1
    M_min = np.maximum(2 * ds, _ceil_div(2 * ds * a, ds + 1))
    dsw = values["d_sw"][0]
    slack = 1e-6
    R = (ds + 1) * (nn - dw - 1) / a
    den = R - dsw + slack
    num = ds * (dw - dsw - slack)
    with np.errstate(divide="ignore", invalid="ignore"):
        m3 = np.where((num > 0) & (den > 2 * slack), np.floor(num / den * (1 - 1e-9)), 0)
    impossible = (num > 0) & (den <= 0)
    M_min = np.maximum(M_min, m3.astype(np.int64))
    out = np.maximum(nn, ds + 1 + M_min)
    return np.where(impossible, np.iinfo(np.int64).max // 4, out)


def _n_N_min(batch, values):
    return batch.n


def _opr_terms():
    M = N - d_s - 1
    dswM = d_sw + d_s * (d_w - d_sw) / M
    return ((N - n, False), (M - 2 * d_s, False), (M * (d_s + 1) - 2 * d_s * (n - d_s - 1), False),
            ((d_s + 1) * (n - d_w - 1) - dswM * (n - d_s - 1), False))


_CONDITIONS: dict = {}


def condition(name: str):
    """The :class:`verify.exact_search.Condition` of ``"pgr_fails"``, ``"opr_fails"``
    (:func:`bound_fails`), ``"pgr_sufficient"``, ``"opr_sufficient"`` or ``"n_le_N"`` (the
    predicates above)."""
    if name not in _CONDITIONS:
        made = {
            "pgr_fails": lambda: Condition(lambda p: bound_fails("pgr", p), lambda: (
                (_expr("gap"), True), (_expr("pgr_lb") - _expr("pgr"), True))),
            "opr_fails": lambda: Condition(lambda p: bound_fails("opr", p), lambda: (
                (_expr("opr_lb") - _expr("opr"), True),)),
            "pgr_sufficient": lambda: Condition(pgr_bound_sufficient, lambda: (
                (_expr("gain"), False), (_expr("gap"), True),
                (N * (d_w + 1) - n * (d_s + 1), False)), _pgr_N_min),
            "opr_sufficient": lambda: Condition(opr_bound_sufficient, _opr_terms, _opr_N_min),
            "n_le_N": lambda: Condition(n_le_N, lambda: ((N - n, False),), _n_N_min),
        }
        if name not in made:
            raise ValueError(f"name must be one of {tuple(made)}, got {name!r}")
        _CONDITIONS[name] = made[name]()
    return _CONDITIONS[name]


__all__ = ["ARGS", "BOUNDS", "exact_fn", "exact", "bound_fails", "pgr_bound_sufficient",
           "opr_bound_sufficient", "n_le_N", "condition"]
