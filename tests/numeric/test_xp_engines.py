"""The wishart engine on an array-API device, tested with PyTorch's CPU build (skipped without).

A device run draws the same random numbers as the NumPy run (on the host, from the trials'
generators), so the two must agree to floating-point rounding; the tolerance below is for
rounding in well-conditioned solves (cond(G) < 1e3 here), not for Monte Carlo error.
"""
import numpy as np
import pytest

from numeric import Scenario, TRIAL_BLOCK, simulate
from numeric.executors import SerialExecutor
from numeric.result import PER_TRIAL_KEYS

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")

RTOL = 1e-11

CASES = {
    # selection projector (integer d_sw: runs of unit columns)
    "runs": lambda: Scenario(5, 8, 60, 40, 0.5, d_sw=3),
    # fractional overlap: a projector with coefficients
    "coefs": lambda: Scenario(5, 8, 60, 40, 0.5, d_sw=2.5, theta=np.linspace(0.1, 0.3, 14)),
    # d_w < d_s and N < d_s: the unlabelled rows path on the host
    "wide-student": lambda: Scenario(9, 4, 60, 6, 0.3, d_sw=2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_torch_cpu_matches_numpy_to_rounding(name):
    sc = CASES[name]()
    ref = simulate(sc, TRIAL_BLOCK + 3, seed=31, engine="wishart")
    dev = simulate(sc, TRIAL_BLOCK + 3, seed=31, engine="wishart", device="torch:cpu")
    for k in PER_TRIAL_KEYS:
        np.testing.assert_allclose(dev.per_trial[k], ref.per_trial[k], rtol=RTOL, atol=0, err_msg=k)


def test_device_path_is_really_taken(monkeypatch):
    import numeric.engines.wishart_xp as wx
    calls = []
    real = wx.labelled_bartlett_device
    monkeypatch.setattr(wx, "labelled_bartlett_device",
                        lambda *a, **k: calls.append(a[-1].name) or real(*a, **k))
    simulate(CASES["runs"](), 3, seed=1, engine="wishart", device="torch:cpu")
    assert calls == ["torch"]


def test_labelled_rows_regime_stays_on_host_bit_for_bit():
    sc = Scenario(5, 8, 10, 40, 0.5, d_sw=3)         # n < p: no Bartlett factor to move
    a = simulate(sc, 8, seed=4, engine="wishart")
    b = simulate(sc, 8, seed=4, engine="wishart", device="torch:cpu")
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(a.per_trial[k], b.per_trial[k])


def test_device_through_tasks_and_store(tmp_path):
    sc = CASES["coefs"]()
    direct = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="wishart", device="torch:cpu")
    tasks = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="wishart", device="torch:cpu",
                     executor=SerialExecutor(), store=tmp_path)
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(direct.per_trial[k], tasks.per_trial[k])
    cpu = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="wishart", store=tmp_path)
    assert cpu.execution.tasks_from_store == 0        # device and CPU tasks are kept apart


def test_bad_device_is_refused():
    with pytest.raises(ValueError, match="device"):
        simulate(CASES["runs"](), 3, seed=1, engine="wishart", device="tpu")
    with pytest.raises(ValueError, match="device"):
        simulate(CASES["runs"](), 3, seed=1, engine="samples", device="tpu")


def test_ambient_device_is_a_preference_for_both_engines():
    from numeric.executors import using
    sc = CASES["runs"]()
    rad_sc = sc.replace(features="rademacher")
    with using(SerialExecutor(), device="torch:cpu"):
        dev = simulate(sc, 5, seed=2)
        rad = simulate(rad_sc, 5, seed=2)                 # samples: on the device too
    ref = simulate(sc, 5, seed=2, engine="wishart", device="torch:cpu")
    rad_ref = simulate(rad_sc, 5, seed=2, engine="samples", device="torch:cpu")
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(dev.per_trial[k], ref.per_trial[k])
        np.testing.assert_array_equal(rad.per_trial[k], rad_ref.per_trial[k])
    assert rad.engine == "samples"
