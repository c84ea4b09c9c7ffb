"""verify/claimsets/real.py: the UTKFace dimensions against the chance law, synthetic controls."""
import math

import numpy as np
import pytest

from numeric.features import chance_moments
from theory import haar
from verify import Context, run_claims
from verify.claimsets import registry
from verify.claimsets import real as R


def test_registered_by_default():
    names = [c.name for c in registry()]
    ours = [c.name for c in R.CLAIMS]
    assert set(ours) <= set(names) and all(n.startswith("real.") for n in ours)
    assert [c.name for c in R.CLAIMS if c.expect == "fail"] == ["real.authors.invariant"]


def test_packaged_data_has_the_five_published_numbers():
    data = R.utkface_authors()
    assert data["source"]["repository"] == "dyjdongyijun/w2s_intrinsic_dim"
    assert set(data["correlation_dims_vs_clipb32"]) == {"resnet18", "resnet34", "resnet50",
                                                        "resnet101", "resnet152"}
    assert data["intrinsic_dims"]["clipb32"] == {"d": 443, "width": 768}


def test_every_claim_has_its_expected_outcome_with_verdicts_in_words():
    ctx = Context(seed=3, examples=1, trials=512, trials_budget=2048, resolution=0.1, quick=True)
    results = run_claims(R.CLAIMS, ctx, shrink=False).results
    for r in results:
        assert r.as_expected, (r.name, r.status, [(o.label, o.status) for o in r.observations])
        assert r.status in ("pass", "fail")  # powered: nothing inconclusive
    auth = next(r for r in results if r.name == "real.utkface.authors_chance")
    words = [o.label for o in auth.observations]
    assert sum(": chance;" in w for w in words) == 5
    assert "all five UTKFace d_sw are chance" in words[-1]


def test_wrong_chance_laws_are_rejected_by_the_published_numbers():
    # Power: the published numbers are far from the chance law under plausible wrong ambient
    # dimensions (the wider width, or no sketch correction), so "chance" is not vacuous.
    data = R.utkface_authors()
    dims = data["intrinsic_dims"]
    d_s = dims["clipb32"]["d"]
    for weak, printed in data["correlation_dims_vs_clipb32"].items():
        d_w, w = dims[weak]["d"], dims[weak]["width"]
        D = min(w, 768)
        mean, var = haar.overlap_moments(d_w, d_s, D)
        assert abs(printed - mean) / math.sqrt(var) < 1.0  # measured: every |z| < 0.93
        wrong_mean, wrong_var = haar.overlap_moments(d_w, d_s, max(w, 768))
        assert abs(printed - wrong_mean) / math.sqrt(wrong_var) > 50
        # "d_sw = min(d_w, d_s)" (fully shared) is far off as well
        assert abs(printed - min(d_w, d_s)) / math.sqrt(var) > 50


@pytest.mark.parametrize("a, b, D", [(1, 1, 2), (3, 5, 9), (194, 443, 512), (615, 443, 768),
                                     (40, 60, 3000), (7, 7, 7)])
def test_numeric_chance_law_is_the_symbolic_one(a, b, D):
    exact = haar.overlap_moments(a, b, D, exact=True)
    np.testing.assert_allclose(chance_moments(a, b, D), [float(v) for v in exact], rtol=1e-13)
