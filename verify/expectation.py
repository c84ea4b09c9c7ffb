"""Checking an expectation :class:`verify.Claim`: the symbolic oracle, simulation at random and
power-seeking configurations, a power statement per term, and shrinking a failure.

Configurations of one claim, in order (duplicates dropped):

1. ``ctx.examples`` drawn at random from the claim's regime (Hypothesis, deterministic in the
   run seed);
2. up to ``ctx.fragile`` *power-seeking* ones, chosen from the claim's formula alone where single
   edits of it (a denominator off by one, two dimensions swapped, a 10 % error in a term) change
   its value most (:func:`verify.design.fragile_configs`); their trials are sized so that the
   smallest such change they were chosen for is resolved (MDE at the planning level, between
   :data:`MIN_TARGET` times the run's resolution and the resolution), within ``ctx.power_budget`` -- a target the
   measured variance says the budget cannot reach is given up for the run's resolution;
With the oracle on (:mod:`verify.oracle`), its deterministic verdict comes first; the
simulation runs at the same configurations either way, so ``--simulation-only`` changes only
the verdict's source. Observations still short of power after the first pass get a second
pass from the claim's unspent trials (:func:`_second_pass`).

None of them is chosen by looking at simulated numbers, so each is simulated once, with the seed
:func:`verify.strategies.config_seed` of the configuration and the run seed (recorded in the
observation's ``details["simulation_seed"]``), and tested at the run's family-wise level.
"""
from __future__ import annotations

import math
import time

from verify.claims import RELATION_ALTERNATIVE, Observation
from verify import design, stats
from verify.oracle import claim_domain
from verify.strategies import canonical_json, configs

MIN_TARGET = 0.4
"""Smallest MDE a power-seeking configuration's trials are sized for, as a fraction of the run's
resolution (quick 0.08, default 0.04): finer targets would need more trials than a run can spend
(the per-trial risks spread by 100-200 % of their mean near the thresholds)."""
MIN_TARGET_STRUCTURAL = 0.15
"""The same floor for the structural edits a configuration was chosen for (off-by-one, swap,
dropped term; not 10 % term errors): an off-by-one that moves a value by only 4-6 % even at the
regime's thresholds (the ceiling's ``n + N - d_s - 1``) is resolved only below the 0.4 floor;
the trials stay within ``ctx.power_budget``, and a target the measured SE says that budget
cannot reach is given up for the resolution."""
POWER_MARGIN = 1.25
"""A power-seeking configuration aims at an MDE of its edit's change / POWER_MARGIN: the MDE is
the deviation detected with probability ``power`` (0.8); a deviation 1.25 MDE is detected with
probability about 0.98 at the run's level."""

SECOND_PASS_MARGIN = 1.25
"""A fixed second-pass count is the measured need times this (the need is estimated from a
noisy SE)."""

_LABEL = {"eq": "=", "le": "<=", "ge": ">=", "approx": "~="}
_SHRINK_CALLS = {True: 25, False: 60}  # quick / default: simulations spent on shrinking
_SHRINK_TRIALS = 2048
_SHRINK_SECONDS = {True: 8.0, False: 20.0}


def _valid(claim, ctx):
    """Predicate: the claim's expression (and tolerance/scale) evaluate at the config."""
    domain = claim_domain(claim)

    def ok(cfg) -> bool:
        try:
            g = ctx.geometry(cfg)
            ctx.evaluate(claim.expr, g, domain=domain)
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
    theory = ctx.evaluate(claim.expr, g, domain=claim_domain(claim))
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


def observe(claim, ctx, cfg, trials: int | None = None, target: float | None = None,
            budget: int | None = None, role: dict | None = None) -> Observation:
    """One observation of ``claim`` at ``cfg``: adaptive trials unless ``trials`` is given.

    ``target`` (a relative MDE below the resolution, or a tuple of them, finest first: each
    coarser one is the fallback where the budget cannot reach the finer) and ``budget`` size the
    adaptive trials of a power-seeking configuration; the pass/inconclusive rule still uses the
    resolution."""
    s = setup(claim, ctx, cfg)
    resolution = claim.resolution or ctx.resolution
    targets = tuple(target) if isinstance(target, (tuple, list)) else (target,)
    aim = resolution if targets[0] is None else min(resolution, targets[0])
    falls = tuple(min(resolution, x) for x in targets[1:] if x is not None) + (resolution,)

    def measure(t):
        return ctx.quantity(cfg, claim.quantity, t)

    if trials is not None:
        est, se = measure(trials)
        t = trials
    elif claim.relation == "approx":
        # Size the trials so that a TOST passes with the stated power if the deviation is at
        # most half the tolerance, stopping early once equivalence is confirmed.
        tol = s["margin"] / s["scale"]
        est, se, t = ctx.adaptive(measure, s["scale"], "equivalence", min(aim, tol / 2),
                                  confirm=_confirmer(ctx, s, stats.equivalence_pass_p, s["margin"]),
                                  budget=budget, fallback=min(resolution, tol / 2))
    elif claim.relation in ("le", "ge"):
        # A bound that holds with a clear margin is confirmed early.
        other = "greater" if s["alternative"] == "less" else "less"

        def bound_p(est, se, theory, _margin):
            return stats.p_value(est, se, theory, other)

        est, se, t = ctx.adaptive(measure, s["scale"], s["alternative"], aim,
                                  confirm=_confirmer(ctx, s, bound_p, 0.0), budget=budget,
                                  fallback=falls)
    else:
        est, se, t = ctx.adaptive(measure, s["scale"], s["alternative"], aim, budget=budget,
                                  fallback=falls)
    label = f"E[{claim.quantity}] {_LABEL[claim.relation]} {claim.formula_name or claim.expr}"
    details = {"geometry": s["geometry"], "features": cfg.get("features", "gaussian"),
               "simulation_seed": str(ctx.config_seed(cfg)),
               "relative_deviation": (est - s["theory"]) / abs(s["theory"]) if s["theory"] else None}
    if claim.relation == "approx":
        details["tolerance"] = s["margin"] / abs(s["theory"]) if s["theory"] else None
    if role is not None:
        details["role"] = role
    if target is not None:
        details["target_mde"] = aim
    return Observation.test(label, est, se, s["theory"], s["alternative"], config=cfg,
                            scale=s["scale"], margin=s["margin"], resolution=resolution,
                            trials=t, details=details)


def _confirmer(ctx, s, pass_p, margin):
    """Early stop on confirmation, at the planning level split over the looks."""
    from verify.context import LOOKS

    def confirm(est, se):
        return pass_p(est, se, s["theory"], margin) <= ctx.planning_level / LOOKS
    return confirm


def plan_configs(claim, ctx) -> list[tuple[dict, dict, float | None, int | None]]:
    """The claim's random and power-seeking configurations, as ``(config, role, target,
    budget)``; formula-only, so cheap and deterministic (no simulation)."""
    valid = _valid(claim, ctx)
    random_cfgs = ctx.draw(strategy(claim, ctx), int(claim.examples or ctx.examples), *_draw_key(claim))
    count = ctx.fragile if claim.fragile is None else claim.fragile
    out, seen = [], set()
    for cfg in random_cfgs:
        seen.add(canonical_json(cfg))
        out.append((cfg, {"chosen_by": "random draw"}, None, None))
    if count:
        for ch in design.fragile_configs(claim.expr, claim.regime, count, scale=claim.scale,
                                         valid=valid, pool=ctx.candidates(claim.regime),
                                         tolerance=claim.tolerance, quantity=claim.quantity):
            key = canonical_json(ch.config)
            if key in seen:
                continue
            seen.add(key)
            target = max(MIN_TARGET * ctx.resolution, ch.sensitivity / POWER_MARGIN)
            if ch.structural is not None:
                fine = max(MIN_TARGET_STRUCTURAL * ctx.resolution, ch.structural / POWER_MARGIN)
                if fine < target:
                    # the finer target first; where the budget cannot reach it, the coarser
                    target = (fine, target)
            out.append((ch.config, {"chosen_by": "formula (power-seeking)", **ch.describe()},
                        target, ctx.power_budget))
    return out


def run_expectation(claim, ctx) -> list[Observation]:
    """Oracle, then simulation at the random and power-seeking configurations, then the power
    statement (see the module docstring)."""
    from verify import oracle

    planned = plan_configs(claim, ctx)
    out = []
    verdict = None
    if ctx.oracle:
        try:
            verdict = oracle.decide(claim, ctx.candidates(claim.regime) + [p[0] for p in planned])
        except Exception as exc:  # noqa: BLE001 - the oracle is an extra; the simulation decides
            verdict = oracle.Verdict("undecided", f"oracle error: {type(exc).__name__}: {exc}")
        obs = verdict.observation(claim)
        if obs is not None:
            out.append(obs)
    sims, plans = [], []
    for plan in planned:
        cfg, role, target, budget = plan
        try:
            o = observe(claim, ctx, cfg, target=target, budget=budget, role=role)
        except OSError:
            raise                   # an I/O error of the run (full run folder), not a verdict
        except Exception as exc:  # noqa: BLE001 - a crash at one configuration is not a verdict
            out.append(Observation.check("error while simulating this configuration", "inconclusive",
                                         config=cfg, details={"error": f"{type(exc).__name__}: {exc}"}))
            continue
        sims.append(o)
        plans.append(plan)
    sims = _second_pass(claim, ctx, sims, plans)
    if verdict is not None:
        for o in sims:
            o.details["oracle"] = verdict.describe()
    if sims:
        statement = power_statement(claim, ctx, sims)
        for o in sims:
            o.details["power"] = statement["per_observation"].pop(0)
        sims[0].details["power_statement"] = {k: v for k, v in statement.items() if k != "per_observation"}
    out += sims
    if not out:
        out.append(Observation.check("no configuration satisfies the regime and the expression's "
                                     "conditions", "inconclusive"))
    return out


def _short(claim, ctx, o) -> int | None:
    """Trials ``o`` would need to stop being short of power, or ``None`` if it is not short.

    Short: the decision rule would leave it inconclusive (no power, not confirmed), judged at
    the planning level. The need is sized from its SE alone (SE falls as T^-1/2): the MDE must
    reach the resolution -- for an equivalence, 3/4 of the tolerance (confirmable with the
    stated power for a true deviation up to a quarter of it). It never looks at whether the
    claim is rejected."""
    from verify.context import LOOKS

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
    now = stats.mde(o.stderr, o.scale, level, ctx.power, o.alternative)
    if o.alternative != "equivalence" and now <= target:
        return None
    return stats.trials_for(now, o.trials, target, ctx.block)


def _second_pass(claim, ctx, sims, plans):
    """Spend the claim's unspent trials where power is missing.

    The claim's pool is the sum of its configurations' budgets; observations that ended short of
    power (:func:`_short`) and whose measured SE says that ``ctx.pool_budget`` trials (within
    what the others left; for an equivalence, ``ctx.pool_budget`` itself) would give it are
    re-observed, in order, with that budget. The extension continues the same deterministic stream
    (``Context.simulate`` only appends seed blocks), and the stopping rule is the first pass's:
    it looks at the SE, and confirms a bound or an equivalence only at ``planning_level /
    LOOKS``, so the extra look cannot turn a false claim into a rejection-free pass any more
    than a larger budget would (notes/verification-power.md)."""
    budgets = [b if b is not None else ctx.trials_budget for (_c, _r, _t, b) in plans]
    pool = sum(budgets) - sum(o.trials for o in sims)
    out = list(sims)
    for i, (o, (cfg, role, target, _b)) in enumerate(zip(sims, plans)):
        # An equivalence (``approx``) passes only by confirmation at every configuration, so one
        # short of it is inconclusive whatever the others did: it gets the per-configuration
        # maximum of the second pass, not only what the claim's other configurations left (a
        # power-seeking one that confirmed early leaves little). Still sized from its SE alone.
        equivalence = o.alternative == "equivalence"
        need = _short(claim, ctx, o) if (pool > 0 or equivalence) else None
        cap = ctx.pool_budget if equivalence else min(ctx.pool_budget, o.trials + pool)
        # only where the extra trials can buy the power: a need beyond the cap is left alone
        if need is None or cap <= o.trials or need > cap:
            continue
        o2 = observe(claim, ctx, cfg, target=target, budget=cap, role=role)
        if o2.trials <= o.trials:
            # The adaptive rule replays the first pass's deterministic path and can run out of
            # looks at the same count (seeds 16, 21 of the 40-seed sweep: MDE 0.203 against 0.2
            # at 7072 trials, second pass gave none). Then the measured need, with a margin for
            # the SE's own noise, as one fixed count -- sized from the SE alone, as before.
            fixed = min(cap, ctx.block * math.ceil(SECOND_PASS_MARGIN * need / ctx.block))
            if fixed > o.trials:
                o2 = observe(claim, ctx, cfg, trials=fixed, role=role)
        o2.details["second_pass"] = {"first_trials": o.trials, "budget": cap}
        pool -= o2.trials - o.trials
        out[i] = o2
    return out


def power_statement(claim, ctx, observations) -> dict:
    r"""Which additive terms of the claim were tested where a 10 % error in them would show.

    A term :math:`t_i` is *covered* when some observation has
    :math:`0.1\,|t_i| / 	ext{scale} \ge 	ext{MDE}`, the MDE taken at the run's planning level
    (:math:`lpha / m_	ext{planned}`) and power -- a 10 % error in that term alone would be
    detected there with at least that power. Returns ``terms`` (term -> covered, best
    observation index, share, MDE), ``all_covered`` and one dict per observation."""
    geoms = [o.details["geometry"] for o in observations]
    shares = design.term_shares(claim.expr, geoms, scale=claim.scale)
    mdes = []
    for o in observations:
        alt = "two-sided" if o.alternative == "equivalence" else o.alternative
        mdes.append(stats.mde(o.stderr, o.scale, ctx.planning_level, ctx.power, alt) if o.scale else None)
    terms = {}
    for t, sh in shares.items():
        best = max(range(len(observations)),
                   key=lambda i: (design.TERM_ERROR * sh[i] - (mdes[i] if mdes[i] is not None else 1e9)))
        terms[t] = {"covered": mdes[best] is not None and design.TERM_ERROR * sh[best] >= mdes[best],
                    "observation": best, "share": sh[best], "mde": mdes[best]}
    per_obs = [{"mde_at_planning_level": mdes[i],
                "term_shares": {t: sh[i] for t, sh in shares.items()},
                "detects_10pct_error_in": [t for t, sh in shares.items()
                                           if mdes[i] is not None and design.TERM_ERROR * sh[i] >= mdes[i]]}
               for i in range(len(observations))]
    return {"terms": terms, "all_covered": all(v["covered"] for v in terms.values()),
            "per_observation": per_obs}


def _fails(obs: Observation, level: float) -> bool:
    return obs.p_value <= level


def shrink_expectation(claim, ctx, observation: Observation) -> dict:
    """Shrink a failing observation to a minimal counterexample with ``hypothesis.find``.

    Only failures at randomly drawn configurations are shrunk: the power-seeking ones (corners of
    the regime) are returned as they are, and an oracle refutation is illustrated by a
    simulation at the oracle's separating configuration.

    The condition is "the same test, at the level the original failure was rejected at, with
    a fixed trial count, rejects the claim at this configuration". Simulations are
    deterministic per configuration, so the search is reproducible. The shrunk example is an
    illustration found by search (its p-value is not family-controlled); the formal rejection
    is the original observation. Falls back to the original configuration.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import FlakyFailure, NoSuchExample, Unsatisfiable

    if observation.alternative == "none" and observation.config:
        # The oracle's separating configuration: the illustration is a simulation there (like a
        # shrunk example, not family-controlled; the formal refutation is the oracle's).
        o = observe(claim, ctx, observation.config, trials=_SHRINK_TRIALS)
        d = observation.details
        return {"original": observation.config, "shrunk": False, "config": o.config,
                "chosen_by": "oracle (claim and exact theory differ most)", "exact": d.get("exact"),
                "theory": o.theory, "estimate": o.estimate, "stderr": o.stderr, "p_value": o.p_value,
                "relative_deviation": o.details["relative_deviation"], "geometry": o.details["geometry"]}
    if observation.alternative == "none" or (observation.details.get("role") or {}).get("chosen_by", "random draw") != "random draw":
        # One chosen from the formula at the corners of the regime: already the illustration; a
        # search would only spend the run's time.
        d = observation.details
        return {"original": observation.config, "shrunk": False, "config": observation.config,
                "chosen_by": (d.get("role") or {}).get("chosen_by", "oracle"),
                "theory": observation.theory if observation.theory is not None else d.get("claimed"),
                "exact": d.get("exact"),
                "estimate": observation.estimate, "stderr": observation.stderr,
                "p_value": observation.p_value,
                "relative_deviation": d.get("relative_deviation", d.get("relative_difference")),
                "geometry": d.get("geometry")}
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


__all__ = ["run_expectation", "shrink_expectation", "observe", "setup", "strategy", "plan_configs",
           "power_statement"]
