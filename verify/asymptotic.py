r"""Asymptotic claims: "this formula is the limit, with error :math:`O(\mathrm{size}^{-a})`".

An :class:`AsymptoticClaim` is checked on a growing sequence of sizes, not by an equality at one
size. At each size ``s`` it measures the deviation :math:`\delta(s) = T(s) - F(s)` of a finite-size
truth ``T`` (an exact finite form, deterministic, or an unbiased Monte Carlo estimate with its
standard error) from the claimed limit ``F``, and fits the decay

.. math:: \log|\delta(s)| = b_0 + b_1 \log s

by weighted least squares (``numpy.polyfit(w=, cov="unscaled")``) with weights
:math:`1/\mathrm{SE}(\log|\hat\delta|) = |\hat\delta|/\mathrm{SE}(\hat\delta)` (delta method).
Sizes where the deviation is not resolved (:math:`|\hat\delta| < 3\,\mathrm{SE}`) carry no
information on the slope and are dropped (reported); fewer than three resolved sizes make the
claim ``inconclusive``.

**The test.** The claim says :math:`b_1 \le -a`. A wrong limit leaves a deviation that does not
decay (:math:`b_1 \to 0`); a correct limit whose next-order term has the claimed order decays at
slope :math:`-a` up to pre-asymptotic curvature. The falsifying test is one-sided, z on the
slope: reject when :math:`b_1` is significantly above :math:`-a(1 - \tau)`, with slack
:math:`\tau` (``tolerance``, default 0.25) for curvature over a finite range of sizes. It enters
the run's Holm family like every statistical observation.

**Power statement.** The observation's scale is ``a`` and its resolution :math:`1 - \tau`: it
passes only if the slope's MDE at the run's planning level is at most :math:`a(1 - \tau)`, i.e.
if a non-decaying deviation (slope 0: a wrong limit) would be detected with the run's power;
otherwise it is ``inconclusive``. The test does not pin the rate to better than
:math:`\tau a`: a formula off by a term of order :math:`s^{-a'}` with :math:`a' < a(1 - \tau)`
fails, one off at a higher order passes (it has the same limit at the claimed rate).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from verify import stats
from verify.claims import CustomClaim, Observation

__all__ = ["AsymptoticClaim", "DecayFit", "decay_fit", "mc_truth", "RESOLVED_Z"]

RESOLVED_Z = 3.0
"""A deviation is resolved at a size when it is at least this many standard errors from 0."""
_REL_FLOOR = 1e-12
"""Relative SE floor of a deterministic deviation (rounding of the truth and the limit)."""


class DecayFit:
    """WLS fit of log|deviation| on log size: ``slope``, ``slope_se``, ``used`` (mask of resolved
    sizes), ``intercept``."""

    def __init__(self, slope, slope_se, intercept, used):
        self.slope, self.slope_se, self.intercept, self.used = slope, slope_se, intercept, used


def decay_fit(sizes, deviations, stderrs) -> DecayFit | None:
    """Fit :math:`\\log|\\delta| = b_0 + b_1\\log s` on the resolved sizes (``None`` if fewer than
    three). ``stderrs`` may be 0 (deterministic deviations: a relative floor of 1e-12 is used)."""
    s = np.asarray(sizes, dtype=float)
    dev = np.abs(np.asarray(deviations, dtype=float))
    se = np.maximum(np.asarray(stderrs, dtype=float), _REL_FLOOR * dev)
    used = (dev > 0) & (dev >= RESOLVED_Z * np.asarray(stderrs, dtype=float))
    if used.sum() < 3:
        return None
    x, y = np.log(s[used]), np.log(dev[used])
    w = dev[used] / se[used]                         # 1 / SE(log|dev|)
    coef, cov = np.polyfit(x, y, 1, w=w, cov="unscaled")
    return DecayFit(float(coef[0]), float(math.sqrt(max(cov[0, 0], 0.0))), float(coef[1]), used)


class AsymptoticClaim(CustomClaim):
    """A limit with a rate, checked by the decay of the deviation over growing sizes.

    Parameters
    ----------
    name : str
    limit : callable ``size -> float``
        The claimed limit formula evaluated at the size's configuration.
    truth : callable ``(ctx, size) -> (value, stderr)``
        The finite-size truth at that configuration: exact (``stderr = 0``) or an unbiased Monte
        Carlo estimate seeded from ``ctx.seed_sequence(...)``.
    sizes, quick_sizes : sequence of positive numbers
        Growing sizes (``quick_sizes`` under ``--quick``; default ``sizes``); at least three.
    rate : float
        Claimed order ``a`` of the error (> 0).
    tolerance : float
        Slack :math:`\\tau \\in (0, 1)` on the slope (see the module docstring).
    """

    kind = "asymptotic"

    def __init__(self, name, limit: Callable, truth: Callable, sizes, rate: float, *,
                 quick_sizes=None, tolerance: float = 0.25, source: str = "",
                 description: str = "", expect: str = "pass"):
        super().__init__(name, source=source, description=description, expect=expect)
        for label, seq in (("sizes", sizes), ("quick_sizes", quick_sizes)):
            if seq is None:
                continue
            seq = list(seq)
            if len(seq) < 3 or any(not (x > 0) for x in seq) or sorted(seq) != seq:
                raise ValueError(f"{label} must be at least three increasing positive sizes, got {seq!r}")
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be a finite number > 0, got {rate!r}")
        if not (0 < tolerance < 1):
            raise ValueError(f"tolerance must lie in (0, 1), got {tolerance!r}")
        self.limit, self.truth = limit, truth
        self.sizes = tuple(sizes)
        self.quick_sizes = tuple(quick_sizes) if quick_sizes is not None else self.sizes
        self.rate, self.tolerance = float(rate), float(tolerance)

    def plan(self, ctx) -> int:
        return 1

    def run(self, ctx) -> list[Observation]:
        sizes = self.quick_sizes if ctx.quick else self.sizes
        devs, ses, values = [], [], []
        for s in sizes:
            value, se = self.truth(ctx, s)
            lim = float(self.limit(s))
            devs.append(float(value) - lim)
            ses.append(float(se))
            values.append(lim)
        details = {"sizes": list(sizes), "deviations": devs, "stderrs": ses, "limits": values,
                   "rate": self.rate, "tolerance": self.tolerance}
        fit = decay_fit(sizes, devs, ses)
        threshold = -self.rate * (1 - self.tolerance)
        label = f"slope of log|deviation| vs log size <= -{self.rate:g} (1 - {self.tolerance:g})"
        if fit is None:
            return [Observation.check(label, "inconclusive", details=dict(
                details, reason=f"fewer than 3 sizes with the deviation resolved (|dev| >= {RESOLVED_Z} SE)"))]
        details.update(intercept=fit.intercept, used=[bool(u) for u in fit.used])
        return [Observation.test(label, fit.slope, fit.slope_se, threshold, "greater",
                                 scale=self.rate, resolution=1 - self.tolerance,
                                 config={"sizes": list(sizes)}, details=details)]

    def describe(self) -> dict:
        d = super().describe()
        d.update(rate=self.rate, tolerance=self.tolerance, sizes=list(self.sizes))
        return d


def mc_truth(draw: Callable, key: str, draws: int, quick_draws: int | None = None) -> Callable:
    """A ``truth`` from a sampler ``draw(rng, size, draws) -> per-draw unbiased values``: mean
    and standard error, seeded per (``key``, size) by ``ctx.seed_sequence``."""

    def truth(ctx, size):
        k = quick_draws if (ctx.quick and quick_draws) else draws
        rng = np.random.default_rng(ctx.seed_sequence("asymptotic", key, size))
        return stats.mean_se(draw(rng, size, k))

    return truth
