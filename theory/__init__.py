"""Symbolic theory of weak-to-strong generalization in ridgeless regression (SymPy).

Public API (see notes/architecture.md): the symbols, :func:`risk`, :func:`w2s_decomposition`,
:func:`pgr`, :func:`opr`, the paper's bounds, the formula registry, :func:`conditions`,
:func:`evaluate` / :func:`evaluate_exact`, :func:`lambdify_numpy`, :func:`latex` and the
identity spot-checker :func:`spot_check`.
"""
from theory import symbols
from theory.conditions import conditions, denominators
from theory.evaluation import evaluate, evaluate_exact, lambdify_numpy
from theory.formulas import (
    FORMS,
    MEANS,
    MODELS,
    QUANTITIES,
    RATIOS,
    Formula,
    formula,
    opr,
    opr_lower_bound,
    pgr,
    pgr_lower_bound,
    register,
    registered_names,
    risk,
    w2s_decomposition,
)
from theory.identities import SpotCheck, random_point, spot_check
from theory.latex import latex

__all__ = [
    "symbols", "FORMS", "MODELS", "RATIOS", "QUANTITIES", "MEANS", "Formula", "formula", "opr", "opr_lower_bound", "pgr",
    "pgr_lower_bound", "register", "registered_names", "risk", "w2s_decomposition",
    "conditions", "denominators", "evaluate", "evaluate_exact", "lambdify_numpy", "latex",
    "SpotCheck", "random_point", "spot_check",
]
from theory import haar, regimes  # noqa: E402,F401  (issue 8: interpolation regimes)
from theory import complexity, scaling  # noqa: E402,F401  (issue 6: sample complexities, scaling laws)
from theory import ridge  # noqa: E402,F401  (issue 20: ridge deterministic equivalents)
