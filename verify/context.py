"""The run context handed to every claim: the run's settings and its services.

Services, no decisions: deterministic seeds and Hypothesis draws, the geometry and corner-grid
caches, expression evaluation, and step 2 of an expectation claim's pipeline, the simulation
(:meth:`Context.simulate`, cached per configuration). What is measured from the simulated
trials, and how many trials, is step 3's (:mod:`verify.measurement`).

A claim's ``run(ctx)`` must take all its randomness from the context, so that a run is
reproducible from ``(seed, options)`` alone and its numbers do not depend on which other claims
were selected, on the order in which they run, or on the batch size / worker count of
``numeric.simulate``.
"""
from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

import numpy as np

import numeric
from numeric.seeding import as_seed_sequence
import theory
from theory.formulas import MEANS
from verify import design, stats
from verify.strategies import (canonical_json, config_geometry, config_seed, distinct_examples,
                               scenario_from_config, validate_config)

#: Preset sizes: configurations drawn at random per claim (``examples``), power-seeking
#: configurations per expectation claim chosen from its formula (``fragile``,
#: :mod:`verify.design`), initial trials, trial budget per random configuration, trial budget
#: per power-seeking configuration (``power_budget``), resolution target as a relative MDE.
PRESETS = {
    "quick": dict(examples=2, fragile=3, trials=1024, trials_budget=8192, power_budget=16384,
                  resolution=0.20),
    "default": dict(examples=3, fragile=6, trials=2048, trials_budget=32768, power_budget=65536,
                    resolution=0.10),
}



@dataclass
class Context:
    """Run settings and services for claims.

    Parameters
    ----------
    seed : int
        Run seed (>= 0). Every configuration's simulation seed is
        :func:`verify.strategies.config_seed` of ``(config, seed)``.
    alpha : float
        Family-wise false-alarm rate of the run (Holm), default 0.001.
    power : float
        Power at which minimum detectable deviations are stated (default 0.8).
    examples : int
        Configurations drawn per expectation claim.
    trials : int
        Initial Monte Carlo trials per configuration.
    trials_budget : int
        Maximum trials per configuration (adaptive increase stops there).
    resolution : float
        Default target MDE (relative to ``scale``) of a check.
    quick : bool
        CI-sized run (claims may shrink their work accordingly).
    engine : str
        ``numeric.simulate`` engine.
    fragile : int
        Power-seeking configurations per expectation claim, chosen from the claim's formula
        alone (:func:`verify.design.fragile_configs`); 0 turns them off.
    power_budget : int, optional
        Maximum trials per power-seeking configuration (default ``trials_budget``; the presets
        set their own; raised to ``trials_budget`` if below; an explicit ``trials_budget`` given
        to :meth:`preset` sets it too).
    pool_budget : int, optional
        Maximum trials per configuration in the second pass that spends a claim's unspent trials
        where power is missing (default twice ``power_budget`` in the presets, ``power_budget``
        otherwise; an explicit ``trials_budget`` given to :meth:`preset` sets it too).
    oracle : bool
        Decide expectation claims symbolically where a registered exact expectation exists
        (:mod:`verify.oracle`); ``False`` (``--simulation-only``) leaves every verdict to the
        simulation, so that its own power can be measured.
    """

    seed: int = 0
    alpha: float = stats.DEFAULT_ALPHA
    power: float = stats.DEFAULT_POWER
    examples: int = PRESETS["default"]["examples"]
    trials: int = PRESETS["default"]["trials"]
    trials_budget: int = PRESETS["default"]["trials_budget"]
    resolution: float = PRESETS["default"]["resolution"]
    quick: bool = False
    engine: str = "auto"
    fragile: int = PRESETS["default"]["fragile"]
    power_budget: int | None = None
    pool_budget: int | None = None
    oracle: bool = True
    planning_level: float = field(default=None)  # alpha / m_planned, set by the runner
    _cache: dict = field(default_factory=dict, repr=False)
    _geometry: dict = field(default_factory=dict, repr=False)
    _candidates: dict = field(default_factory=dict, repr=False)
    simulated_trials: int = 0

    def __post_init__(self):
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        stats.check_alpha(self.alpha, "alpha")
        stats.check_alpha(self.power, "power")
        for nm in ("examples", "trials", "trials_budget"):
            v = getattr(self, nm)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{nm} must be an integer >= 1, got {v!r}")
        if self.trials < 2 * self.block:
            raise ValueError(f"trials must be >= {2 * self.block}, got {self.trials}")
        if self.trials_budget < self.trials:
            raise ValueError(f"trials_budget must be >= trials ({self.trials}), got {self.trials_budget}")
        if not isinstance(self.fragile, (int, np.integer)) or isinstance(self.fragile, bool) or self.fragile < 0:
            raise ValueError(f"fragile must be an integer >= 0, got {self.fragile!r}")
        if self.power_budget is None:
            self.power_budget = self.trials_budget
        if not isinstance(self.power_budget, (int, np.integer)) or self.power_budget < 1:
            raise ValueError(f"power_budget must be an integer >= 1, got {self.power_budget!r}")
        if not isinstance(self.oracle, bool):
            raise ValueError(f"oracle must be True or False, got {self.oracle!r}")
        if not (0 < self.resolution < math.inf):
            raise ValueError(f"resolution must be > 0, got {self.resolution!r}")
        self.trials = self.round_trials(self.trials)
        self.trials_budget = self.round_trials(self.trials_budget, up=False)
        # never below the random configurations' budget
        self.power_budget = max(self.round_trials(self.power_budget, up=False), self.trials_budget)
        if self.pool_budget is None:
            self.pool_budget = self.power_budget
        if not isinstance(self.pool_budget, (int, np.integer)) or self.pool_budget < 1:
            raise ValueError(f"pool_budget must be an integer >= 1, got {self.pool_budget!r}")
        self.pool_budget = max(self.round_trials(self.pool_budget, up=False), self.power_budget)
        if self.planning_level is None:
            self.planning_level = self.alpha

    @classmethod
    def preset(cls, name: str = "default", **overrides) -> "Context":
        if name not in PRESETS:
            raise ValueError(f"preset must be one of {tuple(PRESETS)}, got {name!r}")
        kw = dict(PRESETS[name])
        kw.update({k: v for k, v in overrides.items() if v is not None})
        if overrides.get("trials_budget") is not None and overrides.get("power_budget") is None:
            # an explicit per-configuration maximum (--trials-budget) holds for every configuration
            kw["power_budget"] = kw["trials_budget"]
            kw.setdefault("pool_budget", kw["trials_budget"])
        kw.setdefault("pool_budget", 2 * kw["power_budget"])
        return cls(quick=(name == "quick"), **kw)

    # --- seeds and draws ------------------------------------------------------------------

    @property
    def block(self) -> int:
        """Trials per seed block (:data:`numeric.TRIAL_BLOCK`): trial counts are multiples."""
        return numeric.TRIAL_BLOCK

    def round_trials(self, t: int, up: bool = True) -> int:
        """``t`` rounded to a whole number of seed blocks (up, or down with ``up=False``),
        at least one block."""
        b = self.block
        return max(b, (math.ceil(t / b) if up else t // b) * b)

    def seed_sequence(self, *key) -> np.random.SeedSequence:
        """A SeedSequence determined by the run seed and a JSON-serialisable ``key``."""
        digest = hashlib.sha256(canonical_json(list(key)).encode()).digest()
        words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 32, 4)]
        return np.random.SeedSequence([int(self.seed), *words])

    def config_seed(self, config: dict) -> int:
        return config_seed(config, self.seed)

    def draw(self, strategy, count: int, *key) -> list:
        """``count`` distinct examples of a Hypothesis ``strategy``, deterministic in
        ``(seed, key)``: Hypothesis generates a pool of distinct examples (about four times
        ``count``), from which ``count`` are picked uniformly at random with a generator seeded
        from ``(seed, key)`` -- Hypothesis' first examples are its simplest, and picking from a
        pool keeps the checked configurations varied. Fewer are returned if the strategy cannot
        produce ``count`` distinct ones."""
        if not isinstance(count, (int, np.integer)) or count < 1:
            raise ValueError(f"count must be an integer >= 1, got {count!r}")
        pool = max(4 * count, 12)
        hyp_seed = int(self.seed_sequence("draw", *key).generate_state(1, np.uint32)[0])
        items = distinct_examples(strategy, pool, hyp_seed, max_examples=3 * pool)
        if len(items) <= count:
            return items
        rng = np.random.default_rng(self.seed_sequence("pick", *key))
        return [items[i] for i in sorted(rng.choice(len(items), size=count, replace=False))]

    def random(self, *key) -> random.Random:
        """A ``random.Random`` (e.g. for ``hypothesis.find``) seeded from ``(seed, key)``."""
        return random.Random(int(self.seed_sequence("random", *key).generate_state(1, np.uint64)[0]))

    # --- geometry and theory --------------------------------------------------------------

    def geometry(self, config: dict) -> dict:
        """Derived geometry (theory symbol names -> float) of a configuration (cached)."""
        key = canonical_json(config)
        if key not in self._geometry:
            validate_config(config)
            # the numbers of Scenario.geometry() without building the Scenario (drawing calls
            # this for every candidate configuration)
            self._geometry[key] = {k: (float(v) if not isinstance(v, (int, np.integer)) else int(v))
                                   for k, v in config_geometry(config).items()}
        return self._geometry[key]

    def candidates(self, regime) -> list[dict]:
        """Corner configurations of ``regime`` (:func:`verify.design.candidates`), cached per
        regime: claims that share a regime share the grid."""
        key = (canonical_json(regime.describe()), id(regime.where))
        if key not in self._candidates:
            self._candidates[key] = design.candidates(regime)
        return self._candidates[key]

    @staticmethod
    def evaluate(expr, geometry: dict, prec: int = 30, domain=None) -> float:
        """Value of a SymPy expression at a geometry; ``ValueError`` outside its conditions (or
        outside ``domain``, checked instead where given: ``theory.evaluate``)."""
        return float(theory.evaluate(expr, prec=prec, domain=domain, **geometry))

    # --- simulation (step 2) --------------------------------------------------------------

    def simulate(self, config: dict, trials: int):
        """Per-trial risks of ``config`` for the first ``trials`` trials (a dict of arrays with
        keys ``weak, strong, ceiling, w2s, misfit``). Cached: a later call with more trials
        simulates only the missing seed blocks (``numeric.simulate_block``), which extend the
        same deterministic stream, so a prefix never changes."""
        trials = self.round_trials(int(trials))
        key = canonical_json(config)
        cached = self._cache.get(key)
        if cached is None:
            scenario = scenario_from_config(config)
            seed = self.config_seed(config)
            res = numeric.simulate(scenario, trials, seed=seed, engine=self.engine)
            cached = {"trials": trials, "scenario": scenario, "root": as_seed_sequence(seed),
                      "per_trial": {k: np.asarray(res.per_trial[k], dtype=float) for k in MEANS},
                      "engine": res.engine}
            self._cache[key] = cached
            self.simulated_trials += trials
        elif cached["trials"] < trials:
            b = self.block
            # the missing blocks in one engine batch: the numbers of one simulate_block per
            # block, bit for bit, without paying an engine call's fixed cost per 16 trials
            parts = numeric.simulate_blocks(cached["scenario"], cached["root"],
                                            range(cached["trials"] // b, trials // b), self.engine)
            cached["per_trial"] = {k: np.concatenate([v] + [np.asarray(p[k], dtype=float) for p in parts])
                                   for k, v in cached["per_trial"].items()}
            self.simulated_trials += trials - cached["trials"]
            cached["trials"] = trials
        return {k: v[:trials] for k, v in cached["per_trial"].items()}
