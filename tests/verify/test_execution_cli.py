"""The verify commands' use of the executors and run folders (issue 7).

Rerunning a command reads its finished tasks back and gives the same report numbers; the
numbers do not depend on the executor or the number of workers; ``--dask`` without the extra is
a usage error; Ctrl-C keeps the tasks and exits 130. (The executors themselves are tested in
``tests/numeric/test_executors.py``.)
"""
import json

import pytest

from verify.cli import main

CHECK = ["--quick", "--only", "core.weak.exact", "--examples", "2", "--trials", "64", "--trials-budget", "64",
         "--no-plots", "--no-progress", "--workers", "0"]
PAPER = ["--quick", "--trials", "4", "--workers", "0", "--set", "grid.d_sw=[90]",
         "--set", "grid.sigma2=[0.01]", "--set", "figures.risk_panels=[[90, 0.01]]",
         "--set", "figures.ratio_sigma2=[0.01]", "--set", "grid.N_sweep=[400, 4000, 2]",
         "--set", "grid.n_sweep=[400, 4000, 2]", "--set", "heatmap.n=[150, 4000, 6]",
         "--set", "heatmap.N=[50, 4000, 6]", "--set", "figures.curve_points=10"]


def _observations(out):
    data = json.loads((out / "report.json").read_text())
    return ([o for c in data["claims"] for o in c["observations"]],
            data["settings"]["execution"])


def test_check_rerun_reads_tasks_back(tmp_path, capsys):
    out = tmp_path / "rep"
    code = main([*CHECK, "--out", str(out)])
    assert code in (0, 3)            # 64 trials may leave the claim inconclusive: not the point
    first, ex1 = _observations(out)
    assert (tmp_path / "rep.run" / "tasks").is_dir()
    assert ex1["tasks"] > 0 and ex1["tasks_from_store"] == 0 and ex1["tasks_run"] == ex1["tasks"]
    assert main([*CHECK, "--out", str(out)]) == code
    again, ex2 = _observations(out)
    assert ex2["tasks_from_store"] == ex2["tasks"] == ex1["tasks"] and ex2["tasks_run"] == 0
    assert again == first
    assert "read back" in capsys.readouterr().out
    assert main([*CHECK, "--out", str(out), "--fresh"]) == code
    assert _observations(out)[1]["tasks_from_store"] == 0


def test_dask_flag_without_the_extra_is_a_usage_error(tmp_path, without_dask, capsys):
    assert main([*CHECK, "--dask", "local", "--out", str(tmp_path / "r")]) == 2
    assert main(["paper", *PAPER, "--dask", "local", "--out", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err.count(".[distributed]") == 2


def test_bad_device_is_a_usage_error(tmp_path):
    assert main([*CHECK, "--device", "tpu", "--out", str(tmp_path / "r")]) == 2
    assert main(["paper", *PAPER, "--device", "tpu", "--out", str(tmp_path / "p")]) == 2


def test_paper_interrupt_keeps_tasks_and_exits_130(tmp_path, monkeypatch, capsys):
    import verify.paper.study as study

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(study, "run_study", interrupted)
    assert main(["paper", *PAPER, "--out", str(tmp_path / "p")]) == 130
    assert "rerun the same command" in capsys.readouterr().err


@pytest.mark.slow
def test_paper_rerun_reads_tasks_back(tmp_path):
    out = tmp_path / "p"
    assert main(["paper", *PAPER, "--out", str(out)]) == 0
    first = json.loads((out / "deviations.json").read_text())["records"]
    assert main(["paper", *PAPER, "--out", str(out)]) == 0
    assert "0 run, 4 read back from the run folder" in (out / "report.md").read_text()
    assert json.loads((out / "deviations.json").read_text())["records"] == first


# --- double-descent -------------------------------------------------------------------------
DD = ["double-descent", "--quick", "--trials", "16", "--seed", "3"]


def _dd(out):
    data = json.loads((out / "double_descent.json").read_text())
    return data["points"], data["execution"]


def test_double_descent_serial_and_two_workers_identical(tmp_path):
    a, b = tmp_path / "serial", tmp_path / "pool"
    code = main([*DD, "--workers", "0", "--out", str(a)])
    assert code in (0, 1)            # 16 trials: a rejected z-test is possible, not the point
    assert main([*DD, "--workers", "2", "--out", str(b)]) == code
    (pa, ea), (pb, eb) = _dd(a), _dd(b)
    assert ea["executor"] == "serial" and eb["executor"] == "process" and eb["workers"] == 2
    assert ea["tasks"] == eb["tasks"] == ea["tasks_run"] == eb["tasks_run"] > 0
    assert pa == pb                  # every mean, SE, z and p-value, bit for bit
    assert (a / "double_descent.md").read_text() == (b / "double_descent.md").read_text()


def test_double_descent_rerun_reads_tasks_back(tmp_path, capsys):
    out, run_dir = tmp_path / "dd", tmp_path / "tasks-here"
    code = main([*DD, "--workers", "0", "--out", str(out), "--run-dir", str(run_dir)])
    first, ex1 = _dd(out)
    assert (run_dir / "tasks").is_dir() and not (out / "run").exists()
    assert ex1["tasks_from_store"] == 0 and ex1["tasks_run"] == ex1["tasks"] > 0
    from numeric.store import RunStore

    assert len(RunStore(run_dir).keys()) == ex1["tasks"]
    assert main([*DD, "--workers", "0", "--out", str(out), "--run-dir", str(run_dir)]) == code
    again, ex2 = _dd(out)
    assert ex2["tasks_from_store"] == ex2["tasks"] == ex1["tasks"] and ex2["tasks_run"] == 0
    assert again == first
    assert f"{ex1['tasks']} read back" in capsys.readouterr().out
    assert main([*DD, "--workers", "0", "--out", str(out), "--run-dir", str(run_dir),
                 "--fresh"]) == code
    assert _dd(out)[1]["tasks_from_store"] == 0 and _dd(out)[0] == first


def test_double_descent_resumes_a_partial_run(tmp_path):
    """32 trials per point reuse the first seed block of every point from an earlier 16-trial
    run in the same folder (half the tasks) and equal a run from scratch."""
    from numeric.executors import SerialExecutor
    from verify.double_descent import compute as C

    lay, store = C.layout(True), tmp_path / "run"
    with SerialExecutor() as short, SerialExecutor() as resumed, SerialExecutor() as scratch:
        C.simulate_points(lay, 6, 16, 3, executor=short, store=store)
        again = C.simulate_points(lay, 6, 32, 3, executor=resumed, store=store)
        fresh = C.simulate_points(lay, 6, 32, 3, executor=scratch)
    e1, e2 = short.totals, resumed.totals
    assert e2.tasks == 2 * e1.tasks and e2.tasks_from_store == e1.tasks == e2.tasks_run
    assert scratch.totals.tasks_from_store == 0
    assert again == fresh


def test_double_descent_usage_errors_of_the_execution_options(tmp_path, without_dask, capsys):
    assert main([*DD, "--device", "tpu", "--out", str(tmp_path / "a")]) == 2
    (tmp_path / "file").write_text("x")
    assert main([*DD, "--run-dir", str(tmp_path / "file"), "--out", str(tmp_path / "b")]) == 2
    assert main([*DD, "--dask", "local", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "device" in err and "--run-dir" in err and ".[distributed]" in err
    assert not any((tmp_path / d).exists() for d in ("a", "b", "c"))


def test_double_descent_interrupt_keeps_tasks_and_exits_130(tmp_path, monkeypatch, capsys):
    from verify.double_descent import compute

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(compute, "simulate_points", interrupted)
    assert main([*DD, "--workers", "0", "--out", str(tmp_path / "dd")]) == 130
    assert "rerun the same command" in capsys.readouterr().err


def _close(a, b, path="records"):
    """Equal structure, equal non-floats, floats equal to 1e-9 relative: returns the count of
    floats compared."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        return sum(_close(a[k], b[k], f"{path}.{k}") for k in a)
    if isinstance(a, list):
        assert len(a) == len(b), path
        return sum(_close(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
        return 1
    assert a == b, path
    return 0


@pytest.mark.slow
def test_paper_device_with_the_samples_engine(tmp_path):
    """``--device`` is no longer refused with ``--engine samples``; the numbers are the CPU's
    to rounding (same random numbers, Grams summed on the device)."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    base = ["paper", *PAPER, "--engine", "samples"]
    assert main([*base, "--out", str(tmp_path / "cpu")]) == 0
    assert main([*base, "--device", "torch:cpu", "--out", str(tmp_path / "dev")]) == 0
    cpu, dev = (json.loads((tmp_path / d / "deviations.json").read_text())["records"]
                for d in ("cpu", "dev"))
    assert len(cpu) == len(dev) == 4
    assert _close(cpu, dev) > 4 * 10
    assert cpu != dev                       # really another code path: rounding differs


def test_paper_passes_the_device_to_a_samples_study(tmp_path, monkeypatch):
    """The fast twin of the slow test above: the option reaches the study, not a usage error."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    import verify.paper.study as study
    seen = {}

    def capture(config, out, **kw):
        seen.update(engine=config.engine, device=kw["device"])
        raise KeyboardInterrupt
    monkeypatch.setattr(study, "run_study", capture)
    assert main(["paper", *PAPER, "--engine", "samples", "--device", "torch:cpu",
                 "--out", str(tmp_path / "p")]) == 130
    assert seen == {"engine": "samples", "device": "torch:cpu"}
