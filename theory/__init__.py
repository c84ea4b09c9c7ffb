"""Symbolic theory of weak-to-strong generalization in ridgeless regression (SymPy)."""
from theory import symbols
from theory.formulas import (
    FORMS,
    MODELS,
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

__all__ = [
    "symbols", "FORMS", "MODELS", "Formula", "formula", "opr", "opr_lower_bound", "pgr",
    "pgr_lower_bound", "register", "registered_names", "risk", "w2s_decomposition",
]
from theory import haar, regimes  # noqa: E402,F401  (issue 8: interpolation regimes)
