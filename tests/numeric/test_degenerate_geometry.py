"""Degenerate geometries that once crashed the design builder."""
import numpy as np
import pytest

import numeric


@pytest.mark.parametrize("engine", ["samples", "wishart"])
def test_one_dimensional_identical_subspaces(engine):
    # d_s = d_w = 1 with V_w = V_s: the weak basis has a single non-zero per column and
    # the projector must not look for second non-zeros in a one-row block.
    scenario = numeric.Scenario(1, 1, 12, 12, 0.1, cosines=[1.0])
    result = numeric.simulate(scenario, 16, seed=1, engine=engine)
    # Same features, same labels: teacher, baseline and student coincide trial by trial.
    np.testing.assert_allclose(result.per_trial["weak"], result.per_trial["strong"], rtol=1e-10)
    np.testing.assert_allclose(result.per_trial["w2s"], result.per_trial["weak"], rtol=1e-10)
    assert np.all(result.per_trial["misfit"] < 1e-20)


def test_infinite_per_trial_ratio_is_reported_without_warning():
    import warnings

    # d = 1 Rademacher: the student's coefficient is a sum of N = 32 products +-1, which is 0
    # with probability C(32, 16) / 2^32 ~ 0.14, so ER_w2s = 0 and the per-trial OPR is inf.
    scenario = numeric.Scenario(1, 1, 32, 32, 0.1, cosines=[0.0], features="rademacher")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = numeric.simulate(scenario, 256, seed=1, engine="samples")
    assert np.any(result.per_trial["w2s"] == 0)
    assert result.mean_of_opr == np.inf and np.isnan(result.stderr["opr"])
    assert np.isfinite(result.opr_of_means) and np.isfinite(result.stderr["w2s"])


def test_result_records_enough_to_reproduce_a_spawned_seed():
    root = np.random.SeedSequence(123).spawn(3)[2]
    scenario = numeric.Scenario(3, 4, 30, 40, 0.1, d_sw=2)
    first = numeric.simulate(scenario, 32, seed=root)
    again = numeric.simulate(scenario, 32,
                             seed=np.random.SeedSequence(first.seed, spawn_key=first.spawn_key))
    assert first.spawn_key == (2,)
    np.testing.assert_array_equal(first.per_trial["w2s"], again.per_trial["w2s"])
    assert first.to_dict()["spawn_key"] == [2]
