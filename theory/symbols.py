"""SymPy symbols of the W2S ridgeless-regression theory, with their assumptions.

Counts (sample sizes and dimensions) are positive integers. ``d_sw`` (the correlation
dimension, a sum of squared cosines) is a non-negative real, not necessarily an integer.
Noise and target energies are non-negative reals; ``sigma2`` is positive so that ratios of
risks (PGR, OPR) are well defined in the pure-variance case.
"""
import sympy as sp

n = sp.Symbol("n", positive=True, integer=True)
"""Number of labelled samples (shared by the weak teacher and the strong baseline)."""
N = sp.Symbol("N", positive=True, integer=True)
"""Number of unlabelled samples pseudo-labelled by the teacher for the W2S student."""
d_s = sp.Symbol("d_s", positive=True, integer=True)
"""Intrinsic dimension of the strong features."""
d_w = sp.Symbol("d_w", positive=True, integer=True)
"""Intrinsic dimension of the weak features."""
d_sw = sp.Symbol("d_sw", nonnegative=True, real=True)
r"""Correlation dimension :math:`\|V_s^\top V_w\|_F^2 = \sum_i \cos^2\angle_i`."""
sigma2 = sp.Symbol("sigma2", positive=True, real=True)
r"""Label-noise variance :math:`\sigma^2`."""
rho_s = sp.Symbol("rho_s", nonnegative=True, real=True)
r"""Strong approximation error :math:`\|(I - P_s)\theta\|^2`."""
rho_w = sp.Symbol("rho_w", nonnegative=True, real=True)
r"""Weak approximation error :math:`\|(I - P_w)\theta\|^2`."""
b_w2s = sp.Symbol("b_w2s", nonnegative=True, real=True)
r"""Infinite-sample W2S bias :math:`\|\theta - P_s P_w \theta\|^2`."""
m_sw = sp.Symbol("m_sw", nonnegative=True, real=True)
r"""Teacher energy the student cannot represent :math:`\|(I - P_s) P_w \theta\|^2`."""
t2 = sp.Symbol("t2", nonnegative=True, real=True)
r"""Target energy :math:`\|\theta\|^2`."""
c_sw = sp.Symbol("c_sw", real=True)
r"""Cross term :math:`\theta^\top P_s P_w \theta` (may be negative)."""
p_sw = sp.Symbol("p_sw", nonnegative=True, real=True)
r""":math:`\|P_s P_w \theta\|^2`."""

# Ridge (issue 20, theory.ridge): not in ALL / BY_NAME, which hold the ridgeless geometry that
# a configuration supplies (``Scenario.geometry()``).
gamma = sp.Symbol("gamma", positive=True, real=True)
"""Aspect ratio d/m of one fit (ridge deterministic equivalents)."""
lam = sp.Symbol("lambda", positive=True, real=True)
"""Penalty of one fit (generic)."""
lambda_w = sp.Symbol("lambda_w", positive=True, real=True)
r"""Ridge penalty of the weak teacher, :math:`\lambda_w`."""
lambda_s = sp.Symbol("lambda_s", positive=True, real=True)
r"""Ridge penalty of the strong student, baseline and ceiling, :math:`\lambda_s`."""
RIDGE = (lambda_w, lambda_s)

COUNTS = (n, N, d_s, d_w)
GEOMETRY = (d_sw, rho_s, rho_w, b_w2s, m_sw)
TARGET_SCALARS = (t2, c_sw, p_sw)
ALL = (n, N, d_s, d_w, d_sw, sigma2, rho_s, rho_w, b_w2s, m_sw, t2, c_sw, p_sw)
BY_NAME = {s.name: s for s in ALL}

__all__ = [s.name for s in ALL] + ["gamma", "lam", "lambda_w", "lambda_s", "RIDGE", "COUNTS",
                                   "GEOMETRY", "TARGET_SCALARS", "ALL", "BY_NAME"]
