"""The runner: one Holm family across claims, planning, custom-claim protocol, exit codes."""
import pytest

from verify.claims import CustomClaim, Observation
from verify.context import Context
from verify.runner import ClaimResult, exit_code, run_claims


class Fixed(CustomClaim):
    """Emits fixed observations (a custom claim, as other claim sets write them)."""

    def __init__(self, name, observations, expect="pass", planned=1):
        super().__init__(name, expect=expect)
        self._obs, self._planned = observations, planned

    def plan(self, ctx):
        return self._planned

    def run(self, ctx):
        return [Observation(**vars(o)) for o in self._obs]


def _z(p_two_sided, label="t"):
    """An eq observation with the given two-sided p-value and ample power."""
    from scipy.stats import norm

    z = norm.isf(p_two_sided / 2)
    return Observation.test(label, 1.0 + z * 1e-3, 1e-3, 1.0, "two-sided", resolution=0.1)


class Boom(CustomClaim):
    def run(self, ctx):
        raise RuntimeError("kaboom")


def test_one_holm_family_across_claims():
    a = Fixed("a", [_z(0.0006)])
    b = Fixed("b", [_z(0.9)])
    ctx = Context(seed=0)
    alone = run_claims([a], ctx, shrink=False)
    assert alone.results[0].status == "fail"  # alone (m = 1): 0.0006 <= alpha = 0.001, rejected
    both = run_claims([a, b], Context(seed=0), shrink=False)
    # together m = 2: the smallest p-value meets alpha/2 = 0.0005, and 0.0006 does not
    assert [r.status for r in both.results] == ["pass", "pass"]
    assert both.summary["m"] == 2 and both.summary["level"] == pytest.approx(0.0005)


def test_planning_level_is_alpha_over_planned_hypotheses():
    ctx = Context(seed=0, alpha=0.01)
    run_claims([Fixed("a", [], planned=3), Fixed("b", [], planned=2)], ctx, shrink=False)
    assert ctx.planning_level == pytest.approx(0.01 / 5)


def test_confirmatory_observations_need_confirmation():
    confirmed = Observation.test("A < B", 0.5, 0.01, 0.0, "less", scale=1.0, resolution=None)
    unconfirmed = Observation.test("A < B", 0.01, 0.01, 0.0, "less", scale=1.0, resolution=None)
    r = run_claims([Fixed("yes", [confirmed]), Fixed("maybe", [unconfirmed])], Context(seed=0), shrink=False)
    assert [x.status for x in r.results] == ["pass", "inconclusive"]


def test_a_crashing_claim_is_inconclusive_and_the_run_goes_on():
    r = run_claims([Boom("boom"), Fixed("ok", [Observation.check("fine", "pass")])], Context(seed=0), shrink=False)
    assert [x.status for x in r.results] == ["inconclusive", "pass"]
    assert "kaboom" in r.results[0].error
    assert r.exit_code == 3


def test_exit_codes():
    def res(status, expect="pass"):
        c = Fixed(f"c{status}{expect}", [], expect=expect)
        return ClaimResult(c, [], status=status)
    assert exit_code([res("pass"), res("fail", "fail")]) == 0
    assert exit_code([res("pass"), res("inconclusive")]) == 3
    assert exit_code([res("fail"), res("inconclusive")]) == 1
    assert exit_code([res("pass", "fail")]) == 1  # a known-false claim that passes is news
    assert exit_code([res("inconclusive", "fail")]) == 3


def test_worst_deviation_is_the_most_adverse():
    obs = [Observation.test("ge", 1.5, 0.01, 1.0, "less", scale=1.0),
           Observation.test("ge", 1.1, 0.01, 1.0, "less", scale=1.0)]
    r = ClaimResult(Fixed("x", []), obs)
    assert r.worst_deviation == pytest.approx(0.1)  # the smallest slack above the bound
