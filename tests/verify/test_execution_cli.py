"""The verify commands' use of the executors and run folders (issue 7).

These live with the executor tests because they test that wiring, not the verify logic:
rerunning a command reads its finished tasks back and gives the same report numbers;
``--dask`` without the extra is a usage error; Ctrl-C keeps the tasks and exits 130.
"""
import builtins
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


def test_dask_flag_without_the_extra_is_a_usage_error(tmp_path, monkeypatch, capsys):
    real = builtins.__import__

    def no_dask(name, *a, **k):
        if name.startswith("dask") or name.startswith("distributed"):
            raise ImportError(name)
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_dask)
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
