"""Asymptotic claims (issue 20): the slope test, and every registered asymptotic claim passes while
its perturbed formula fails."""
import numpy as np
import pytest
import sympy as sp

import theory
from theory.symbols import d_s, d_sw, d_w
from verify import Context, run_claims
from verify.asymptotic import AsymptoticClaim, decay_fit
from verify.claimsets import asymptotic as A


@pytest.fixture(scope="module")
def quick():
    return Context.preset("quick")


def _status(results):
    return {r.claim.name: r.observations[0].status for r in results.results}


def _perturbed():
    out = []
    for m, dim in (("weak", d_w), ("strong", d_s), ("ceiling", d_s), ("w2s", d_sw)):
        # off by one in a dimension: the limit is still right but the error is O(1/s), not O(s^-2)
        # (for w2s, d_w enters only the O(1/(nN)) term, so the O(1/n) inherited term gets d_sw + 1)
        lim = theory.risk(m, "asymptotic").subs(dim, dim + 1)
        out.append(A.paper_claim(m, limit=lim, name=f"bad.paper.{m}", expect="fail"))
    for m in ("weak", "strong", "ceiling", "w2s"):
        for f in (sp.Rational(103, 100), sp.Rational(97, 100)):      # a wrong limit (3 % off)
            lim = theory.formula(f"ridge.risk.{m}").expr * f
            out.append(A.ridge_claim(m, limit=lim, name=f"bad.ridge.{m}.{f}", expect="fail"))
    lim = theory.formula("ridge.risk.w2s.student_ols").expr * sp.Rational(103, 100)
    out.append(A.ridge_claim("w2s", limit=lim, name="bad.ridge.ridgeless_student",
                             values=A.ridgeless_student_values, expect="fail"))
    return out


def test_registered_pass_and_perturbed_fail(quick):
    results = run_claims(list(A.CLAIMS) + _perturbed(), quick)
    status = _status(results)
    for c in A.CLAIMS:
        assert status[c.name] == "pass", (c.name, results)
    teacher = [r for r in results.results if r.claim.name == "asymptotic.ridge.teacher_penalty_shift"][0]
    assert [o.status for o in teacher.observations] == ["pass", "pass"]
    for name, st in status.items():
        if name.startswith("bad."):
            assert st == "fail", name


def test_decay_fit_recovers_power_law_and_drops_unresolved():
    s = np.array([1, 2, 4, 8, 16.0])
    fit = decay_fit(s, 3 * s**-1.5, np.zeros(5))
    assert fit.slope == pytest.approx(-1.5, abs=1e-9) and fit.slope_se < 1e-9
    se = np.full(5, 0.01)
    fit = decay_fit(s, [0.5, 0.25, 0.125, 0.02, 0.001], se)
    assert list(fit.used) == [True, True, True, False, False]
    assert decay_fit(s, [0.5, 0.25, 0.001, 0.001, 0.001], se) is None


def test_unresolved_deviation_is_inconclusive(quick):
    # A limit equal to the truth up to noise: nothing to fit, so no pass by default.
    c = AsymptoticClaim("t.flat", lambda s: 1.0, lambda ctx, s: (1.0 + 1e-6, 0.01), sizes=(1, 2, 4),
                        rate=1.0)
    assert _status(run_claims([c], quick))["t.flat"] == "inconclusive"


@pytest.mark.parametrize("kw, match", [
    (dict(sizes=(1, 2)), "sizes"), (dict(sizes=(4, 2, 1)), "sizes"), (dict(rate=0), "rate"),
    (dict(tolerance=1.5), "tolerance"),
])
def test_bad_arguments(kw, match):
    args = dict(sizes=(1, 2, 4), rate=1.0)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        AsymptoticClaim("t.bad", lambda s: 0.0, lambda ctx, s: (0.0, 0.0), **args)
