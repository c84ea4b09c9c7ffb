"""The README's `theory` script runs and prints what its comments say."""
import contextlib
import io
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def _block(marker: str) -> str:
    text = open(README, encoding="utf-8").read()
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        if marker in block:
            return block
    raise AssertionError(f"no README python block contains {marker!r}")


def test_theory_script_prints_30_digits():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(_block('prec=30'), "README.md", "exec"), {})
    out = buf.getvalue()
    assert "0.862241943609595635121347477143" in out      # 30 significant digits, as commented
    assert "(-d_sw + d_w)/d_w" in out                     # = 1 - d_sw/d_w, as commented


def test_teacher_ratio_sentence():
    import theory

    p = dict(n=400, d_w=200, sigma2=0.1, rho_w=0)
    ratio = float(theory.evaluate("risk.weak.exact", **p) / theory.evaluate("risk.weak.paper", **p))
    assert "is 2.01 times the paper's `d/n`" in open(README, encoding="utf-8").read()
    assert ratio == pytest.approx(2.01, abs=0.005) and 1 - 1 / ratio == pytest.approx(0.50, abs=0.005)


MY_CLAIMS = '''
import verify

CLAIMS = [verify.SymbolicClaim("mine.identity", "risk.weak.exact", "risk.weak.exact")]
'''


def test_ci_recipe(tmp_path, monkeypatch):
    """The README's pytest file and CI step work as written on a claims file."""
    import shlex
    import subprocess
    import sys

    from verify.cli import main

    (tmp_path / "my_claims.py").write_text(MY_CLAIMS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_claims.py").write_text(_block("parametrize_claims"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_claims.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
    text = open(README, encoding="utf-8").read()
    step = re.search(r"- run: (python -m verify --claims-file [^\n]*)", text).group(1)
    argv = shlex.split(step)[3:]
    monkeypatch.chdir(tmp_path)
    assert main(argv + ["--no-plots", "--no-progress"]) == 0   # the plots only add time here
    assert (tmp_path / "verify-report" / "report.md").exists()
