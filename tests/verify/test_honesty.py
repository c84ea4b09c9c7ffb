"""Honesty: the verifier flags wrong claims as `fail` and passes correct ones across seeds.

Each run puts wrong and correct claims on the same regimes, so they share simulations and one
Holm family, as in a real run.
"""
import pytest

from theory.symbols import d_s, d_w, n, rho_s, rho_w, sigma2
from verify.claims import Claim
from verify.context import Context
from verify.runner import run_claims
from verify.strategies import Regime

ZERO = dict(theta_s=(0.0, 0.0), theta_w=(0.0, 0.0), theta_o=(0.0, 0.0))
# small n: n - d_w - 1 in [4, 5] (finite variance needs n - d_w > 3), where writing n - d_w for
# n - d_w - 1 changes the weak risk by 1/(n - d_w) = 17-20 %
SMALL_N = Regime(d_s=(1, 2), d_w=(3, 5), n_margin=(4, 5), N_margin=(12, 30), **ZERO)
STRONG = Regime(d_s=(2, 5), d_w=(1, 2), n_margin=(8, 20), N_margin=(12, 30))

WRONG = [
    Claim("wrong.weak.sigma2_dw_over_n", "weak", sigma2 * d_w / n, regime=SMALL_N),
    Claim("wrong.weak.n_minus_dw", "weak", rho_w + (sigma2 + rho_w) * d_w / (n - d_w), regime=SMALL_N),
    Claim("wrong.strong.dropped_ds", "strong", rho_s + (sigma2 + rho_s) / (n - d_s - 1), regime=STRONG),
]
RIGHT = [
    Claim("right.weak", "weak", "risk.weak.exact", regime=SMALL_N),
    Claim("right.strong", "strong", "risk.strong.exact", regime=STRONG),
]


def _ctx(seed, **kw):
    opts = dict(seed=seed, examples=2, trials=2048, trials_budget=8192, resolution=0.1)
    opts.update(kw)
    return Context(**opts)


def test_wrong_claims_fail_and_right_ones_pass():
    result = run_claims(WRONG + RIGHT, _ctx(11, examples=1), shrink=False)
    status = {r.name: r.status for r in result.results}
    for c in WRONG:
        assert status[c.name] == "fail", (c.name, status)
    for c in RIGHT:
        assert status[c.name] != "fail", (c.name, status)
    # the n - d_w error is the subtle one: every check of it had the power to see it
    (r,) = [r for r in result.results if r.name == "wrong.weak.n_minus_dw"]
    stat = [o for o in r.observations if o.alternative != "none"]  # not the oracle's verdict
    assert stat and all(o.mde < abs(o.deviation) for o in stat)
    assert result.exit_code == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_correct_claims_pass_across_seeds(seed):
    claims = [Claim(f"right.{q}", q, f"risk.{q}.exact", regime=Regime(d_s=(2, 5), d_w=(2, 5)))
              for q in ("weak", "strong", "ceiling", "w2s")]
    result = run_claims(claims, _ctx(seed, examples=1, trials=1024, resolution=0.2), shrink=False)
    assert [r.status for r in result.results] == ["pass"] * 4, [(r.name, r.status) for r in result.results]
    assert result.exit_code == 0


def test_failing_claim_is_shrunk_to_a_counterexample():
    ctx = _ctx(5, trials=1024, trials_budget=2048, resolution=0.3)
    ctx.quick = True  # the small shrinking budget
    result = run_claims([WRONG[0]], ctx, shrink=True)
    (r,) = result.results
    assert r.status == "fail"
    ce = r.counterexample
    assert {"config", "theory", "estimate", "stderr", "shrunk"} <= set(ce)
    assert abs(ce["estimate"] - ce["theory"]) > 3 * ce["stderr"]
    # shrinking moves toward Hypothesis' simplest configurations: never larger than the original
    assert ce["config"]["d_w"] <= ce["original"]["d_w"] or not ce["shrunk"]


def test_known_false_claims_are_expected_outcomes():
    claim = Claim("known.false", "weak", sigma2 * d_w / n, regime=SMALL_N, expect="fail")
    result = run_claims([claim], _ctx(2, trials=1024, resolution=0.3), shrink=False)
    (r,) = result.results
    assert r.status == "fail" and r.as_expected and result.exit_code == 0
