"""Claims in a user's own pytest suite, in the spirit of scikit-learn's ``parametrize_with_checks``.

.. code-block:: python

    # tests/test_my_claims.py
    from my_package.claims import CLAIMS
    from verify.testing import parametrize_claims

    @parametrize_claims(CLAIMS)
    def test_claim(claim_check):
        claim_check()

One pytest test per claim, with the claim's name as its id. All claims are checked together, the
first time one of the tests runs, as ``python -m verify`` would check them: one Holm family over
every statistical check of every claim, at the family-wise false-alarm rate ``alpha``, so that
running them as separate tests does not multiply false alarms. Then each test

* passes when its claim had its expected outcome (``pass``, or ``fail`` for a registered
  refutation, ``expect="fail"``);
* fails with the report's counterexample when the claim failed unexpectedly (or a known-false
  claim passed);
* is skipped, with the reason, when the claim was inconclusive (too little power to pass).

Selecting a subset of the tests (``pytest -k``) still checks every claim of the family once.
"""
from __future__ import annotations

__all__ = ["parametrize_claims", "ClaimCheck"]


class _Family:
    """The claims of one :func:`parametrize_claims` call, checked once, on first use."""

    def __init__(self, claims, context_kwargs, preset, shrink):
        self.claims = claims
        self.context_kwargs = context_kwargs
        self.preset = preset
        self.shrink = shrink
        self._results = None

    def result(self, name: str):
        if self._results is None:
            from verify.context import Context      # deliberate: only when a test runs
            from verify.runner import run_claims

            ctx = Context.preset(self.preset, **self.context_kwargs)
            run = run_claims(self.claims, ctx, shrink=self.shrink, progress=False)
            self._results = {r.name: r for r in run.results}
        return self._results[name]


class ClaimCheck:
    """Callable that checks one claim of a family (``claim_check()`` in the test body).

    Attributes
    ----------
    name : str
        The claim's name (also the test id).
    """

    def __init__(self, family: _Family, name: str):
        self._family = family
        self.name = name

    def __repr__(self) -> str:
        return f"ClaimCheck({self.name!r})"

    def __call__(self):
        import pytest   # deliberate: the test extra; this module imports without it

        # deliberate: the report's wording is needed only for a failing test's message
        from verify.report import counterexample_text
        from verify.runner import fmt

        r = self._family.result(self.name)
        what = (f"claim {r.name}: status {r.status}, expected {r.expect}; worst deviation "
                f"{fmt(r.worst_deviation)}, MDE {fmt(r.max_mde)}")
        if r.status == "inconclusive":
            reason = f"; error: {r.error}" if r.error else ""
            pytest.skip(f"{what} (inconclusive: not enough power to pass){reason}")
        if not r.as_expected:
            lines = [what]
            if r.counterexample:
                lines.append("counterexample: " + counterexample_text(r.counterexample))
            lines += [f"  {o.label}: {o.status}" for o in r.observations if o.status == "fail"][:5]
            pytest.fail("\n".join(lines), pytrace=False)
        return r


def parametrize_claims(claims, *, preset: str = "quick", shrink: bool = True, **context):
    """A ``pytest.mark.parametrize`` decorator: one test per claim, id = the claim's name.

    Parameters
    ----------
    claims : iterable of verify claims
        E.g. a claims file's ``CLAIMS`` list; names must be unique.
    preset : {"quick", "default"}
        Budget of :meth:`verify.Context.preset` (``"quick"``: 20 % resolution, CI-sized).
    shrink : bool
        Shrink the counterexample of a failing claim (``python -m verify --no-shrink``).
    **context
        Other :class:`verify.Context` settings, e.g. ``seed=1``, ``alpha=0.001``.

    Returns
    -------
    pytest.MarkDecorator
        Parametrizes the argument ``claim_check`` (a :class:`ClaimCheck`); call it in the test.

    Raises
    ------
    ValueError
        No claims, or two claims with the same name.
    """
    import pytest   # deliberate: the test extra; this module imports without it

    claims = list(claims)
    if not claims:
        raise ValueError("claims must hold at least one claim")
    names = [c.name for c in claims]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"claim names must be unique, repeated: {dup}")
    family = _Family(claims, context, preset, shrink)
    return pytest.mark.parametrize("claim_check", [ClaimCheck(family, n) for n in names], ids=names)
