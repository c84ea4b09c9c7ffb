"""Ridge fits in both engines (issue 20): ridge 0 is today's code bit for bit, the accumulators
agree with an explicit dense ridge solve on the same data, and the wishart engine (generic path
for a ridge teacher, fast path with idle marginalisation for a ridge student only) has the joint
law of the samples engine and of the naive reference."""
import hashlib
import json

import numpy as np
import pytest

import numeric
from numeric import Scenario
from numeric.store import scenario_digest

from ._stats import holm
from .reference import naive_trials, same_data_risks
from .test_engines import _two_sample_pvalues

KEYS = ("weak", "strong", "ceiling", "w2s", "misfit")


def _cases():
    th = np.linspace(0.2, 1.0, 4 + 7 + 1)
    yield "tall", Scenario(4, 7, 30, 40, 0.5, cosines=[1, 0.6, 0.3, 0.0], theta=th)
    yield "wide_teacher", Scenario(4, 7, 5, 40, 0.5, cosines=[1, 0.6, 0.3, 0.0], theta=th)
    yield "wide_student", Scenario(6, 3, 30, 4, 0.3, d_sw=1.5, theta=np.linspace(-1, 1, 10))
    yield "idle", Scenario.from_block_energies(5, 20, 60, 50, 0.2, d_sw=3, both=1.0,
                                               weak_only=0.5, neither=0.1)


# SHA-256 prefixes of the per-trial bytes (weak, strong, ceiling, w2s, misfit) of
# simulate(sc, 40, seed=11, engine=...) computed at commit 1010bfd, before ridge existed.
GOLDEN = {
    "tall/samples": "ea15242fe46c0626237d4648a757598c",
    "tall/wishart": "12d1ddbb2e688370147bbeb62ddf54a0",
    "wide_teacher/samples": "ef826dd30d89c6fe85ff015a3b12d4d9",
    "wide_teacher/wishart": "2ca2f6c9a9aeeb01dbe92773d2f6c12c",
    "wide_student/samples": "42a9c24778a99a6438ebca30bf0f9f1f",
    "wide_student/wishart": "b06642712717d70c7aafb43e0fdccfc9",
    "idle/samples": "2a261aff4d18caf5edf4b9b8034c120d",
    "idle/wishart": "3963897d4acf6588fbc11e9989f3f49a",
}


def _digest(res):
    h = hashlib.sha256()
    for k in KEYS:
        h.update(np.ascontiguousarray(res.per_trial[k]).tobytes())
    return h.hexdigest()[:32]


@pytest.mark.parametrize("engine", ["samples", "wishart"])
def test_ridge_zero_is_bit_identical_to_ridgeless(engine):
    for name, sc in _cases():
        for s in (sc, sc.replace(lambda_w=0.0, lambda_s=0.0)):
            assert _digest(numeric.simulate(s, 40, seed=11, engine=engine)) == GOLDEN[f"{name}/{engine}"]


@pytest.mark.parametrize("lam", [(0.3, 0.0), (0.0, 0.2), (0.5, 1e-3)])
def test_accumulators_match_dense_ridge_on_same_data(lam):
    rng = np.random.default_rng(5)
    for name, sc in _cases():
        sc = sc.replace(lambda_w=lam[0], lambda_s=lam[1])
        got, want = same_data_risks(sc, rng)
        for b, w in enumerate(want):
            for k in KEYS:
                assert got[k][b] == pytest.approx(w[k], rel=1e-9, abs=1e-12), (name, k)


_LAW_CASES = {
    # (scenario, penalties): a ridge teacher takes the wishart generic path (n >= p and n < p),
    # a ridge student alone keeps the fast path with the idle directions marginalised.
    "teacher-tall": (lambda: Scenario.from_block_energies(4, 9, 30, 20, 0.3, d_sw=2, both=1.0,
                                                         weak_only=0.4, neither=0.1), (0.4, 0.0)),
    "teacher-wide": (lambda: Scenario(4, 7, 5, 12, 0.5, cosines=[1, 0.6, 0.3, 0.0],
                                      theta=np.linspace(0.2, 1.0, 12)), (0.3, 0.1)),
    "student-idle": (lambda: Scenario.from_block_energies(4, 9, 30, 6, 0.3, d_sw=2, both=1.0,
                                                         weak_only=0.4, neither=0.1), (0.0, 0.5)),
}


def test_ridge_engines_match_naive_reference():
    T = 800
    pvals = {}
    for i, (tag, (make, (lw, ls))) in enumerate(_LAW_CASES.items()):
        sc = make().replace(lambda_w=lw, lambda_s=ls)
        ref = naive_trials(sc.V_s, sc.V_w, sc.theta, sc.n, sc.N, sc.sigma2, T,
                           np.random.default_rng(300 + i), lam_w=lw, lam_s=ls)
        for engine in ("samples", "wishart"):
            got = numeric.simulate(sc, T, seed=400 + i, engine=engine).per_trial
            pvals.update(_two_sample_pvalues(f"{tag}/{engine}", got, ref))
    assert holm(pvals) == []


def test_ridge_law_check_has_power():
    # Negative control: the reference with the teacher's penalty off by 30% is rejected.
    make, (lw, ls) = _LAW_CASES["teacher-tall"]
    sc = make().replace(lambda_w=lw, lambda_s=ls)
    T = 800
    ref = naive_trials(sc.V_s, sc.V_w, sc.theta, sc.n, sc.N, sc.sigma2, T,
                       np.random.default_rng(9), lam_w=1.3 * lw, lam_s=ls)
    got = numeric.simulate(sc, T, seed=10, engine="wishart").per_trial
    assert holm(_two_sample_pvalues("neg", got, ref)) != []


def test_scenario_penalties_files_and_digest(tmp_path):
    sc = Scenario(3, 4, 10, 12, 0.5, d_sw=1.0)
    assert "lambda_w" not in sc.to_dict()                  # ridgeless files unchanged
    r = sc.replace(lambda_w=0.25, lambda_s=0.5)
    assert r != sc and r.ridge and not sc.ridge
    assert scenario_digest(r) != scenario_digest(sc)
    assert scenario_digest(sc.replace(lambda_w=0.0)) == scenario_digest(sc)
    for ext in ("json", "toml"):
        path = tmp_path / f"s.{ext}"
        r.save(path)
        back = Scenario.load(path)
        assert back == r and (back.lambda_w, back.lambda_s) == (0.25, 0.5)
    (tmp_path / "old.json").write_text(json.dumps(sc.to_dict()))
    assert Scenario.load(tmp_path / "old.json").lambda_w == 0.0
    with pytest.raises(ValueError, match="lambda_s"):
        sc.replace(lambda_s=-1.0)
