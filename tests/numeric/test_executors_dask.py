"""Dask executor on a LocalCluster (slow; needs the ``distributed`` extra)."""
import os
import signal

import numpy as np
import pytest

from numeric import TRIAL_BLOCK, Scenario, simulate
from numeric.result import PER_TRIAL_KEYS
from numeric.simulate import simulate_many

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")

from numeric.executors import DaskExecutor  # noqa: E402


def _same(a, b):
    return all(np.array_equal(a.per_trial[k], b.per_trial[k], equal_nan=True)
               for k in PER_TRIAL_KEYS)


class _KillOneWorker(DaskExecutor):
    """SIGKILLs a worker that is running a task, as soon as the first chunk has come back."""

    killed = None

    def _run(self, chunks, on_done, stats):
        def hook(i, res):
            on_done(i, res)
            if self.killed is None:
                busy = [w for w, keys in self.client.processing().items() if keys]
                pids = self.client.run(os.getpid, workers=busy[:1])
                (addr, pid), = pids.items()
                os.kill(pid, signal.SIGKILL)
                self.killed = addr
        super()._run(chunks, hook, stats)


def test_local_cluster_with_a_killed_worker_matches_serial(tmp_path):
    scs = [Scenario(30, 40, 150, 400, 0.5, d_sw=d) for d in (5, 15)]
    trials = 20 * TRIAL_BLOCK
    refs = [simulate(sc, trials, seed=99 + i) for i, sc in enumerate(scs)]
    jobs = [(sc, trials, 99 + i, "auto") for i, sc in enumerate(scs)]
    with _KillOneWorker("local", workers=2) as ex:
        got = simulate_many(jobs, executor=ex, store=tmp_path)
        assert ex.killed is not None
    assert all(_same(r, g) for r, g in zip(refs, got))
    st = got[0].execution
    assert st.executor == "dask" and st.tasks_run == st.tasks == 40
    assert st.retries >= 1 and any("worker died" in n for n in st.notes)
    # The store is complete: a rerun reads every task back.
    again = simulate_many(jobs, store=tmp_path)
    assert again[0].execution.tasks_from_store == 40
    assert all(_same(r, g) for r, g in zip(refs, again))


def test_plain_dask_run_matches_serial():
    sc = Scenario(6, 8, 40, 60, 0.5, d_sw=3, features="rademacher")
    ref = simulate(sc, 3 * TRIAL_BLOCK + 1, seed=5)
    with DaskExecutor("local", workers=2) as ex:
        got = simulate(sc, 3 * TRIAL_BLOCK + 1, seed=5, executor=ex)
    assert _same(ref, got) and got.execution.retries == 0


class _KillPayloadHolder(DaskExecutor):
    """SIGKILLs the worker holding the run's shared scenario as soon as the first chunk is back
    (with ``scatter`` that data died with its worker and the run failed)."""

    killed = None

    def _run(self, chunks, on_done, stats):
        def hook(i, res):
            on_done(i, res)
            if self.killed is None:
                held = self.client.who_has()
                holders = {w for k, ws in held.items() if str(k).startswith("w2s-payload-")
                           for w in ws}
                (addr, pid), = self.client.run(os.getpid, workers=sorted(holders)[:1]).items()
                os.kill(pid, signal.SIGKILL)
                self.killed = addr
        super()._run(chunks, hook, stats)


def test_killed_holder_of_the_shared_scenario_is_recovered_and_counted():
    sc = Scenario(30, 40, 150, 400, 0.5, d_sw=10)
    trials = 24 * TRIAL_BLOCK
    ref = simulate(sc, trials, seed=7)
    with _KillPayloadHolder("local", workers=2) as ex:
        got = simulate(sc, trials, seed=7, executor=ex)
        assert ex.killed is not None
    assert _same(ref, got)
    assert got.execution.retries >= 1
