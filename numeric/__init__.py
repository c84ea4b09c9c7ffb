"""Numerical simulation of weak-to-strong (W2S) ridgeless regression.

Public API (see notes/architecture.md): :class:`Scenario`, :func:`simulate`,
:class:`SimulationResult`, :data:`TRIAL_BLOCK`, :func:`simulate_block`, :func:`simulate_blocks`.
"""
from numeric.laws import Law, parse_law
from numeric.result import SimulationResult
from numeric.scenario import GEOMETRY_KEYS, Scenario
from numeric.seeding import TRIAL_BLOCK, as_seed_sequence
from numeric.engine_choice import choose_engine
from numeric.simulate import simulate, simulate_block, simulate_blocks, simulate_many

__all__ = [
    "Scenario", "simulate", "simulate_block", "simulate_blocks", "simulate_many", "SimulationResult", "TRIAL_BLOCK",
    "as_seed_sequence", "choose_engine", "Law", "parse_law", "GEOMETRY_KEYS",
]
