"""Checking an expectation :class:`verify.Claim` against simulation, and shrinking a failure."""
from __future__ import annotations

import time

from verify.claims import RELATION_ALTERNATIVE, Observation
from verify import stats
from verify.strategies import canonical_json, configs

_LABEL = {"eq": "=", "le": "<=", "ge": ">=", "approx": "~="}
_SHRINK_CALLS = {True: 25, False: 60}  # quick / default: simulations spent on shrinking
_SHRINK_TRIALS = 2048
_SHRINK_SECONDS = {True: 8.0, False: 20.0}


def _valid(claim, ctx):
    """Predicate: the claim's expression (and tolerance/scale) evaluate at the config."""
    def ok(cfg) -> bool:
        try:
            g = ctx.geometry(cfg)
            ctx.evaluate(claim.expr, g)
            if claim.tolerance is not None:
                ctx.evaluate(claim.tolerance, g)
            if claim.scale is not None:
                ctx.evaluate(claim.scale, g)
        except ValueError:
            return False
        return True
    return ok


def strategy(claim, ctx):
    """Hypothesis strategy of the claim's configurations (its regime, within the validity
    conditions of its expression)."""
    return configs(claim.regime).filter(_valid(claim, ctx))


def _draw_key(claim):
    # Claims with equal regimes draw the same configurations, so they share cached simulations.
    return ("configs", claim.regime.describe())


def setup(claim, ctx, cfg) -> dict:
    """Theory value, scale, margin and alternative of ``claim`` at configuration ``cfg``."""
    g = ctx.geometry(cfg)
    theory = ctx.evaluate(claim.expr, g)
    if claim.scale is not None:
        scale = abs(ctx.evaluate(claim.scale, g))
    else:
        scale = abs(theory)
    if scale == 0:
        scale = 1.0
    margin = 0.0
    if claim.relation == "approx":
        margin = ctx.evaluate(claim.tolerance, g) * abs(theory)
    return {"geometry": g, "theory": theory, "scale": scale, "margin": margin,
            "alternative": RELATION_ALTERNATIVE[claim.relation]}


def observe(claim, ctx, cfg, trials: int | None = None) -> Observation:
    """One observation of ``claim`` at ``cfg``: adaptive trials unless ``trials`` is given."""
    s = setup(claim, ctx, cfg)
    resolution = claim.resolution or ctx.resolution

    def measure(t):
        return ctx.quantity(cfg, claim.quantity, t)

    if trials is not None:
        est, se = measure(trials)
        t = trials
    elif claim.relation == "approx":
        # Size the trials so that a TOST passes with the stated power if the deviation is at
        # most half the tolerance, stopping early once equivalence is confirmed.
        tol = s["margin"] / s["scale"]
        est, se, t = ctx.adaptive(measure, s["scale"], "equivalence", min(resolution, tol / 2),
                                  confirm=_confirmer(ctx, s, stats.equivalence_pass_p, s["margin"]))
    elif claim.relation in ("le", "ge"):
        # A bound that holds with a clear margin is confirmed early.
        other = "greater" if s["alternative"] == "less" else "less"

        def bound_p(est, se, theory, _margin):
            return stats.p_value(est, se, theory, other)

        est, se, t = ctx.adaptive(measure, s["scale"], s["alternative"], resolution,
                                  confirm=_confirmer(ctx, s, bound_p, 0.0))
    else:
        est, se, t = ctx.adaptive(measure, s["scale"], s["alternative"], resolution)
    label = f"E[{claim.quantity}] {_LABEL[claim.relation]} {claim.formula_name or claim.expr}"
    details = {"geometry": s["geometry"], "features": cfg.get("features", "gaussian"),
               "simulation_seed": str(ctx.config_seed(cfg)),
               "relative_deviation": (est - s["theory"]) / abs(s["theory"]) if s["theory"] else None}
    if claim.relation == "approx":
        details["tolerance"] = s["margin"] / abs(s["theory"]) if s["theory"] else None
    return Observation.test(label, est, se, s["theory"], s["alternative"], config=cfg,
                            scale=s["scale"], margin=s["margin"], resolution=resolution,
                            trials=t, details=details)


def _confirmer(ctx, s, pass_p, margin):
    """Early stop on confirmation, at the planning level split over the looks."""
    from verify.context import LOOKS

    def confirm(est, se):
        return pass_p(est, se, s["theory"], margin) <= ctx.planning_level / LOOKS
    return confirm


def run_expectation(claim, ctx) -> list[Observation]:
    """Draw the claim's configurations and observe it at each (adaptive trial counts)."""
    cfgs = ctx.draw(strategy(claim, ctx), claim.plan(ctx), *_draw_key(claim))
    out = []
    for cfg in cfgs:
        try:
            out.append(observe(claim, ctx, cfg))
        except OSError:
            raise                   # an I/O error of the run (full run folder), not a verdict
        except Exception as exc:  # noqa: BLE001 - a crash at one configuration is not a verdict
            out.append(Observation.check("error while simulating this configuration", "inconclusive",
                                         config=cfg, details={"error": f"{type(exc).__name__}: {exc}"}))
    if not out:
        out.append(Observation.check("no configuration satisfies the regime and the expression's "
                                     "conditions", "inconclusive"))
    return out


def _fails(obs: Observation, level: float) -> bool:
    return obs.p_value <= level


def shrink_expectation(claim, ctx, observation: Observation) -> dict:
    """Shrink a failing observation to a minimal counterexample with ``hypothesis.find``.

    The condition is "the same test, at the level the original failure was rejected at, with
    a fixed trial count, rejects the claim at this configuration". Simulations are
    deterministic per configuration, so the search is reproducible. The shrunk example is an
    illustration found by search (its p-value is not family-controlled); the formal rejection
    is the original observation. Falls back to the original configuration.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import FlakyFailure, NoSuchExample, Unsatisfiable

    level = observation.holm_threshold or ctx.alpha
    trials = min(observation.trials or ctx.trials, _SHRINK_TRIALS)
    budget = {"calls": _SHRINK_CALLS[ctx.quick], "deadline": time.monotonic() + _SHRINK_SECONDS[ctx.quick]}
    seen: dict[str, bool] = {}

    def condition(cfg) -> bool:
        # Memoised so that Hypothesis' replays agree with the first call; once the budget is
        # spent, new configurations count as not failing (the search just stops improving).
        key = canonical_json(cfg)
        if key in seen:
            return seen[key]
        if budget["calls"] <= 0 or time.monotonic() > budget["deadline"]:
            return False
        budget["calls"] -= 1
        try:
            o = observe(claim, ctx, cfg, trials=trials)
        except ValueError:
            o = None
        seen[key] = o is not None and _fails(o, level)
        return seen[key]

    base = {"original": observation.config, "level": level, "trials": trials}
    seed_cfg = observation.config
    try:
        found = find(strategy(claim, ctx), condition,
                     settings=settings(max_examples=budget["calls"], database=None, deadline=None,
                                       phases=[Phase.generate, Phase.shrink],
                                       suppress_health_check=list(HealthCheck)),
                     random=ctx.random("shrink", claim.name))
    except (NoSuchExample, Unsatisfiable, FlakyFailure):
        found = None
    if found is not None:
        o = observe(claim, ctx, found, trials=trials)
        shrunk = True
    else:
        o = observe(claim, ctx, seed_cfg, trials=observation.trials)
        shrunk = False
    return {**base, "shrunk": shrunk, "config": o.config, "theory": o.theory, "estimate": o.estimate,
            "stderr": o.stderr, "p_value": o.p_value, "relative_deviation": o.details["relative_deviation"],
            "geometry": o.details["geometry"]}


__all__ = ["run_expectation", "shrink_expectation", "observe", "setup", "strategy"]
