"""Claims run in forked workers give exactly the serial run's observations."""
import multiprocessing

import pytest

from verify.claims import select
from verify.claimsets import registry
from verify.context import Context
from verify.runner import run_claims

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="claim-level parallelism needs fork")


def _observations(result):
    return {r.name: (r.status, [(o.estimate, o.stderr, o.trials, o.status) for o in r.observations])
            for r in result.results}


def test_forked_claims_equal_serial_run():
    claims = select(registry(), patterns=["core.weak.*", "core.w2s.*", "regimes.weak.*"])
    assert len(claims) >= 3
    runs = []
    for workers in (1, 2):
        ctx = Context.preset("quick", seed=11)
        runs.append((run_claims(claims, ctx, shrink=False, workers=workers), ctx.simulated_trials))
    (serial, t1), (forked, t2) = runs
    assert _observations(serial) == _observations(forked)
    assert [r.name for r in serial.results] == [r.name for r in forked.results]
    assert serial.summary["m_planned"] == forked.summary["m_planned"]
    assert t1 > 0 and t2 > 0
