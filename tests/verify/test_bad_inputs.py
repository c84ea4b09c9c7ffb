"""Inputs that crashed or ran away (issue 15): claims files (named file and line, exit 2, before
any computation), scenario files for ``point``, ``--trials 1``, ``--workers 50``, ``| head``."""
import json
import subprocess
import sys

import pytest

from verify.cli import main

LIST = ["--list"]


def _claims_file(tmp_path, text, name="c.py", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


@pytest.mark.parametrize("text, needle", [
    ("CLAIMS = [\n", "line 1: syntax error"),
    ("x = 1\nimport nosuchmodule_w2s\nCLAIMS = []\n", "line 2: ModuleNotFoundError"),
    ("def f():\n    raise RuntimeError('boom')\n\nf()\n", "line 2: RuntimeError: boom"),
    ("CLAIMS = []\n", "defines an empty CLAIMS: nothing to check"),
    ("X = 1\n", "must define a module-level list CLAIMS"),
    ("import sympy as sp\nfrom verify.claims import Claim\n"
     "CLAIMS = [Claim('u.typo', 'weak', sp.sympify('rho_w + foo / n'))]\n",
     "line 3: ValueError: expr uses unknown symbol(s) ['foo']"),
])
@pytest.mark.parametrize("extra", [LIST, ["--quick", "--workers", "0", "--no-progress"]])
def test_claims_file_errors_name_the_file_and_exit_2(tmp_path, capsys, text, needle, extra):
    path = _claims_file(tmp_path, text)
    assert main(["--claims-file", str(path), "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and needle in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() and not (tmp_path / "o.run").exists()


def test_claims_file_not_utf8_or_a_folder(tmp_path, capsys):
    path = _claims_file(tmp_path, b"\xff\xfe CLAIMS = []", mode="wb")
    assert main(["--claims-file", str(path), *LIST]) == 2
    assert main(["--claims-file", str(tmp_path), *LIST]) == 2
    assert main(["--claims-file", str(tmp_path / "nope.py"), *LIST]) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"claims file {str(path)!r} is not UTF-8 text" in err[0]
    assert f"claims file {str(tmp_path)!r} is a folder" in err[1]
    assert f"claims file {str(tmp_path / 'nope.py')!r} does not exist" in err[2]


def test_trials_message_agrees_with_the_option(capsys):
    assert main(["--trials", "1", "--list"]) == 2
    err = capsys.readouterr().err
    assert "--trials must be an integer >= 32, got 1" in err


@pytest.mark.parametrize("scenario, needle", [
    ({"d_s": 20, "d_w": 40, "n": 200, "N": 600, "sigma2": 0}, "sigma2 = 0 with a zero target"),
    ({"d_s": 20, "d_w": 40, "n": 200, "N": 600, "sigma2": 1e-300}, "sigma2 must be 0 or"),
    ({"d_s": 20, "d_w": 40, "n": 200, "N": 600, "sigma2": 1e300}, "sigma2 must be 0 or"),
    ({"d_s": 20, "d_w": 40, "n": 200, "N": 1e20, "sigma2": 0.1}, "N must be an integer in"),
    ({"d_s": 20, "d_w": 10**6, "n": 200, "N": 600, "sigma2": 0.1}, "TiB of memory"),
    ({"d_s": 20, "d_w": 40, "d_sw": "3", "n": 200, "N": 600, "sigma2": 0.1}, "d_sw must be a finite real"),
])
def test_point_refuses_bad_scenarios_with_exit_2(tmp_path, capsys, scenario, needle):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario))
    assert main(["point", str(path), "--trials", "16"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_point_names_a_non_utf8_scenario_file(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_bytes(b'{"d_s": 2, \xff}')
    assert main(["point", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "UTF-8" in err


def test_workers_never_exceed_claims(tmp_path, monkeypatch):
    import verify.runner as runner

    started = []
    real = runner._Worker

    class Counting(real):
        def __init__(self, mp):
            super().__init__(mp)
            started.append(self.process.pid)

    monkeypatch.setattr(runner, "_Worker", Counting)
    args = ["--quick", "--only", "core.weak.exact", "--only", "core.strong.exact", "--examples",
            "1", "--trials", "64", "--trials-budget", "64", "--no-plots", "--no-progress",
            "--workers", "50", "--out", str(tmp_path / "o")]
    assert main(args) in (0, 3)
    assert len(started) == 2


@pytest.mark.parametrize("argv", [["--list"], ["point", "{scenario}", "--trials", "16"]])
def test_piping_into_head_is_quiet(tmp_path, argv):
    sc = tmp_path / "s.json"
    sc.write_text(json.dumps({"d_s": 3, "d_w": 4, "n": 50, "N": 60, "sigma2": 0.1}))
    argv = [a.replace("{scenario}", str(sc)) for a in argv]
    # `| head` that has gone away before the output comes: every write meets a closed pipe.
    p = subprocess.Popen([sys.executable, "-m", "verify", *argv], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert p.returncode == 141


def test_min_trials_is_the_contexts_rule():
    from numeric import TRIAL_BLOCK
    from verify.commands.check import MIN_TRIALS
    from verify.context import Context

    assert MIN_TRIALS == 2 * TRIAL_BLOCK
    with pytest.raises(ValueError, match=f">= {MIN_TRIALS}"):
        Context(seed=0, trials=MIN_TRIALS - 1)


@pytest.mark.parametrize("argv, message", [
    (["point", "s.json", "--trials", "1"], "--trials must be an integer in [2, inf), got 1"),
    (["point", "s.json", "--alpha", "1"], "--alpha must be a finite real number in (0, 1), got 1.0"),
    (["double-descent", "--trials", "8"], "--trials must be an integer in [16, 1000000], got 8"),
    (["double-descent", "--seed", "-1"], "--seed must be an integer in [0, inf), got -1"),
])
def test_command_option_messages(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.json").write_text(json.dumps({"d_s": 3, "d_w": 4, "n": 50, "N": 60, "sigma2": 0.1}))
    assert main(argv) == 2
    assert message in capsys.readouterr().err
