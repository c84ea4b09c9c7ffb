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


_CFG = {"d_s": 3, "d_w": 2, "n": 20, "N": 30, "sigma2": 1.0, "cosines": [0.8, 0.3],
        "theta": {"s": 0.1, "w": 0.0, "o": 0.0, "seed": 1}, "features": "gaussian", "noise": "gaussian"}


def _side_job(ctx, progress=False):
    """A job run alongside the claims: simulated numbers, so its value depends on the seeds."""
    return {"weak": ctx.simulate(_CFG, 64)["weak"].tolist(), "progress": progress}


def test_alongside_job_gives_the_serial_value_in_the_pool():
    claims = select(registry(), patterns=["core.special.*", "core.decomposition.*"])
    values = []
    for workers in (1, 2):
        r = run_claims(claims, Context.preset("quick", seed=4), shrink=False, progress=False,
                       workers=workers, alongside=_side_job)
        values.append(r.alongside)
    serial, forked = values
    assert serial["weak"] == forked["weak"] and len(serial["weak"]) == 64
    # in a worker the job never prints (a bar would break); serially it is told the run's choice
    assert forked["progress"] is False


def test_no_alongside_job_leaves_none():
    claims = select(registry(), patterns=["core.special.*"])
    assert run_claims(claims, Context(seed=0), shrink=False, workers=2).alongside is None


def test_a_finished_bar_is_not_followed_by_silence(capsys):
    import time as _time

    def slow(ctx, progress=False):
        _time.sleep(1.0)
        return 1

    claims = select(registry(), patterns=["core.special.*"])
    r = run_claims(claims, Context(seed=0), shrink=False, progress=True, workers=2,
                   alongside=slow, waiting="still drawing")
    assert r.alongside == 1
    assert capsys.readouterr().err.count("still drawing") == 1
