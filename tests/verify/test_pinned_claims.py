"""Same seed, same outcomes: observations of a sample of built-in claims pinned across refactors.

The digests below were computed by this file's :func:`_digest` in a checkout of the ``stats``
branch at e2b4340 (issue 14's Hall-corrected tests; without issue 19's restructuring of
``verify``: the claim pipeline, the complexity strategies, the quantity names). The first pins,
at 5e08ba5 before both, held through issue 19's changes until that merge. They pin every
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
    'expectation-True': '8bac51f613c92403dd262efcb22463bda6d361b425beff20e0f44f2a5fc087e7',
    'expectation-False': '42cf31555b45dc7bacd96cbedd83ef532d3fa86d705000b4cb4a041b23404b29',
    'custom-True': '6cbe1e0e84abb1cf8edf02fab4e563b8141bf2562825992baf010114c3e1b0ee',
    'regimes-True': 'f4d2e8ef3716d4fd9bc2a3e615f2436c3e1255c3790f86089e48b16f2431e569',
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


def _outcomes(names, oracle=True):
    by_name = {c.name: c for c in REGISTRY}
    claims = [by_name[n] for n in names]
    ctx = Context.preset("quick", seed=SEED, examples=1, fragile=1, trials=64, trials_budget=256,
                         power_budget=256, pool_budget=256, oracle=oracle)
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
