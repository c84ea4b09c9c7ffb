"""Nothing the user owns is lost (issue 15, data loss).

Every case plants sentinel files the tool did not write and checks that they survive byte for
byte: ``--out DIR`` and ``--out .`` holding other files, ``--fresh`` on a run folder holding other
files, the main job next to the ``paper`` and ``double-descent`` folders, a folder whose report
names the tool did not write (refused with exit 2 before any computation), a failed run (the
previous report stays, nothing half-written), and unwritable folders (exit 2 up front).
"""
import errno
import json
import os

import pytest

from verify import outputs
from verify.cli import main

CHECK = ["--quick", "--only", "core.weak.exact", "--examples", "2", "--trials", "64",
         "--trials-budget", "64", "--no-plots", "--no-progress", "--workers", "0"]
OK = (0, 3)        # 64 trials may leave the claim inconclusive: not the point here


def _plant(path, text="mine\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_out_dir_keeps_other_files(tmp_path):
    x = tmp_path / "x"
    src = _plant(x / "src" / "m.py", "a\n")
    assert main([*CHECK, "--out", str(x)]) in OK
    assert src.read_text() == "a\n"
    assert (x / "report.json").is_file() and (x / "report.md").is_file()
    first = (x / "report.json").read_text()
    assert main([*CHECK, "--out", str(x)]) in OK          # a rerun replaces its own report
    assert src.read_text() == "a\n"
    again = json.loads((x / "report.json").read_text())
    assert [c["observations"] for c in again["claims"]] == \
        [c["observations"] for c in json.loads(first)["claims"]]
    assert not [p for p in os.listdir(x) if p.startswith(".w2s-verify-stage")]


def test_out_dot_keeps_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sentinels = [_plant(tmp_path / "thesis.tex"), _plant(tmp_path / "src" / "m.py"),
                 _plant(tmp_path / ".git" / "HEAD", "ref: refs/heads/main\n")]
    assert main([*CHECK, "--out", ".", "--run-dir", str(tmp_path / "r")]) in OK
    for s in sentinels:
        assert s.exists(), s
    assert (tmp_path / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (tmp_path / "report.md").is_file()


@pytest.mark.parametrize("name", ["report.md", "junit.xml", "plots/figure.png"])
def test_report_name_not_ours_is_refused_before_computing(tmp_path, capsys, name):
    x = tmp_path / "x"
    mine = _plant(x / name, "my own notes\n")
    assert main([*CHECK, "--out", str(x)]) == 2
    err = capsys.readouterr().err
    assert name.split("/")[0] in err and "not written by" in err and "Traceback" not in err
    assert mine.read_text() == "my own notes\n"
    assert not (tmp_path / "x.run").exists()          # refused before any computation


def test_fresh_deletes_only_task_files(tmp_path):
    p = tmp_path / "p"
    thesis = _plant(p / "thesis.tex", "x\n")
    notes = _plant(p / "tasks" / "notes.txt", "keep\n")
    manifest = _plant(p / "manifest.json", '{"name": "my package"}\n')
    out = tmp_path / "o"
    assert main([*CHECK, "--run-dir", str(p), "--fresh", "--out", str(out)]) in OK
    assert (p / "tasks" / "store.sqlite").is_file()
    assert main([*CHECK, "--run-dir", str(p), "--fresh", "--out", str(out)]) in OK
    ex = json.loads((out / "report.json").read_text())["settings"]["execution"]
    assert ex["tasks_from_store"] == 0 and ex["tasks_run"] == ex["tasks"] > 0
    for k, text in ((thesis, "x\n"), (notes, "keep\n"), (manifest, '{"name": "my package"}\n')):
        assert k.read_text() == text, k


def test_run_dir_with_a_foreign_task_database_is_refused(tmp_path, capsys):
    p = tmp_path / "p"
    db = _plant(p / "tasks" / "store.sqlite", "my own data\n")
    assert main([*CHECK, "--run-dir", str(p), "--fresh", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "store.sqlite" in err and "Traceback" not in err
    assert db.read_text() == "my own data\n" and not (tmp_path / "o").exists()


def test_main_job_keeps_the_other_commands_folders(tmp_path):
    report = tmp_path / "verify-report"
    # What `paper` and `double-descent` leave there: their marker, outputs and run folders.
    kept = []
    for cmd, folder in (("paper", "paper"), ("double-descent", "double-descent")):
        outputs.claim_folder(report / folder, cmd)
        kept += [_plant(report / folder / "report.md"), _plant(report / folder / "run" / "x")]
    assert main([*CHECK, "--out", str(report)]) in OK
    assert main([*CHECK, "--out", str(report)]) in OK
    for k in kept:
        assert k.read_text() == "mine\n", k
    assert (report / "report.md").is_file()


def test_paper_and_double_descent_refuse_a_foreign_folder(tmp_path, capsys):
    x = tmp_path / "x"
    src = _plant(x / "src" / "m.py", "a\n")
    assert main(["double-descent", "--quick", "--workers", "0", "--out", str(x)]) == 2
    assert main(["paper", "--quick", "--workers", "0", "--out", str(x)]) == 2
    err = capsys.readouterr().err
    assert err.count("not written by") == 2 and "Traceback" not in err
    assert sorted(os.listdir(x)) == ["src"] and src.read_text() == "a\n"


def test_failed_run_keeps_the_previous_report(tmp_path, monkeypatch, capsys):
    import verify.report as report

    x = tmp_path / "x"
    assert main([*CHECK, "--out", str(x)]) in OK
    before = {f: (x / f).read_bytes() for f in ("report.md", "report.json", "junit.xml")}

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "junit", full_disk)   # fails after report.json was staged
    assert main([*CHECK, "--out", str(x)]) == outputs.EXIT_IO
    err = capsys.readouterr().err
    assert "I/O error" in err and "No space left" in err and "Traceback" not in err
    assert {f: (x / f).read_bytes() for f in before} == before
    assert not [p for p in os.listdir(x) if p.startswith(".w2s-verify-stage")]


@pytest.mark.parametrize("option", ["--out", "--run-dir"])
def test_unwritable_folder_is_a_usage_error_up_front(tmp_path, capsys, option):
    args = {"--out": str(tmp_path / "o"), "--run-dir": str(tmp_path / "r")}
    args[option] = "/proc/w2s-verify-test"
    assert main([*CHECK, "--out", args["--out"], "--run-dir", args["--run-dir"]]) == 2
    err = capsys.readouterr().err
    assert option in err and "not writable" in err and "Traceback" not in err
    assert not any(os.path.exists(v) for v in args.values())


def test_replace_files_removes_only_its_own_stale_files(tmp_path):
    folder, stage = tmp_path / "out", tmp_path / "stage"
    for rel in ("report.md", "plots/a.png", "plots/b.png"):
        _plant(stage / rel, rel)
    outputs.replace_files(folder, "check", stage, ["report.md", "plots/a.png", "plots/b.png"])
    theirs = _plant(folder / "plots" / "notes.txt")
    _plant(stage / "report.md", "new")
    outputs.replace_files(folder, "check", stage, ["report.md"])
    assert (folder / "report.md").read_text() == "new"
    assert not (folder / "plots" / "a.png").exists() and not (folder / "plots" / "b.png").exists()
    assert theirs.read_text() == "mine\n"
    assert outputs.owned(folder, "check") == {"report.md"}


def test_store_clear_touches_only_task_files(tmp_path):
    from numeric import store

    run = tmp_path / "run"
    st = store.RunStore(run)
    st.put("a" * 64, {"weak": [1.0, 2.0]})
    st.close()
    keep = [_plant(run / "tasks" / "README"), _plant(run / "tasks" / ("b" * 63 + ".npz")),
            _plant(run / "thesis.tex"), _plant(run / "manifest.json", "{}\n")]
    removed = store.clear(run)
    assert [os.path.basename(p) for p in removed][:1] == ["store.sqlite"]
    assert all(k.exists() for k in keep)
    assert not (run / "tasks" / "store.sqlite").exists()


def _results(out):
    """report.json without what is the run's and not the result's (timings, execution)."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("seconds", "execution")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(json.loads((out / "report.json").read_text()))


def test_report_results_identical_across_executors_and_resume(tmp_path):
    """simulated_trials (work done, executor-dependent) lives under settings.execution."""
    args = [*CHECK[:-2], "--only", "core.strong.exact"]
    assert main([*args, "--workers", "0", "--out", str(tmp_path / "a")]) in OK
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "b")]) in OK
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "a")]) in OK   # resumed
    a, b = _results(tmp_path / "a"), _results(tmp_path / "b")
    assert a == b and "simulated_trials" not in a["settings"]
    ex = json.loads((tmp_path / "b" / "report.json").read_text())["settings"]["execution"]
    assert ex["simulated_trials"] > 0 and ex["executor"] == "process"


@pytest.mark.slow
def test_real_paper_and_double_descent_folders_survive_the_main_job(tmp_path, monkeypatch):
    """The issue's sequence, end to end: paper, double-descent, then the main job."""
    from tests.verify.test_execution_cli import PAPER

    monkeypatch.chdir(tmp_path)
    assert main(["paper", *PAPER]) in (0, 1)
    assert main(["double-descent", "--quick", "--workers", "0"]) in (0, 1)
    from numeric.store import RunStore

    def tasks(cmd):
        st = RunStore(tmp_path / "verify-report" / cmd / "run")
        try:
            return sorted(st.keys())
        finally:
            st.close()

    # Byte for byte, except the run databases (SQLite may fold its write-ahead log into them
    # when a connection closes): their tasks are compared instead.
    before = {p: p.read_bytes() for p in (tmp_path / "verify-report").rglob("*")
              if p.is_file() and "run" not in p.relative_to(tmp_path / "verify-report").parts}
    runs = {cmd: tasks(cmd) for cmd in ("paper", "double-descent")}
    assert any("paper" in str(p) for p in before) and any("double-descent" in str(p) for p in before)
    assert all(runs.values())
    assert main([*CHECK, "--only", "core.strong.exact"]) in OK
    assert main([*CHECK]) in OK
    for p, data in before.items():
        assert p.read_bytes() == data, p
    assert {cmd: tasks(cmd) for cmd in runs} == runs


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file() and "run" not in p.relative_to(folder).parts}


def test_staged_report_is_all_or_nothing(tmp_path):
    """verify.outputs.staged: files appear only when the block completes; a failing block
    leaves the previous files and the user's byte for byte, and no staging folder."""
    x = tmp_path / "x"
    with outputs.staged(x, "paper") as stage:
        for name in ("a.md", "sub/b.png"):
            _plant(tmp_path / "x" / stage / name, "v1\n")
    mine = _plant(x / "notes.txt")
    assert (x / "a.md").read_text() == "v1\n" and (x / "sub" / "b.png").read_text() == "v1\n"
    with pytest.raises(KeyboardInterrupt):
        with outputs.staged(x, "paper") as stage:
            _plant(tmp_path / "x" / stage / "a.md", "v2\n")
            raise KeyboardInterrupt
    assert (x / "a.md").read_text() == "v1\n" and mine.read_text() == "mine\n"
    assert sorted(os.listdir(x)) == [".w2s-verify-paper.json", "a.md", "notes.txt", "sub"]
    with outputs.staged(x, "paper") as stage:                  # b.png not rewritten: stale
        _plant(tmp_path / "x" / stage / "a.md", "v3\n")
    assert sorted(os.listdir(x)) == [".w2s-verify-paper.json", "a.md", "notes.txt"]
    assert outputs.owned(x, "paper") == {"a.md"}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["paper", "double-descent", "features"])
def test_failed_report_keeps_the_previous_one_whole(tmp_path, monkeypatch, capsys, command):
    """A run that fails while writing its report (here: a full disk on the last file) leaves
    the previous report byte for byte, nothing half-written, no staging folder (exit 4)."""
    from tests.verify.test_execution_cli import DD, PAPER

    x = tmp_path / "x"
    if command == "paper":
        args = ["paper", *PAPER, "--out", str(x)]
        import verify.paper.study as mod
        last = "report.md"
    elif command == "double-descent":
        args = [*DD, "--workers", "0", "--out", str(x)]
        import verify.paper.io as mod
        last = "double_descent.json"
    else:
        args = ["features", "--demo", "digits", "--trials", "2", "--n-grid", "60:100:2",
                "--N-grid", "300:400:2", "--workers", "0", "--out", str(x)]
        pytest.importorskip("sklearn")
        import verify.paper.io as mod
        last = "features.json"
    assert main(args) in (0, 1, 3)
    mine = _plant(x / "notes.txt")
    before = _snapshot(x)
    real = mod.write_text

    def full_disk(path, text):
        if str(path).endswith(last):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(mod, "write_text", full_disk)
    assert main(args) == outputs.EXIT_IO
    err = capsys.readouterr().err
    assert "No space left" in err and "Traceback" not in err
    assert _snapshot(x) == before and mine.read_text() == "mine\n"
    assert not [p for p in os.listdir(x) if p.startswith(".w2s-verify-stage")]
