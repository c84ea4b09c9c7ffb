"""One validation vocabulary for numeric (issue 15): check_scalar and its messages, and the
inputs that crashed or ran away (theta = 0 with sigma2 = 0, extreme sigma2 and N, sizes that
cannot fit in memory, None and strings, one trial)."""
import re

import numpy as np
import pytest

import numeric
from numeric import memory
from numeric.validation import MAX_COUNT, as_count, as_real, check_scalar


@pytest.mark.parametrize("x, kwargs, message", [
    ("3", dict(target_type=int, min_val=1), "k must be an integer in [1, inf), got '3'"),
    (None, dict(target_type=int, min_val=1), "k must be an integer in [1, inf), got None"),
    (True, dict(target_type=int), "k must be an integer in (-inf, inf), got True"),
    (2.5, dict(target_type=int, min_val=0), "k must be an integer in [0, inf), got 2.5"),
    (0, dict(target_type=int, min_val=1, max_val=9), "k must be an integer in [1, 9], got 0"),
    (float("nan"), dict(target_type=float), "k must be a finite real number in (-inf, inf), got nan"),
    (0.0, dict(target_type=float, min_val=0.0, include_boundaries="right"),
     "k must be a finite real number in (0, inf), got 0.0"),
    ("0.1", dict(target_type=float), "k must be a finite real number in (-inf, inf), got '0.1'"),
])
def test_check_scalar_messages(x, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_scalar(x, "k", **kwargs)


def test_check_scalar_converts():
    assert check_scalar(100.0, "n", int, min_val=1) == 100 and isinstance(check_scalar(np.int64(3), "n", int), int)
    assert check_scalar(np.float32(0.5), "x", float, min_val=0.0, max_val=1.0) == 0.5
    assert as_count("N", 10**15) == MAX_COUNT and as_real("d_sw", 2) == 2.0


def _err(**kw):
    base = dict(d_s=20, d_w=40, n=200, N=600, sigma2=0.1)
    base.update(kw)
    with pytest.raises(ValueError) as info:
        numeric.Scenario(**base)
    return str(info.value)


def test_degenerate_and_extreme_scenarios_are_refused():
    assert "sigma2 = 0 with a zero target" in _err(sigma2=0)
    for s2 in (1e-300, 1e300):
        assert "sigma2 must be 0 or a real number in [1e-100, 1e+100]" in _err(sigma2=s2)
    assert "N must be an integer in [1, 1000000000000000], got 100000000000000000000" in _err(N=1e20)
    assert "d_sw must be a finite real number" in _err(d_sw="3")      # as "d_s": "3" is
    assert "d_s must be an integer" in _err(d_s="3")
    assert "n must be an integer in [1, 1000000000000000], got None" in _err(n=None)
    # a nonzero target with sigma2 = 0 is a valid (noiseless) scenario
    numeric.Scenario.from_block_energies(3, 4, 50, 60, 0.0, d_sw=2, both=1.0)


def test_memory_is_estimated_before_allocating(monkeypatch):
    msg = _err(d_w=10**6)                   # 7 TiB of bases: no machine has it
    assert "needs about 7.28 TiB" in msg and "d_w <= " in msg
    sc = numeric.Scenario(20, 2000, 200, 600, 0.1)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)
    with pytest.raises(ValueError, match=r"a simulation \(wishart engine\) with d_s = 20, "
                                         r"d_w = 2000 needs about 0.984 GiB of memory, more than "
                                         r"80% of the 1 GiB available; d_w <= (\d+) would fit") as info:
        numeric.simulate(sc, 2, seed=0)
    fit = int(re.search(r"d_w <= (\d+) would fit", str(info.value)).group(1))
    budget = memory.HEADROOM * 2**30
    assert memory.simulation_bytes(20, fit, "wishart") <= budget < \
        memory.simulation_bytes(20, fit + 1, "wishart")
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * 2**30)
    assert numeric.simulate(sc, 2, seed=0).trials == 2       # fits in 8 GiB


def test_none_and_one_trial_are_value_errors():
    sc = numeric.Scenario(3, 4, 50, 60, 0.1)
    with pytest.raises(ValueError, match="scenario must be a numeric.Scenario, got None"):
        numeric.simulate(None, 10)
    with pytest.warns(RuntimeWarning, match="trials=1: the standard errors are undefined"):
        res = numeric.simulate(sc, 1, seed=0)     # one trial has no standard error: said
    assert np.isnan(res.stderr["weak"]) and np.isfinite(res.mean["weak"])
    with pytest.raises(ValueError, match="trials must be an integer"):
        numeric.simulate(sc, None)
