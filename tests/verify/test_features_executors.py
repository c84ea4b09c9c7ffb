"""Feature sweeps through numeric.executors: the same numbers whatever the executor and the
worker count, resumable, a killed worker's point redone and counted (issue 13, issue 15)."""
import json
import os
import signal
from dataclasses import dataclass

import numpy as np
import pytest

from numeric.executors import ProcessExecutor
from numeric.features.tasks import FeatureData, ProbeChunk
from numeric.store import RunStore
from verify.cli import main
from verify.features import sweep as S

SETTINGS = {"seed": 3, "trials": 3, "ridge": 1e-6, "label_noise": 0.0, "dims": None,
            "solver": "gram", "sketch_rank": None, "test_groups": 4}
POINTS = [(30, 100), (30, 200), (60, 200), (20, 300)]


def _data(tmp_path=None):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((600, 12))
    F_w = (x[:, :5] @ rng.standard_normal((5, 8))).astype(np.float32)
    F_s = x[:, 2:10] @ rng.standard_normal((8, 10))
    y = x @ (0.3 * rng.standard_normal(12)) + rng.standard_normal(600)
    if tmp_path is None:
        return FeatureData(F_w, F_s, y)
    paths = []
    for name, a in (("w.npy", F_w), ("s.npy", F_s), ("y.npy", y)):
        np.save(tmp_path / name, a)
        paths.append(str(tmp_path / name))
    loaded = [np.load(p, mmap_mode="r") for p in paths]
    return FeatureData(*loaded, paths=paths), paths


def _same(a, b):
    return a.keys() == b.keys() and all(
        a[p].keys() == b[p].keys() and all(np.array_equal(a[p][k], b[p][k], equal_nan=True)
                                           for k in a[p]) for p in a)


@dataclass(frozen=True)
class _KillOnce(ProbeChunk):
    """A point whose first run SIGKILLs its own worker process (marker file: once only)."""

    marker: str = ""

    def execute(self, data):
        if self.n == 60 and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().execute(data)


def test_points_identical_serial_and_process_pool_and_resumed(tmp_path):
    data, _ = _data(tmp_path)
    test = S.test_rows(600, 100, SETTINGS["seed"])
    ref, st0 = S.run_points(data, POINTS, SETTINGS, test)
    assert st0.tasks_run == 4
    with ProcessExecutor(2) as ex:
        got, st = S.run_points(data, POINTS, SETTINGS, test, executor=ex,
                               store=RunStore(tmp_path / "run"))
    assert _same(ref, got) and st.tasks_run == 4 and st.retries == 0
    # Rerun: every point read back from the run folder, same numbers.
    again, st2 = S.run_points(data, POINTS, SETTINGS, test, store=RunStore(tmp_path / "run"))
    assert _same(ref, again) and st2.tasks_from_store == 4 and st2.tasks_run == 0
    # A point's numbers do not depend on which other points run with it.
    alone, _ = S.run_points(data, POINTS[2:3], SETTINGS, test)
    assert _same({POINTS[2]: ref[POINTS[2]]}, alone)


def test_killed_worker_point_is_redone_and_counted(tmp_path, monkeypatch):
    data = _data()
    test = S.test_rows(600, 100, SETTINGS["seed"])
    ref, _ = S.run_points(data, POINTS, SETTINGS, test)
    marker = str(tmp_path / "killed")

    def chunk(*a, **k):
        return _KillOnce(*a, **k, marker=marker)

    monkeypatch.setattr(S, "ProbeChunk", chunk)
    with ProcessExecutor(2) as ex:
        got, st = S.run_points(data, POINTS, SETTINGS, test, executor=ex)
    assert os.path.exists(marker)
    assert _same(ref, got)
    assert st.retries >= 1 and ex.totals.retries == st.retries


def test_corrupt_stored_point_is_recomputed(tmp_path):
    data = _data()
    test = S.test_rows(600, 100, SETTINGS["seed"])
    store = RunStore(tmp_path / "run")
    ref, _ = S.run_points(data, POINTS[:1], SETTINGS, test, store=store)
    key = ProbeChunk(data, data.digest, *POINTS[0], json.dumps(SETTINGS, sort_keys=True),
                     tuple(int(i) for i in test)).key
    bad = dict(ref[POINTS[0]], weak=ref[POINTS[0]]["weak"][:2])      # wrong length
    store.put(key, bad)
    got, st = S.run_points(data, POINTS[:1], SETTINGS, test, store=store)
    assert st.tasks_run == 1 and _same(ref, got)


ARGS = ["--n", "30", "--N-grid", "100:300:3", "--N", "200", "--n-grid", "20:60:2",
        "--trials", "3", "--test-size", "100", "--d-w", "5", "--d-s", "8"]


def _cli(paths, out, *extra):
    rc = main(["features", *paths, *ARGS, "--out", str(out), *extra])
    return rc, json.loads((out / "features.json").read_text())


def test_cli_workers_0_and_2_bit_identical(tmp_path, capsys):
    _, paths = _data(tmp_path)
    rc0, a = _cli(paths, tmp_path / "a", "--workers", "0")
    rc2, b = _cli(paths, tmp_path / "b", "--workers", "2")
    assert rc0 == rc2 and a["sweeps"] == b["sweeps"]
    assert a["execution"]["executor"] == "serial" and b["execution"]["executor"] == "process"
    assert b["execution"]["tasks_run"] == b["execution"]["tasks"] > 0
    # --fresh deletes the finished points of the run folder (only those): all run again.
    _, c = _cli(paths, tmp_path / "a", "--workers", "0", "--fresh")
    assert c["sweeps"] == a["sweeps"] and c["execution"]["tasks_from_store"] == 0


@pytest.mark.slow
def test_cli_dask_local_bit_identical(tmp_path, capsys):
    pytest.importorskip("distributed")
    _, paths = _data(tmp_path)
    rc0, a = _cli(paths, tmp_path / "a", "--workers", "0")
    rcd, d = _cli(paths, tmp_path / "d", "--dask", "local", "--workers", "2")
    assert rc0 == rcd and a["sweeps"] == d["sweeps"]
    assert d["execution"]["executor"] == "dask"
