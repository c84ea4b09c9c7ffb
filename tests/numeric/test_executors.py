"""Executors: the same numbers bit for bit whatever runs the tasks; worker deaths are retried."""
import os
import signal

import numpy as np
import pytest

from numeric import TRIAL_BLOCK, Scenario, simulate
from numeric.executors import (
    Chunk, DaskExecutor, ProcessExecutor, SerialExecutor, make_executor, plan_chunks, run_chunk,
)
from numeric.result import PER_TRIAL_KEYS
from numeric.seeding import as_seed_sequence
from numeric.simulate import simulate_many
from numeric.store import scenario_digest

SCENARIOS = {
    "gauss-fast": lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
    "gauss-interp": lambda: Scenario(4, 6, 5, 3, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
    "rademacher": lambda: Scenario(4, 6, 40, 30, 0.5, d_sw=2.5, features="rademacher"),
}
T = 3 * TRIAL_BLOCK + 5          # a partial last block on purpose


def _same(a, b):
    return all(np.array_equal(a.per_trial[k], b.per_trial[k], equal_nan=True)
               for k in PER_TRIAL_KEYS)


@pytest.fixture(scope="module")
def pool():
    with ProcessExecutor(2) as ex:
        yield ex


@pytest.mark.filterwarnings("ignore:Gram matrix numerically singular:RuntimeWarning")
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_executors_match_plain_simulate_bit_for_bit(name, pool):
    sc = SCENARIOS[name]()
    ref = simulate(sc, T, seed=2024)
    serial = simulate(sc, T, seed=2024, executor=SerialExecutor())
    procs = simulate(sc, T, seed=2024, executor=pool)
    assert _same(ref, serial) and _same(ref, procs)
    assert (procs.engine, procs.engine_reason, procs.seed) == (ref.engine, ref.engine_reason, ref.seed)
    assert procs.execution.tasks == -(-T // TRIAL_BLOCK)
    assert procs.execution.tasks_run == procs.execution.tasks
    assert procs.execution.retries == 0


def test_chunking_does_not_change_results():
    sc = SCENARIOS["gauss-fast"]()
    root = as_seed_sequence(7)
    blocks = ((0, 16), (1, 16), (2, 9))
    whole = run_chunk(Chunk(sc, scenario_digest(sc), root, "wishart", blocks))
    single = [run_chunk(Chunk(sc, scenario_digest(sc), root, "wishart", (b,)))[0] for b in blocks]
    for w, s in zip(whole, single):
        for k in PER_TRIAL_KEYS:
            np.testing.assert_array_equal(w[k], s[k])
    ref = simulate(sc, 41, seed=7, engine="wishart")
    np.testing.assert_array_equal(np.concatenate([w["w2s"] for w in whole]), ref.per_trial["w2s"])


def test_simulate_many_matches_one_by_one_and_streams(pool):
    jobs = [(SCENARIOS["gauss-fast"]().replace(n=n), 20 + n, seed, "auto")
            for n, seed in ((20, 1), (30, 2), (25, 3))]
    refs = [simulate(sc, t, seed=s) for sc, t, s, _ in jobs]
    got = simulate_many(jobs, executor=pool)
    assert all(_same(r, g) for r, g in zip(refs, got))
    seen = {}
    assert simulate_many(jobs, executor=pool, on_result=lambda j, r: seen.setdefault(j, r)) is None
    assert sorted(seen) == [0, 1, 2] and all(_same(refs[j], seen[j]) for j in seen)


def test_fresh_entropy_is_recorded_and_reproduces():
    sc = SCENARIOS["gauss-fast"]()
    a = simulate(sc, 20, seed=None, executor=SerialExecutor())
    b = simulate(sc, 20, seed=a.seed)
    assert _same(a, b)


class _KillOnce(ProcessExecutor):
    """Kills one busy worker (SIGKILL) as soon as the first chunk has come back."""

    def _run(self, chunks, on_done, stats):
        killed = []

        def hook(i, res):
            on_done(i, res)
            if not killed:
                pids = self.worker_pids()
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
        super()._run(chunks, hook, stats)
        assert killed


def test_killed_process_worker_is_retried_and_results_match():
    sc = Scenario(20, 30, 120, 200, 0.5, d_sw=10)
    trials = 24 * TRIAL_BLOCK
    ref = simulate(sc, trials, seed=11)
    with _KillOnce(2) as ex:
        res = simulate(sc, trials, seed=11, executor=ex)
    assert _same(ref, res)
    st = res.execution
    assert st.pool_restarts >= 1 and st.retries >= 1   # the chunks in flight were re-run
    assert any("died" in n for n in st.notes)
    assert st.tasks_run == st.tasks          # each task delivered exactly once
    assert ex.totals.retries == st.retries and ex.totals.tasks == st.tasks


def test_bad_options():
    with pytest.raises(ValueError, match="workers"):
        ProcessExecutor(0)
    with pytest.raises(ValueError, match="max_retries"):
        ProcessExecutor(1, max_retries=-1)
    with pytest.raises(ValueError, match="workers"):
        make_executor(workers=-1)
    assert isinstance(make_executor(workers=0), SerialExecutor)
    ex = make_executor(workers=3)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 3
    with pytest.raises(ValueError, match=r"jobs\[0\]"):
        simulate_many([(SCENARIOS["gauss-fast"](), 3)])
    with pytest.raises(ValueError, match="trials"):
        simulate(SCENARIOS["gauss-fast"](), 0, executor=SerialExecutor())


def test_plan_chunks():
    assert plan_chunks(0, 2) == 1
    assert plan_chunks(50, 0) == 4
    assert plan_chunks(3, 2) == 1
    assert plan_chunks(1000, 2) == 8
    assert plan_chunks(40, 2) == 5


def test_dask_missing_gives_clear_error(without_dask):
    with pytest.raises(ImportError, match=r"\.\[distributed\]"):
        DaskExecutor("local")


def test_a_failing_task_is_an_error_not_a_retry(pool):
    sc = SCENARIOS["gauss-fast"]()
    bad = Chunk(sc, scenario_digest(sc), as_seed_sequence(1), "no-such-engine", ((0, 4),))
    stats = None
    with pytest.raises(KeyError):
        stats = pool.run([bad], lambda i, r: None)
    assert stats is None and pool.totals.retries == 0
    # The pool is usable afterwards.
    assert _same(simulate(sc, 5, seed=3, executor=pool), simulate(sc, 5, seed=3))
