"""The check command: exit codes, usage errors, claims files, report files."""
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from verify.cli import main


FILES = {
    "ok": """
        import verify
        CLAIMS = [verify.SymbolicClaim("user.identity", "risk.weak.exact", "risk.weak.exact")]
    """,
    "false": """
        import verify
        from theory.symbols import sigma2, d_w, n
        CLAIMS = [verify.SymbolicClaim("user.false", "risk.weak.exact", sigma2 * d_w / n)]
    """,
    "known_false": """
        import verify
        from theory.symbols import sigma2, d_w, n
        CLAIMS = [verify.SymbolicClaim("user.known_false", "risk.weak.exact", sigma2 * d_w / n, expect="fail")]
    """,
    # an expectation claim asked for a resolution no budget can reach
    "underpowered": """
        import verify
        CLAIMS = [verify.Claim("user.underpowered", "weak", "risk.weak.exact", resolution=1e-4, examples=1,
                               fragile=0)]
    """,
}


@pytest.fixture
def claims_file(tmp_path):
    def make(kind):
        f = tmp_path / f"{kind}.py"
        f.write_text(textwrap.dedent(FILES[kind]))
        return str(f)
    return make


def _run(args, tmp_path):
    return main(args + ["--out", str(tmp_path / "rep"), "--no-plots", "--no-progress",
                        "--trials", "512", "--trials-budget", "1024"])


@pytest.mark.parametrize("kind, code", [("ok", 0), ("false", 1), ("known_false", 0), ("underpowered", 3)])
def test_exit_codes(kind, code, claims_file, tmp_path, capsys):
    assert _run(["--claims-file", claims_file(kind)], tmp_path) == code
    out = capsys.readouterr().out
    assert f"Exit code {code}" in out and "alpha = 0.001" in out


def test_report_files_parse(claims_file, tmp_path, capsys):
    code = _run(["--claims-file", claims_file("false"), "--claims-file", claims_file("underpowered"),
                 "--seed", "4"], tmp_path)
    assert code == 1
    rep = tmp_path / "rep"
    data = json.loads((rep / "report.json").read_text())
    assert data["settings"]["seed"] == 4 and data["summary"]["alpha"] == 0.001
    assert data["environment"]["versions"]["numpy"]
    by_name = {c["claim"]["name"]: c for c in data["claims"]}
    assert by_name["user.false"]["status"] == "fail"
    # the statistical one (the symbolic oracle adds its deterministic proof, verify/oracle.py)
    (obs,) = [o for o in by_name["user.underpowered"]["observations"] if o["alternative"] != "none"]
    assert obs["config"]["n"] > obs["config"]["d_w"] + 1 and obs["trials"] == 1024
    assert obs["theory"] > 0 and obs["stderr"] > 0 and obs["mde"] > 1e-4
    suite = ET.parse(rep / "junit.xml").getroot()
    assert suite.tag == "testsuite" and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["user.false"].find("failure") is not None
    assert cases["user.underpowered"].find("skipped") is not None
    md = (rep / "report.md").read_text()
    assert "user.false" in md and "Holm" in md
    assert not [p for p in rep.parent.iterdir() if p.name.startswith(".verify-")]  # temp dirs cleaned


@pytest.mark.parametrize("args, message", [
    (["--alpha", "2"], "--alpha"),
    (["--seed", "-3"], "--seed"),
    (["--trials-budget", "0"], "--trials-budget"),
    (["--only", "no.such.claim"], "no.such.claim"),
    (["--claims", "zzz*"], "no claim matches"),
    (["--claims-file", "/nonexistent/claims.py"], "does not exist"),
    (["--bogus"], "unrecognized"),
])
def test_usage_errors_exit_2_with_a_message(args, message, tmp_path, capsys):
    assert _run(args, tmp_path) == 2
    assert message in capsys.readouterr().err


def test_trials_budget_below_trials_is_a_usage_error(tmp_path, capsys):
    assert main(["--trials", "4096", "--trials-budget", "1024", "--out", str(tmp_path)]) == 2
    assert "trials_budget" in capsys.readouterr().err


def test_list_and_selection(capsys):
    assert main(["--list", "--claims", "core.paper.*"]) == 0
    out = capsys.readouterr().out
    assert "core.paper.weak" in out and "core.weak.exact" not in out


def test_python_m_verify_usage_error_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "verify", "--alpha", "nope"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--alpha" in proc.stderr
