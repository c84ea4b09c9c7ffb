"""Citations a reader can open: claim sources written against the project's maths brief
(``theory.md``, outside the repository) or an issue number become the ``notes/`` file that
holds the derivation.

The built-in claim sets still name ``theory.md §k`` and issue numbers in their ``source`` and
``description`` fields; reports pass those through :func:`resolve` so that every citation they
print points at a file in the repository.
"""
from __future__ import annotations

import re

__all__ = ["SECTIONS", "ISSUES", "resolve"]

#: theory.md section -> the notes/ file that derives or documents it.
SECTIONS = {
    "1": "notes/derivation.md",        # setting
    "2": "notes/derivation.md",        # exact finite-sample expectations
    "3": "notes/paper-forms.md",       # the paper's forms and bounds
    "4": "notes/derivation.md",        # consequences (proved in tests/theory/test_identities.py)
    "5": "notes/paper-study.md",       # the authors' synthetic experiment
    "6": "notes/regimes.md",           # every parameterization regime
    "7": "notes/regimes.md",           # the finite-N misfit identity
}
#: issue number -> the notes/ file that records what it delivered.
ISSUES = {
    "5": "notes/paper-study.md",
    "6": "notes/complexity.md",
    "8": "notes/regimes.md",
    "12": "notes/real-features.md",
    "13": "notes/real-features.md",
}

_SECTION = re.compile(r"(?:/work/shared/)?theory\.md(?:\s*(?:§|sections?\s+)(\d)(?:\s*-\s*(\d))?"
                      r"(?:,\s*§(\d))?)?")
_ISSUE = re.compile(r"\bissue (\d+)\b")


def _section(match: re.Match) -> str:
    nums = [g for g in match.groups() if g]
    files = []
    for k in nums or ["2"]:
        f = SECTIONS.get(k, "notes/derivation.md")
        if f not in files:
            files.append(f)
    return ", ".join(files)


def _issue(match: re.Match) -> str:
    return ISSUES.get(match.group(1), match.group(0))


def resolve(text: str | None) -> str | None:
    """``text`` with each ``theory.md §k`` / ``theory.md sections j-k`` / ``issue n`` replaced by
    the notes/ file it refers to (duplicates within one citation removed)."""
    if not text:
        return text
    out = _ISSUE.sub(_issue, _SECTION.sub(_section, text))
    # "notes/complexity.md; notes/derivation.md" stays; "notes/x.md; notes/x.md" collapses.
    return re.sub(r"(notes/[\w.-]+\.md)(?:[;,] \1)+", r"\1", out)
