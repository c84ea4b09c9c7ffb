"""verify.testing.parametrize_claims: one pytest test per claim, outcomes reported honestly.

The claims file below is run by pytest in a subprocess (pytester-free, as a user would): a
true claim passes, a false one fails with its counterexample, a registered refutation passes,
an under-powered one is skipped.
"""
import subprocess
import sys
import textwrap

import pytest

USER_TEST = '''
import sympy as sp
import verify
from theory.symbols import d_w, n, sigma2
from verify.testing import parametrize_claims

CLAIMS = [
    verify.SymbolicClaim("user.identity", "risk.weak.exact", "risk.weak.exact"),
    verify.SymbolicClaim("user.off_by_one", "risk.weak.exact", sigma2 * d_w / (n - d_w)),
    verify.SymbolicClaim("user.refuted", "risk.weak.exact", sigma2 * d_w / n, expect="fail"),
    verify.Claim("user.underpowered", "weak", "risk.weak.exact", resolution=1e-4, examples=1),
]


@parametrize_claims(CLAIMS, seed=3, trials_budget=2048)
def test_claim(claim_check):
    claim_check()
'''


def test_one_test_per_claim_with_honest_outcomes(tmp_path):
    f = tmp_path / "test_user_claims.py"
    f.write_text(textwrap.dedent(USER_TEST))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-q", "-p", "no:cacheprovider",
                           str(f)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = proc.stdout
    assert proc.returncode == 1, out            # one claim fails
    assert "PASSED test_user_claims.py::test_claim[user.identity]" in out
    assert "PASSED test_user_claims.py::test_claim[user.refuted]" in out
    assert "FAILED test_user_claims.py::test_claim[user.off_by_one]" in out
    assert "SKIPPED" in out and "user.underpowered" in out and "inconclusive" in out
    assert "claim user.off_by_one: status fail, expected pass" in out
    assert "counterexample: " in out and "lhs " in out and "rhs " in out
    assert "1 failed, 2 passed, 1 skipped" in out


def test_bad_claim_lists_are_refused():
    import verify
    from verify.testing import parametrize_claims

    with pytest.raises(ValueError, match="at least one"):
        parametrize_claims([])
    c = verify.SymbolicClaim("user.same", "risk.weak.exact", "risk.weak.exact")
    with pytest.raises(ValueError, match="unique"):
        parametrize_claims([c, c])
