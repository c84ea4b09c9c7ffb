"""Same seed, same outcomes: observations of a sample of built-in claims pinned across refactors.

The digests below were computed at commit 5e08ba5 (the branch point of this test) (before issue 19's restructuring of
``verify``: the claim pipeline, the complexity strategies, the quantity names) by this file's
:func:`_digest`. They pin every observation's label, configuration, estimate, standard error,
theory value, p-values, trials, status, details and the claims' statuses, for a small context (one random
configuration, one power-seeking one, few trials) and a sample covering an expectation claim with
the oracle on and off, an equivalence, a known-false claim, a regime claim, exact-rational
complexity searches and a simulated custom claim.

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
    'expectation-True': 'ef4304556ec7fd50e48dabc0e083e0d21a6337ffaafbf35166b330c6be7df4d0',
    'expectation-False': '9606bcbdba084fb31fbb6e38239b28eaedb6865c4860d2043c4679f543984e06',
    'custom-True': '40c41feef3f37d15c31c7a4d068c07aabe627f33ecd5c01b5b9cb151f85bb155',
    'regimes-True': '9d39dc1126fb1aa01fa525204c121ef3056ac136268de14d29d6ea7faa20c5ad',
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
