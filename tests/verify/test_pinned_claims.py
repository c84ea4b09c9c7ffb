"""Same seed, same outcomes: observations of a sample of built-in claims pinned across refactors.

The digests were first computed by this file's :func:`_digest` in a checkout of the ``stats``
branch at 597131b (issue 14's Hall-corrected tests; without issue 19's restructuring of
``verify``: the claim pipeline, the complexity strategies, the quantity names), which that
restructuring kept. They were recomputed once, on main after merging issue 16's power changes
(threshold configurations of regime claims, structural MDE targets, the claim domain from the
registered theory) and issue 14's skewness-aware power of the complexity predictions, changes
meant to alter outcomes, and for the custom group again after the quick bound searches went from 400 to 800 draws; moving the regime strategies into ``verify.strategies`` afterwards kept
them; the custom group once more when the misfit identities stopped drawing configurations
with V_w inside V_s (both sides identically 0); the custom group again when the exact searches
(bound searches, threshold draws, the PGR-overshoot refutation) moved from Hypothesis to the
direct sampler of ``verify.exact_sampler`` (issue 17: same statuses, other draws, 25x more
points, a smaller shrunk counterexample). Computed with
Hypothesis' pool of the project's literals emptied (:func:`_without_local_constants`): with
that pool, the draws depend on which modules a process has loaded, so the pins would depend on
the tests run before them and on every literal a refactor moves. They pin every
observation's label, configuration, estimate, standard error, theory value, p-values, trials,
status, details and the claims' statuses, for a small context (one random configuration, one
power-seeking one, few trials) and a sample covering an expectation claim with the oracle on and
off, an equivalence, a known-false claim, a regime claim, exact-rational complexity searches and
a simulated custom claim.

Numbers are rounded to 10 significant digits, so a change of BLAS build that moves the last
bits does not trip the pin while any change of seeds, configurations, trials or decisions does.
If this test fails after a change to ``verify``, that change altered the outcomes; recompute
(``python -m tests.verify.test_pinned_claims``) only where the change is meant to, and say so in
the commit.
"""
import contextlib
import hashlib
import json
import math

import pytest

from verify.claimsets import REGISTRY
from verify.context import Context
from verify.runner import run_claims

SEED = 20261129

GROUPS = {
    "expectation": ["core.w2s.exact", "core.pgr.exact", "core.paper.w2s.variance",
                    "core.paper.w2s.bias"],
    "custom": ["complexity.threshold.beat_teacher.exact", "complexity.flip.teacher.variance_only",
               "complexity.bounds.pgr.everywhere", "complexity.bounds.opr.sufficient.variance_only",
               "complexity.pgr.never_exceeds_limit", "complexity.threshold.opr_gt_1.exact",
               "core.misfit.finite_N"],
    "regimes": ["regimes.w2s.interp_ols"],
}

PINNED = {
    'expectation-True': 'a1e87671ad388e5c8a34d838631b9e5d3738b7973a7dd8ad2812cda1dc2ad087',
    'expectation-False': 'fe6252e026f8d37541d8a550de23069b72f7e145ee37e3765ac186bfcadce2e8',
    'custom-True': '1839b8027ed3331af18fa6c73b0193f9a3e1b635909b2616775411d18f7f500b',
    'regimes-True': 'e108f6d7332fc5cad9155937a78387c157cf6ce4033931e63bf61ae841d0a825',
}


def _round(x):
    if isinstance(x, float):
        if not math.isfinite(x):
            return repr(x)
        return float(f"{x:.10g}")
    if isinstance(x, dict):
        return {str(k): _round(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_round(v) for v in x]
    return x


_KEYS = ("claim", "label", "config", "alternative", "estimate", "stderr", "theory", "scale",
         "margin", "p_value", "pass_p_value", "status", "trials", "rejected", "details")


@contextlib.contextmanager
def _without_local_constants():
    """Hypothesis (>= 6.131) mixes numeric literals of the loaded project modules into its
    draws: the drawn configurations then depend on which modules a process has imported and on
    every literal in them (a refactor that moves a constant changes them). The pins compare
    behaviour, so that pool is emptied while they are computed (the mechanism of
    ``verify.strategies`` on the ``speed`` branch, which does the same in the tool's draws)."""
    from hypothesis.internal.conjecture import providers  # internal: the pool has no setting

    get, cache, empty = providers._get_local_constants, providers.CONSTANTS_CACHE, providers.Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = get
        cache.cache.clear()


def _outcomes(names, oracle=True):
    by_name = {c.name: c for c in REGISTRY}
    claims = [by_name[n] for n in names]
    ctx = Context.preset("quick", seed=SEED, examples=1, fragile=1, trials=64, trials_budget=256,
                         power_budget=256, pool_budget=256, oracle=oracle)
    with _without_local_constants():
        res = run_claims(claims, ctx, shrink=False)
    return {"statuses": [[r.name, r.status] for r in res.results],
            "observations": [_round({k: getattr(o, k) for k in _KEYS})
                             for r in res.results for o in r.observations]}


def _digest(group, oracle=True):
    text = json.dumps(_outcomes(GROUPS[group], oracle), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


CASES = [("expectation", True), ("expectation", False), ("custom", True), ("regimes", True)]


@pytest.mark.parametrize("group,oracle", CASES)
def test_outcomes_unchanged(group, oracle):
    assert _digest(group, oracle) == PINNED[f"{group}-{oracle}"]


if __name__ == "__main__":  # print the digests (see the module docstring)
    for g, o in CASES:
        print(f"    {f'{g}-{o}'!r}: {_digest(g, o)!r},")
