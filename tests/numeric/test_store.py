"""Resumable run folders: one task database, skip finished tasks, lose only what was in flight,
recompute what does not fit its task, delete only the store's own files."""
import os

import numpy as np
import pytest

from numeric import TRIAL_BLOCK, Scenario, simulate
from numeric.executors import SerialExecutor
from numeric.result import PER_TRIAL_KEYS
from numeric.store import (
    RunStore, atomic_write_bytes, clear, is_run_folder, scenario_digest, task_key,
)


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
    assert st.keys() == [key] and key in st
    assert RunStore(tmp_path / "run").manifest()[key] == {"block": 3}
    assert RunStore(tmp_path / "run").get(key, fields=("w2s", "weak"), trials=5) is not None


def test_put_many_stores_all_or_none(tmp_path):
    st = RunStore(tmp_path / "run")
    rows = [(f"{i:02x}" * 32, {"w2s": np.arange(3.0) + i}, {"block": i}) for i in range(4)]
    st.put_many(rows)
    assert st.keys() == sorted(k for k, _, _ in rows)
    assert RunStore(tmp_path / "run").manifest()[rows[2][0]] == {"block": 2}
    assert st.new_entries() == {k: m for k, _, m in rows}
    # a row that cannot be stored (an array that does not encode) stores none of its chunk
    bad = [("aa" * 32, {"w2s": np.arange(2.0)}, {}), ("bb" * 32, {"w2s": object()}, {})]
    with pytest.raises((TypeError, ValueError)):
        st.put_many(bad)
    assert "aa" * 32 not in st and len(st) == 4


def test_get_many_agrees_with_get(tmp_path, monkeypatch):
    import numeric.store as store_module

    monkeypatch.setattr(store_module, "_KEYS_PER_QUERY", 3)      # several queries
    st = RunStore(tmp_path / "run")
    keys = [f"{i:02x}" * 32 for i in range(8)]
    for i, k in enumerate(keys[:6]):
        st.put(k, {"w2s": np.arange(4.0) + i}, {})
    st.put(keys[5], {"w2s": np.arange(3.0)}, {})                  # does not fit trials=4
    ask = keys[::-1] + keys[:2]                                   # any order, repeats
    many = st.get_many(ask, fields=("w2s",), trials=4)
    st.rejected = 0
    one = [st.get(k, fields=("w2s",), trials=4) for k in ask]
    assert [m is None for m in many] == [o is None for o in one]
    assert all(np.array_equal(m["w2s"], o["w2s"]) for m, o in zip(many, one) if m is not None)
    assert st.rejected == 1 and st.get_many([]) == []


def test_child_key_names_the_child():
    from numeric.seeding import child, child_key

    root = np.random.SeedSequence(12345, spawn_key=(7,))
    for b in (0, 3, 1000):
        c, k = child(root, b), child_key(root, b)
        assert (k.entropy, k.spawn_key) == (c.entropy, tuple(c.spawn_key))
        assert task_key("ab", k, 16, "wishart", "1") == task_key("ab", c, 16, "wishart", "1")


def _rewrite(folder, key, mutate):
    """Replace the stored arrays of ``key`` by ``mutate(arrays)`` through the store itself: a
    well-formed row whose content does not fit its task."""
    st = RunStore(folder)
    st.put(key, mutate(st.get(key)))
    st.close()


@pytest.mark.parametrize("mutate", [
    lambda d: {k: v for k, v in d.items() if k != "opr"},                   # a key missing
    lambda d: {**d, "extra": d["w2s"]},                                     # a key too many
    lambda d: {k: v[:-1] for k, v in d.items()},                            # too few trials
    lambda d: {k: np.concatenate([v, v]) for k, v in d.items()},            # too many trials
    lambda d: {k: v.astype(np.float32) for k, v in d.items()},              # wrong dtype
    lambda d: {k: v[:, None] for k, v in d.items()},                        # wrong shape
    lambda d: {**d, "weak": d["strong"], "strong": d["weak"]},              # swapped arrays
    lambda d: {**d, "w2s": d["w2s"] + 1.0},                                 # edited values
], ids=["missing", "extra", "short", "long", "float32", "2d", "swapped", "edited"])
def test_corrupt_but_well_formed_task_is_recomputed(tmp_path, mutate):
    sc = _sc()
    first = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    (key,) = RunStore(tmp_path).keys()
    _rewrite(tmp_path, key, mutate)
    again = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    assert again.execution.tasks_run == 1 and again.execution.tasks_from_store == 0
    assert _same(first, again)
    assert any("did not match" in n for n in again.execution.notes)
    third = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)       # and the row was replaced
    assert third.execution.tasks_from_store == 1 and _same(first, third)


def test_undecodable_row_is_run_again(tmp_path):
    import sqlite3

    sc = _sc()
    first = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    (key,) = RunStore(tmp_path).keys()
    with sqlite3.connect(tmp_path / "tasks" / "store.sqlite") as db:
        db.execute("UPDATE tasks SET data = substr(data, 1, 40) WHERE key = ?", (key,))
    again = simulate(sc, TRIAL_BLOCK, seed=2, store=tmp_path)
    assert again.execution.tasks_run == 1 and _same(first, again)


def test_simulate_block_checks_stored_content(tmp_path):
    from numeric import simulate_block
    from numeric.executors import SerialExecutor, using
    from numeric.seeding import as_seed_sequence, child

    sc = _sc()
    blk = child(as_seed_sequence(7), 0)
    with using(SerialExecutor(), store=tmp_path):
        ref = simulate_block(sc, blk, TRIAL_BLOCK)
    (key,) = RunStore(tmp_path).keys()
    _rewrite(tmp_path, key, lambda d: {k: v[:3] for k, v in d.items()})
    ex = SerialExecutor()
    with using(ex, store=tmp_path):
        again = simulate_block(sc, blk, TRIAL_BLOCK)
    assert ex.totals.tasks_run == 1
    assert all(np.array_equal(ref[k], again[k], equal_nan=True) for k in PER_TRIAL_KEYS)


def test_run_folder_file_count_does_not_grow_with_tasks(tmp_path):
    """Ten times the tasks, the same files: the database (plus its WAL files while open)."""
    def files(folder):
        return sorted(os.path.relpath(os.path.join(d, f), folder)
                      for d, _, fs in os.walk(folder) for f in fs)

    sc = _sc()
    small, large = tmp_path / "small", tmp_path / "large"
    simulate(sc, 2 * TRIAL_BLOCK, seed=1, store=small)
    simulate(sc, 20 * TRIAL_BLOCK, seed=1, store=large)
    simulate(sc.replace(n=30), 20 * TRIAL_BLOCK, seed=1, store=large)
    assert len(RunStore(large)) == 40 and len(RunStore(small)) == 2
    assert files(small) == files(large) and len(files(large)) <= 3


def test_foreign_database_file_is_refused_not_replaced(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "store.sqlite").write_bytes(b"my notes, not a database")
    with pytest.raises(ValueError, match="not a w2s-verifier task database"):
        RunStore(tmp_path)
    assert (tmp_path / "tasks" / "store.sqlite").read_bytes() == b"my notes, not a database"
    assert clear(tmp_path) == [] and (tmp_path / "tasks" / "store.sqlite").exists()


def test_clear_removes_only_the_stores_own_files(tmp_path):
    simulate(_sc(), TRIAL_BLOCK, seed=1, store=tmp_path)
    (tmp_path / "thesis.tex").write_text("keep me")
    (tmp_path / "tasks" / "notes.txt").write_text("keep me too")
    legacy = tmp_path / "tasks" / ("ef" * 32 + ".npz")           # the older layout's task file
    legacy.write_bytes(b"PK")
    assert is_run_folder(tmp_path) and not is_run_folder(tmp_path / "tasks")
    removed = clear(tmp_path)
    assert str(tmp_path / "tasks" / "store.sqlite") in removed and str(legacy) in removed
    assert sorted(os.listdir(tmp_path)) == ["tasks", "thesis.tex"]
    assert os.listdir(tmp_path / "tasks") == ["notes.txt"]
    assert (tmp_path / "thesis.tex").read_text() == "keep me"
    assert not is_run_folder(tmp_path)
    only = tmp_path / "only"
    simulate(_sc(), TRIAL_BLOCK, seed=1, store=only)
    clear(only)
    assert not only.exists()                    # nothing else was there: the folder goes too


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
    # In this process a small design's chunk is 4 engine batches of 16 blocks (one store
    # transaction): 64 + 4 blocks here, the second chunk interrupted.
    T = 68 * TRIAL_BLOCK
    with pytest.raises(KeyboardInterrupt):
        simulate(sc, T, seed=8, store=tmp_path, executor=_Interrupted(after=1))
    st = RunStore(tmp_path)
    assert len(st.keys()) == 64                  # every delivered task is on disk
    assert len(st.manifest()) == 64              # with its description
    resumed = simulate(sc, T, seed=8, store=tmp_path)
    assert resumed.execution.tasks_from_store == 64 and resumed.execution.tasks_run == 4
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


def test_forked_writers_share_one_database(tmp_path):
    """Processes forked after the parent opened the store write their own rows concurrently;
    the parent sees them all, and its own connection keeps working after the forks."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    parent = RunStore(tmp_path)
    parent.put("0" * 64, {"weak": np.zeros(2)})
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), w)) for w in range(3)]
    for p in procs:
        p.start()
    parent.put("1" * 64, {"weak": np.ones(2)})
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(parent) == 2 + 3 * 50
    got = RunStore(tmp_path).get(f"{2:01x}{7:063x}")
    assert got is not None and np.array_equal(got["weak"], np.full(4, 2.0 * 7))


def _write_many(folder, w):
    st = RunStore(folder, write_manifest=False)
    for i in range(50):
        st.put(f"{w + 1:01x}{i:063x}", {"weak": np.full(4, float((w + 1) * i))}, {"i": i})


def test_read_errors_during_a_run_are_io_errors_not_results(tmp_path, monkeypatch):
    """A database that goes bad under a running store (here: its pages overwritten) raises
    OSError naming the database on every read, never a value or another exception type
    (issue 15: an I/O error of the run is reported as such, exit 4)."""
    import sqlite3

    store = RunStore(tmp_path / "run")
    key = "ab" * 32
    store.put(key, {"x": np.arange(3.0)})
    store.close()

    class Broken:
        def execute(self, *a):
            raise sqlite3.DatabaseError("database disk image is malformed")

    store = RunStore(tmp_path / "run")
    store._conn = Broken()
    for call in (lambda: store.get(key), lambda: key in store, store.keys, lambda: len(store),
                 store.manifest, lambda: store.put(key, {"x": np.arange(3.0)}),
                 lambda: store.discard(key)):
        with pytest.raises(OSError, match="run store .*store.sqlite"):
            call()
    # Reopening during the run (a forked worker's own connection) is an I/O error too; at
    # the start of a run the same failure is a usage error naming the database.
    store._conn, store._pid = None, None

    def refuse(*a, **k):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    with pytest.raises(OSError, match="reopening"):
        store.get(key)
    with pytest.raises(ValueError, match="cannot open the task database"):
        RunStore(tmp_path / "run")
