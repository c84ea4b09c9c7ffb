"""report.md reads true: each claim's own resolution as a number, a deterministic
counterexample shown as found (no "theory -, simulated -", no "(not shrunk)"), citations
that name files of the repository."""
import os
import re
import textwrap

import sympy as sp

from verify.cli import main

CLAIMS = """
    import sympy as sp
    import verify
    from verify.claims import CustomClaim, Observation


    class Witness(CustomClaim):
        name = "user.witness"
        kind = "custom"

        def run(self, ctx):
            return [Observation.check("minimal counterexample (exact)", "fail",
                                      config={"d_s": 3, "d_w": 5, "n": 9, "N": 7},
                                      details={"exact_ratio": "1/3", "bound": "1/2"})]


    CLAIMS = [
        verify.Claim("user.approx", "weak", "risk.weak.exact", "approx",
                     tolerance=sp.Float(0.1), source="theory.md §3", examples=1),
        verify.Claim("user.eq", "strong", "risk.strong.exact", resolution=0.25,
                     source="issue 6; theory.md §4", examples=1),
        Witness(source="theory.md §2", expect="fail"),
    ]
"""


def test_report_reads_true(tmp_path, capsys):
    f = tmp_path / "claims.py"
    f.write_text(textwrap.dedent(CLAIMS))
    out = tmp_path / "out"
    main(["--claims-file", str(f), "--no-plots", "--no-progress", "--workers", "0",
          "--out", str(out)])
    printed = capsys.readouterr().out
    md = (out / "report.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in md.splitlines()
            if line.startswith("| user.")}
    # The resolution column states each claim's own number.
    assert "±0.1" in rows["user.approx"] and "| 0.25 |" in rows["user.eq"]
    assert "0.100000000000000" not in md and "tolerance 0.1 (relative)" in md
    # The deterministic witness is shown as the claim found it.
    for text in (md, printed):
        assert "theory -, simulated -" not in text and "not shrunk" not in text
    assert "minimal counterexample (exact) at d_s=3, d_w=5, n=9, N=7 (exact_ratio 1/3, bound 1/2)" in md
    # Every cited notes/ file exists; no citation of theory.md or an issue number is left.
    assert "theory.md" not in md and not re.search(r"\bissue \d", md)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cited = set(re.findall(r"notes/[\w.-]+\.md", md))
    assert {"notes/paper-forms.md", "notes/complexity.md", "notes/derivation.md"} <= cited
    assert all(os.path.exists(os.path.join(root, c)) for c in cited)
    # The header no longer says a check with MDE above its resolution can never pass.
    assert "never `pass`" not in md
    assert sp  # the claims file builds its tolerance with sympy


def test_every_mapped_notes_file_exists():
    from verify.citations import ISSUES, SECTIONS

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for path in {*SECTIONS.values(), *ISSUES.values()}:
        assert os.path.exists(os.path.join(root, path)), path


def test_an_inconclusive_check_says_why():
    from verify.claims import Observation
    from verify.report import _passed_by

    o = Observation.test("E[w2s] = exact", 1.0, 0.01, 1.0, "two-sided", resolution=0.1)
    o.status, o.mde = "inconclusive", 0.10031
    assert _passed_by(o) == "inconclusive (MDE 0.1003 > res. 0.1)"
    # a random draw without power that a spare replaced (verify.expectation) says so
    o.required = False
    assert _passed_by(o) == "inconclusive (MDE 0.1003 > res. 0.1); replaced by a spare draw, not required"
    o.status = "fail"
    assert _passed_by(o) == "fail"
