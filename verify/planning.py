"""Step 1 of checking an expectation claim: plan its configurations, from its formula alone.

The pipeline of an expectation :class:`verify.Claim` (:meth:`verify.claims.Claim.run`), one
module a step, plain data between:

1. **plan** (this module): the configurations to simulate (:func:`plan_configs` ->
   :class:`Planned`), and at each the value the simulation is compared with (:func:`target` ->
   :class:`Target`). Formula and regime only: cheap, deterministic, no simulated number is
   looked at;
2. **oracle** (:func:`verify.oracle.consult` -> :class:`verify.oracle.Verdict`): the claim
   against the registered exact theory, where there is one;
3. **simulate and observe** (:func:`verify.expectation.observe_claim`): per-trial risks of a
   configuration (:meth:`verify.context.Context.simulate`, cached, over ``numeric``), the
   quantity's estimate and its trials (:mod:`verify.measurement`), tested against the
   :class:`Target` -> :class:`verify.observation.Observation`;
4. **decide** (:func:`verify.stats.decide`, called by the runner): one Holm family over every
   observation of the run; status of each;
5. **report** (:mod:`verify.report`).

Configurations of one claim, in order (duplicates dropped):

1. ``ctx.examples`` drawn at random from the claim's regime (Hypothesis, deterministic in the
   run seed);
2. up to ``ctx.fragile`` *power-seeking* ones, chosen from the claim's formula alone where single
   edits of it (a denominator off by one, two dimensions swapped, a 10 % error in a term) change
   its value most (:func:`verify.design.fragile_configs`); their trials are sized so that the
   smallest such change they were chosen for is resolved (MDE at the planning level, between
   :data:`MIN_TARGET` times the run's resolution and the resolution), within ``ctx.power_budget``.
"""
from __future__ import annotations

from dataclasses import dataclass

from verify import design
from verify.observation import RELATION_ALTERNATIVE
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


@dataclass(frozen=True)
class Planned:
    """One configuration to observe, and why.

    Attributes
    ----------
    config : dict
        The configuration (:func:`verify.strategies.configs`).
    role : dict or None
        How it was chosen (``{"chosen_by": "random draw"}`` or the power-seeking choice's
        description); reported with the observation. ``None`` for a configuration observed
        outside the plan (an illustration of a failure).
    target_mde : float, tuple of float, or None
        Relative MDE its trials are sized for (power-seeking ones), ``None`` for the resolution;
        a tuple holds several, finest first: each coarser one is the fallback where the budget
        cannot reach the finer.
    budget : int or None
        Its maximum trials (``None``: the run's ``trials_budget``).
    """

    config: dict
    role: dict | None = None
    target_mde: float | tuple[float, ...] | None = None
    budget: int | None = None


@dataclass(frozen=True)
class Target:
    """What an observation of a claim at one configuration is compared with.

    Attributes
    ----------
    geometry : dict
        Theory symbol values of the configuration.
    theory : float
        The claimed value (or bound) there.
    scale : float
        Unit of deviations and of the MDE (``|scale expr|``, else ``|theory|``, else 1).
    margin : float
        Absolute equivalence margin (``approx`` claims; 0 otherwise).
    alternative : str
        The falsifying test's alternative (:data:`verify.observation.RELATION_ALTERNATIVE`).
    """

    geometry: dict
    theory: float
    scale: float
    margin: float
    alternative: str


def valid(claim, ctx):
    """Predicate on a configuration: the claim's expression (and tolerance, scale) evaluate
    there (the expression on its quantity's registered domain, :func:`verify.oracle.claim_domain`,
    not on conditions guessed from a user's denominators; tolerance and scale within theirs)."""
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
    return configs(claim.regime).filter(valid(claim, ctx))


def _draw_key(claim):
    # Claims with equal regimes draw the same configurations, so they share cached simulations.
    return ("configs", claim.regime.describe())


def target(claim, ctx, cfg) -> Target:
    """The :class:`Target` of ``claim`` at configuration ``cfg``."""
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
    return Target(geometry=g, theory=theory, scale=scale, margin=margin,
                  alternative=RELATION_ALTERNATIVE[claim.relation])


SPARES = 4
"""Spare random configurations drawn per claim (lazily: only where a random draw ends without
power), from the claim's regime like the random draws, under their own key."""


def spare_configs(claim, ctx) -> list[Planned]:
    """Random configurations that replace a random draw no affordable trial count gives power
    (:func:`verify.expectation.replace_underpowered`): ``SPARES`` draws of the claim's strategy
    under a key of their own, so the first draws of every claim stay what they were. Drawn
    lazily, but deterministic in the run seed and independent of every simulated number, in a
    fixed order; each is simulated with its own seed, so the data that show a draw
    underpowered never enter its replacement's test."""
    cfgs = ctx.draw(strategy(claim, ctx), SPARES, "spares", *_draw_key(claim)[1:])
    return [Planned(cfg, {"chosen_by": "random draw (spare)"}) for cfg in cfgs]


def plan_configs(claim, ctx) -> list[Planned]:
    """The claim's random and power-seeking configurations (see the module docstring)."""
    ok = valid(claim, ctx)
    random_cfgs = ctx.draw(strategy(claim, ctx), int(claim.examples or ctx.examples), *_draw_key(claim))
    count = ctx.fragile if claim.fragile is None else claim.fragile
    out, seen = [], set()
    for cfg in random_cfgs:
        seen.add(canonical_json(cfg))
        out.append(Planned(cfg, {"chosen_by": "random draw"}))
    if count:
        for ch in design.fragile_configs(claim.expr, claim.regime, count, scale=claim.scale,
                                         valid=ok, pool=ctx.candidates(claim.regime),
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
            out.append(Planned(ch.config, {"chosen_by": "formula (power-seeking)", **ch.describe()},
                               target, ctx.power_budget))
    return out


__all__ = ["Planned", "Target", "plan_configs", "spare_configs", "SPARES", "target", "strategy", "valid", "MIN_TARGET", "MIN_TARGET_STRUCTURAL",
           "POWER_MARGIN"]
