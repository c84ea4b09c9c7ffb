"""The observation: what every check of a claim hands on to the decision and the report.

A plain data object (:class:`Observation`), built by the claims' checks (the expectation
pipeline, symbolic proofs, custom claims), completed by the decision
(:func:`verify.stats.decide`: Holm threshold, rejection, MDE, status) and read by the reports.
It depends on the statistics only for the p-values of :meth:`Observation.test`; it knows
nothing of claims, so that every step of the pipeline can import it without a cycle.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from verify import stats

STATUSES = ("pass", "fail", "inconclusive")
NUMERICAL_FLOOR = 1e-9
"""Relative floor (in units of an observation's scale) added to the SE of every test: far above
float rounding of the theory value, far below any statistical resolution."""
RELATION_ALTERNATIVE = {"eq": "two-sided", "ge": "less", "le": "greater", "approx": "equivalence"}
"""The alternative of the falsifying test for each relation of an expectation claim."""
RELATION_SYMBOL = {"eq": "=", "le": "<=", "ge": ">=", "approx": "~="}
"""How each relation of an expectation claim is written in an observation's label."""


@dataclass
class Observation:
    """One checked hypothesis (statistical) or one deterministic check of a claim.

    Parameters
    ----------
    label : str
        What was tested, e.g. ``"E[ER_w] = exact"`` or ``"A < B at N = N* - 5"``.
    config : dict
        JSON-serialisable configuration (enough to reproduce the check).
    alternative : {"two-sided", "less", "greater", "equivalence", "none"}
        Direction in which the claim is rejected; ``"none"`` for deterministic checks.
    estimate, stderr, theory : float
        Simulated estimate, its standard error, and the claimed value (or bound).
    scale : float
        Unit of deviations and of the minimum detectable deviation (MDE); default ``|theory|``.
    margin : float
        Absolute equivalence margin (``alternative="equivalence"`` only).
    resolution : float
        Largest acceptable MDE in units of ``scale``; a check with less power is inconclusive.
    p_value : float
        p-value of the test that rejects the claim (enters the run's Holm family).
    pass_p_value : float, optional
        p-value of a confirmatory test; if given, ``pass`` requires it to be <= ``alpha / m``.
    status : {"pass", "fail", "inconclusive"}
        Set by the claim only for deterministic checks; by the runner otherwise.
    trials : int
        Monte Carlo trials behind the estimate.
    skewness : float, optional
        Sample skewness of the T values the test studentises (per-trial values of a mean, the
        influence values of a ratio of means). With it and ``trials`` the tests are Hall's
        skewness-corrected ones (:func:`verify.stats.hall_transform`); without it, z tests.
    details : dict
        Anything else worth reporting (JSON-serialisable).
    required : bool
        ``False`` for a random draw that a replacement superseded because no affordable trial
        count gave it power (:func:`verify.expectation.replace_underpowered`): its test stays in the
        Holm family, and a rejection still fails its claim, but its own lack of power no longer
        leaves the claim inconclusive.
    """

    label: str
    config: dict = field(default_factory=dict)
    alternative: str = "none"
    estimate: float | None = None
    stderr: float | None = None
    theory: float | None = None
    scale: float | None = None
    margin: float | None = None
    resolution: float | None = None
    p_value: float | None = None
    pass_p_value: float | None = None
    status: str | None = None
    trials: int | None = None
    details: dict = field(default_factory=dict)
    skewness: float | None = None
    required: bool = True
    # filled in by the runner
    claim: str = ""
    holm_threshold: float | None = None
    rejected: bool | None = None
    level: float | None = None
    mde: float | None = None

    @classmethod
    def test(cls, label: str, estimate: float, stderr: float, theory: float, alternative: str,
             *, config: dict | None = None, scale: float | None = None, margin: float = 0.0,
             resolution: float | None = None, trials: int | None = None,
             details: dict | None = None, skewness: float | None = None) -> "Observation":
        """A statistical observation with its falsifying p-value and, where one exists, its
        confirmatory p-value (TOST for ``equivalence``; the strict bound for ``less`` /
        ``greater``). ``scale`` defaults to ``|theory|`` (or 1 if that is 0).

        With ``skewness`` and ``trials`` the tests are Hall's skewness-corrected ones; then
        fewer than :data:`verify.stats.MIN_TRIALS` trials leave the observation untested
        (``p_value`` None: inconclusive, not in the Holm family)."""
        if alternative == "none":
            raise ValueError("alternative must be a statistical alternative, not 'none'")
        for nm, v in (("estimate", estimate), ("stderr", stderr), ("theory", theory)):
            if v is None or not math.isfinite(v):
                raise ValueError(f"{nm} must be a finite number, got {v!r}")
        if scale is None:
            scale = abs(theory) if theory != 0 else 1.0
        # Theory values are computed from float geometry (cosines, energies), so they carry
        # rounding of order 1e-16 * scale; a quantity that is exactly 0 (identical subspaces)
        # comes out as ~1e-17 while its simulation has an SE at rounding level too. A floor far
        # above rounding and far below any statistical resolution keeps such ties from being
        # read as rejections.
        se_test = math.hypot(stderr, NUMERICAL_FLOOR * scale)
        if skewness is not None and not math.isfinite(skewness):
            raise ValueError(f"skewness must be a finite number, got {skewness!r}")
        shape = {"skewness": skewness, "trials": trials if skewness is not None else None}
        if skewness is not None and not stats.valid_sample(trials):
            pv = pp = None      # too few trials for the test: inconclusive (stats.MIN_TRIALS)
        else:
            pv = stats.p_value(estimate, se_test, theory, alternative, margin, **shape)
            if alternative == "equivalence":
                pp = stats.equivalence_pass_p(estimate, se_test, theory, margin, **shape)
            elif alternative in ("less", "greater"):
                # a bound is confirmed when the estimate is significantly on the claimed side of it
                pp = stats.p_value(estimate, se_test, theory,
                                   "greater" if alternative == "less" else "less", **shape)
            else:
                pp = None
        return cls(label=label, config=dict(config or {}), alternative=alternative,
                   estimate=float(estimate), stderr=float(stderr), theory=float(theory),
                   scale=float(scale), margin=float(margin) if alternative == "equivalence" else None,
                   resolution=resolution, p_value=pv, pass_p_value=pp, trials=trials,
                   details=dict(details or {}),
                   skewness=float(skewness) if skewness is not None else None)

    @classmethod
    def check(cls, label: str, status: str, *, config: dict | None = None,
              details: dict | None = None, **values) -> "Observation":
        """A deterministic observation (not in the Holm family) with the given status."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        return cls(label=label, config=dict(config or {}), alternative="none", status=status,
                   details=dict(details or {}), **values)

    @property
    def deviation(self) -> float | None:
        """Signed deviation (estimate - theory) in units of ``scale``."""
        if self.estimate is None or self.theory is None:
            return None
        return (self.estimate - self.theory) / (self.scale or 1.0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["deviation"] = self.deviation
        return d



__all__ = ["Observation", "STATUSES", "NUMERICAL_FLOOR", "RELATION_ALTERNATIVE",
           "RELATION_SYMBOL"]
