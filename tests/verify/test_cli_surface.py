"""What a user finds on the command line: the subcommands in --help, a mistyped subcommand,
--version, and one exit-status vocabulary (verify.exitcodes.ExitCode)."""
import subprocess
import sys

import pytest

from verify import exitcodes
from verify.cli import SUBCOMMANDS, main
from verify.exitcodes import ExitCode


def test_help_lists_every_subcommand_and_the_exit_statuses(capsys):
    assert main(["--help"]) == ExitCode.OK
    out = capsys.readouterr().out
    listing = out[out.index("subcommands ("):]
    for name in ("check", "point", "paper", "double-descent", "dims", "features"):
        assert f"\n  {name} " in listing, name
    assert set(SUBCOMMANDS) <= {line.split()[0] for line in listing.splitlines()[1:] if line.startswith("  ")}
    for code in ExitCode:
        assert f"{int(code)} " in out


def test_a_word_that_is_not_a_subcommand_is_named_with_the_list(capsys):
    assert main(["bogus"]) == ExitCode.USAGE_ERROR
    err = capsys.readouterr().err
    assert "'bogus' is not a subcommand" in err
    assert all(name in err for name in SUBCOMMANDS)


@pytest.mark.parametrize("argv", [["--version"], ["point", "--version"]])
def test_version(argv, capsys):
    from importlib import metadata

    assert main(argv) == ExitCode.OK
    assert capsys.readouterr().out.strip() == f"w2s-verifier {metadata.version('w2s-verifier')}"


def test_commands_return_exit_code_members(capsys, tmp_path):
    assert main(["point", str(tmp_path / "missing.toml")]) is ExitCode.USAGE_ERROR
    assert "verify point: error:" in capsys.readouterr().err


def test_exit_codes_are_the_documented_numbers():
    assert [(c.name, int(c)) for c in ExitCode] == [
        ("OK", 0), ("CLAIM_FAILED", 1), ("USAGE_ERROR", 2), ("INCONCLUSIVE", 3), ("IO_ERROR", 4),
        ("INTERRUPTED", 130), ("BROKEN_PIPE", 141), ("TERMINATED", 143)]


def test_one_interrupted_message(capsys):
    assert exitcodes.interrupted("verify paper", "finished tasks are kept in X") == 130
    assert capsys.readouterr().err == ("verify paper: interrupted; finished tasks are kept in X: "
                                       "rerun the same command to go on from there\n")


def test_bogus_subcommand_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "verify", "bogus"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "not a subcommand" in proc.stderr and not proc.stdout


def test_reuse_is_described_truthfully():
    from verify.commands.execution import reuse_text

    assert reuse_text(0, 0, "R") == "none read back from R"
    assert "reused within this run" in reuse_text(256, 0, "R") and "read back from" not in reuse_text(256, 0, "R")
    assert reuse_text(12, 40, "R").startswith("12 read back from R (it held 40")


def test_a_new_run_folder_reads_nothing_back(tmp_path, capsys):
    claims = tmp_path / "claims.py"
    claims.write_text("import verify\n"
                      "CLAIMS = [verify.Claim('user.weak', 'weak', 'risk.weak.exact', examples=2)]\n")
    argv = ["--claims-file", str(claims), "--quick", "--no-plots", "--no-progress", "--workers", "0",
            "--out", str(tmp_path / "out")]
    main(argv)
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("simulation tasks:"))
    assert "held no finished task before" in line or "none read back" in line
    main(argv)      # the same command again: now the folder's tasks are read back
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("simulation tasks:"))
    assert "read back from" in line and "finished tasks from earlier runs" in line
