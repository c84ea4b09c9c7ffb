"""Calibration: over many seeds, correct claims raise false alarms at (no more than) the stated rate.

Slow: about 80 independent runs. alpha is raised to 0.05 here so that a miscalibration would be
visible with this many runs; the run-level (family-wise) false-alarm count and the per-test
rejection count are both compared with their binomial reference at a 0.001 significance level.
"""
import numpy as np
import pytest

from verify import stats
from verify.claims import Claim
from verify.context import Context
from verify.runner import run_claims
from verify.strategies import Regime

RUNS = 80
ALPHA = 0.05
REGIME = Regime(d_s=(2, 5), d_w=(2, 5))
CLAIMS = [Claim(f"right.{q}", q, f"risk.{q}.exact", regime=REGIME) for q in ("weak", "strong", "w2s")]


@pytest.mark.slow
def test_false_alarm_rate_is_consistent_with_alpha():
    family_alarms = 0
    p_values = []
    for seed in range(RUNS):
        # resolution 10 stops the adaptive loop at the initial trials: calibration, not power
        ctx = Context(seed=1000 + seed, alpha=ALPHA, examples=2, trials=1024, trials_budget=1024, resolution=10.0)
        result = run_claims(CLAIMS, ctx, shrink=False)
        family_alarms += any(r.status == "fail" for r in result.results)
        p_values += [o.p_value for r in result.results for o in r.observations]
    p_values = np.array(p_values)
    k, k01 = int(np.sum(p_values <= 0.05)), int(np.sum(p_values <= 0.01))
    print(f"\nfalse alarms: {family_alarms}/{RUNS} runs at alpha={ALPHA}; "
          f"{k}/{p_values.size} tests with p <= 0.05, {k01} with p <= 0.01")
    # family-wise: Holm keeps P(any false alarm) <= alpha
    assert stats.binomial_upper_p(family_alarms, RUNS, ALPHA) > 1e-3, family_alarms
    # per test: two-sided z tests reject at level 0.05 about 5 % of the time (both tails checked)
    assert stats.binomial_upper_p(k, p_values.size, 0.05) > 1e-3, k
    assert stats.binomial_upper_p(p_values.size - k, p_values.size, 0.95) > 1e-3, k
    # and at a smaller level, where skewed per-trial risks would show first
    assert stats.binomial_upper_p(k01, p_values.size, 0.01) > 1e-3, k01
