"""Measuring, the core of step 3 (observe): estimates from simulated trials, and how many trials.

Every check that simulates measures through this module (the expectation pipeline,
:mod:`verify.expectation`, and the custom claims of the claim sets):

* :func:`estimate` / :func:`quantity` -- a quantity's estimate and standard error from the first
  ``trials`` per-trial risks of a configuration (step 2, :meth:`verify.context.Context.simulate`);
* :func:`adaptive_estimate` / :func:`adaptive` -- the trial-sizing rule: more trials, in at most
  :data:`LOOKS` looks, until the minimum detectable deviation (MDE) is small enough; it looks at
  the standard error, never at the deviation;
* :func:`shortfall` -- the trials an observation would need to stop being short of power (the
  rule of the expectation pipeline's second pass and of its spare draws).

It reads the run's settings from the :class:`verify.context.Context` it is handed
(``trials``, ``trials_budget``, ``resolution``, ``planning_level``, ``power``, ``block``) and
never imports it; the statistics are :mod:`verify.stats`'s.
"""
from __future__ import annotations

import math
from typing import Callable

from theory.formulas import MEANS, RATIOS
from verify import stats

#: Maximum number of looks at the data in :func:`adaptive`.
LOOKS = 4


def estimate(ctx, config: dict, quantity: str, trials: int) -> stats.Estimate:
    """A :class:`verify.stats.Estimate` (estimate, SE, trials, sample skewness of the
    studentised values) of ``quantity`` from the first ``trials`` trials of ``config``.

    Risks (:data:`theory.formulas.MEANS`): the mean. ``pgr``: the ratio of means of
    ``weak - w2s`` over ``weak - ceiling``; ``opr``: the ratio of means of ``strong`` over
    ``w2s`` (ratios of *expected* risks, delta-method SEs)."""
    pt = ctx.simulate(config, trials)
    if quantity in MEANS:
        return stats.mean_estimate(pt[quantity])
    if quantity == "pgr":
        return stats.ratio_estimate(pt["weak"] - pt["w2s"], pt["weak"] - pt["ceiling"])
    if quantity == "opr":
        return stats.ratio_estimate(pt["strong"], pt["w2s"])
    raise ValueError(f"quantity must be one of {MEANS + RATIOS}, got {quantity!r}")


def quantity(ctx, config: dict, quantity: str, trials: int) -> tuple[float, float]:
    """Estimate and standard error of :func:`estimate`."""
    e = estimate(ctx, config, quantity, trials)
    return e.estimate, e.se


def adaptive(ctx, measure: Callable[[int], tuple[float, float]], scale: float,
             alternative: str, resolution: float | None = None,
             confirm: Callable[[float, float], bool] | None = None,
             budget: int | None = None, fallback: float | None = None) -> tuple[float, float, int]:
    """Run ``measure(trials) -> (estimate, se)`` with more trials, adaptively, until the
    MDE at ``ctx.planning_level`` is at most ``resolution`` (default ``ctx.resolution``), or
    ``confirm(estimate, se)`` is true, or the budget (``budget``, default ``ctx.trials_budget``)
    is reached.

    Each step multiplies the trials by at most 4 (at most :data:`LOOKS` looks in all), starting
    at ``ctx.trials`` and aiming at the count the measured SE says is needed. Returns
    ``(estimate, se, trials)``. The MDE rule looks only at the SE, never at the deviation. With
    ``fallback`` (a coarser MDE, e.g. the run's resolution, for a power-seeking target; or a
    sequence of them, finest first), a target that the measured SE says needs more than the
    budget is given up for the next ``fallback``: trials are spent where they buy power.
    ``confirm`` (a stop on a *confirmed* claim) must be tested at ``planning_level / LOOKS`` so
    that peeking cannot inflate the rate of false confirmations, and it never stops a run that
    could still fail.
    """
    e, t = adaptive_estimate(ctx, measure, scale, alternative, resolution, confirm, budget, fallback)
    return e[0], e[1], t


def adaptive_estimate(ctx, measure: Callable, scale: float, alternative: str,
                      resolution: float | None = None, confirm: Callable | None = None,
                      budget: int | None = None, fallback: float | None = None):
    """:func:`adaptive` returning ``(last measurement, trials)``: with a ``measure`` that
    returns a :class:`verify.stats.Estimate`, the MDE rule uses its skewness (Hall's test,
    :func:`verify.stats.mde`) and the caller gets the skewness for its observation."""
    res = ctx.resolution if resolution is None else resolution
    # fallback: one coarser MDE, or several tried in turn (finest first)
    falls = sorted(f for f in (fallback if isinstance(fallback, (tuple, list)) else (fallback,))
                   if f is not None)
    cap = ctx.trials_budget if budget is None else ctx.round_trials(int(budget), up=False)
    t = ctx.trials
    e = measure(t)
    for _ in range(LOOKS - 1):
        est, se = e[0], e[1]
        if scale == 0 or not math.isfinite(se) or t >= cap:
            break
        skew = getattr(e, "skewness", None)
        now = stats.mde(se, scale, ctx.planning_level, ctx.power, alternative, skew, t)
        while falls and stats.trials_needed(se, scale, ctx.planning_level, ctx.power,
                                            alternative, skew, t, res) > cap:
            res = max(res, falls.pop(0))
        if now <= res or (confirm is not None and confirm(est, se)):
            break
        t = min(ctx.round_trials(stats.trials_needed(se, scale, ctx.planning_level, ctx.power,
                                                     alternative, skew, t, res)), 4 * t, cap)
        e = measure(t)
    return e, t


def shortfall(ctx, o) -> int | None:
    """Trials the statistical observation ``o`` would need to stop being short of power, or
    ``None`` if it is not short.

    Short: the decision rule would leave it inconclusive (no power, not confirmed), judged at
    the planning level. The need is sized from its SE alone (SE falls as T^-1/2): the MDE must
    reach the resolution -- for an equivalence, 3/4 of the tolerance (confirmable with the
    stated power for a true deviation up to a quarter of it). It never looks at whether the
    claim is rejected."""
    level = ctx.planning_level
    if o.pass_p_value is not None and o.pass_p_value <= level / LOOKS:
        return None
    target = o.resolution
    if o.alternative == "equivalence":
        tol = (o.margin or 0.0) / (o.scale or 1.0)
        if not tol > 0:
            return None
        # confirmable (with the stated power) if the true deviation is up to a quarter of the
        # tolerance; the first pass aimed at half of it
        target = min(target, 0.75 * tol)
    now = stats.mde(o.stderr, o.scale, level, ctx.power, o.alternative, o.skewness, o.trials)
    if o.alternative != "equivalence" and now <= target:
        return None
    return stats.trials_needed(o.stderr, o.scale, level, ctx.power, o.alternative, o.skewness,
                               o.trials, target, ctx.block)


__all__ = ["LOOKS", "estimate", "quantity", "adaptive", "adaptive_estimate", "shortfall"]
