"""Resumable run folders: atomic per-task files, skip finished tasks, lose only what was in flight."""
import json
import os

import numpy as np
import pytest

from numeric import TRIAL_BLOCK, Scenario, simulate
from numeric.executors import SerialExecutor
from numeric.result import PER_TRIAL_KEYS
from numeric.store import RunStore, atomic_write_bytes, scenario_digest, task_key


def _sc(**kw):
    return Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2)).replace(**kw) if kw \
        else Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2))


def _same(a, b):
    return all(np.array_equal(a.per_trial[k], b.per_trial[k], equal_nan=True)
               for k in PER_TRIAL_KEYS)


def test_put_get_roundtrip_and_manifest(tmp_path):
    st = RunStore(tmp_path / "run")
    key = "ab" * 32
    assert st.get(key) is None and key not in st
    data = {"w2s": np.arange(5.0), "weak": np.linspace(0, 1, 5)}
    st.put(key, data, {"block": 3})
    st.flush()
    got = st.get(key)
    assert set(got) == set(data) and all(np.array_equal(got[k], data[k]) for k in data)
    assert st.keys() == [key]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["tasks"][key] == {"block": 3}
    assert not [f for f in os.listdir(tmp_path / "run" / "tasks") if f.startswith(".tmp-")]
    assert RunStore(tmp_path / "run").manifest()[key] == {"block": 3}


def test_truncated_task_file_is_run_again(tmp_path):
    sc = _sc()
    first = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    (key,) = RunStore(tmp_path).keys()
    (tmp_path / "tasks" / f"{key}.npz").write_bytes(b"")
    again = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    assert again.execution.tasks_run == 1 and _same(first, again)


def test_unreadable_manifest_is_not_fatal(tmp_path):
    st = RunStore(tmp_path)
    st.put("cd" * 32, {"w2s": np.ones(2)})
    (tmp_path / "manifest.json").write_text("{not json")
    again = RunStore(tmp_path)
    assert again.get("cd" * 32) is not None and again.manifest() == {}


def test_bad_arguments(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="folder"):
        RunStore(f)
    with pytest.raises(ValueError, match="folder"):
        RunStore("")
    with pytest.raises(ValueError, match="key"):
        RunStore(tmp_path / "r").get("../../etc/passwd")


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "x.bin"
    atomic_write_bytes(str(path), b"old")

    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(str(path), b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.bin"]          # the temporary file was removed


def test_keys_separate_every_ingredient():
    from numeric.seeding import child
    d = scenario_digest(_sc())
    r5, r6 = np.random.SeedSequence(5), np.random.SeedSequence(6)
    base = task_key(d, child(r5, 0), 16, "wishart", "1")
    others = [task_key(scenario_digest(_sc(n=21)), child(r5, 0), 16, "wishart", "1"),
              task_key(d, child(r6, 0), 16, "wishart", "1"),
              task_key(d, child(child(r5, 1), 0), 16, "wishart", "1"),
              task_key(d, child(r5, 1), 16, "wishart", "1"),
              task_key(d, child(r5, 0), 15, "wishart", "1"),
              task_key(d, child(r5, 0), 16, "samples", "1"),
              task_key(d, child(r5, 0), 16, "wishart", "2")]
    assert len({base, *others}) == 8
    assert scenario_digest(_sc()) == d                       # equal scenarios, equal digests
    assert scenario_digest(_sc(sigma2=0.5000000001)) != d


def test_rerun_skips_finished_tasks(tmp_path):
    sc = _sc()
    T = 2 * TRIAL_BLOCK + 3
    ref = simulate(sc, T, seed=3)
    first = simulate(sc, T, seed=3, store=tmp_path)
    again = simulate(sc, T, seed=3, store=tmp_path)
    assert _same(ref, first) and _same(ref, again)
    assert first.execution.tasks_run == 3 and first.execution.tasks_from_store == 0
    assert again.execution.tasks_run == 0 and again.execution.tasks_from_store == 3
    longer = simulate(sc, 3 * TRIAL_BLOCK, seed=3, store=tmp_path)
    # Blocks 0 and 1 are reused; the partial block 2 (3 trials) is a different task (16 trials).
    assert longer.execution.tasks_from_store == 2 and longer.execution.tasks_run == 1
    assert _same(longer, simulate(sc, 3 * TRIAL_BLOCK, seed=3))
    other_seed = simulate(sc, T, seed=4, store=tmp_path)
    assert other_seed.execution.tasks_from_store == 0


class _Interrupted(SerialExecutor):
    """Delivers ``after`` chunks, then raises KeyboardInterrupt (a Ctrl-C mid-run)."""

    def __init__(self, after):
        self.after = after

    def _run(self, chunks, on_done, stats):
        for i, c in enumerate(chunks):
            if i == self.after:
                raise KeyboardInterrupt
            on_done(i, __import__("numeric.executors").executors.run_chunk(c))


def test_interrupt_loses_only_tasks_in_flight(tmp_path):
    sc = _sc()
    T = 9 * TRIAL_BLOCK                           # chunks of 4 + 4 + 1 blocks in this process
    with pytest.raises(KeyboardInterrupt):
        simulate(sc, T, seed=8, store=tmp_path, executor=_Interrupted(after=1))
    st = RunStore(tmp_path)
    assert len(st.keys()) == 4                   # every delivered task is on disk
    assert len(st.manifest()) == 4               # and the manifest was flushed on the way out
    resumed = simulate(sc, T, seed=8, store=tmp_path)
    assert resumed.execution.tasks_from_store == 4 and resumed.execution.tasks_run == 5
    assert _same(resumed, simulate(sc, T, seed=8))


def test_using_routes_simulate_and_simulate_block(tmp_path):
    from numeric import simulate_block
    from numeric.executors import ambient, using
    from numeric.seeding import as_seed_sequence, child

    sc = _sc()
    T = 2 * TRIAL_BLOCK
    ref = simulate(sc, T, seed=12)
    ex = SerialExecutor()
    with using(ex, store=tmp_path) as _:
        assert ambient()[0] is not None
        res = simulate(sc, T, seed=12)
        assert res.execution.tasks_run == 2
        # A block extension of the same run reads the stored block back ...
        blk = simulate_block(sc, child(as_seed_sequence(12), 1), TRIAL_BLOCK)
        # ... and a new block is stored.
        simulate_block(sc, child(as_seed_sequence(12), 2), TRIAL_BLOCK)
    assert ambient() == (None, None, None)
    assert (ex.totals.tasks, ex.totals.tasks_run, ex.totals.tasks_from_store) == (4, 3, 1)
    assert _same(ref, res)
    np.testing.assert_array_equal(blk["w2s"], ref.per_trial["w2s"][TRIAL_BLOCK:])
    assert len(RunStore(tmp_path).keys()) == 3
    longer = simulate(sc, 3 * TRIAL_BLOCK, seed=12, store=tmp_path)
    assert longer.execution.tasks_from_store == 3
    assert not hasattr(simulate(sc, 3, seed=1), "execution")


def test_helper_store_hands_manifest_entries_to_the_writer(tmp_path):
    import json

    import numpy as np

    from numeric.store import RunStore

    writer = RunStore(tmp_path)
    helper = RunStore(tmp_path, write_manifest=False)
    key = "a" * 64
    helper.put(key, {"weak": np.arange(3.0)}, meta={"block": 0})
    helper.flush()
    assert not (tmp_path / "manifest.json").exists()      # helpers never write the manifest
    assert key in writer                                  # but the task file is shared
    writer.merge(helper.new_entries())
    writer.flush()
    assert json.loads((tmp_path / "manifest.json").read_text())["tasks"][key] == {"block": 0}
