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
