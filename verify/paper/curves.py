"""Theory along the sweeps and over the (n, N) plane, from one scenario geometry per d_sw.

The geometry (d_sw, rho_s, rho_w, b_w2s, m_sw, ...) of a study scenario does not depend on n, N or
sigma2, so the theory curves and heat maps are the vectorised theory at that geometry with the
sample sizes and noise level broadcast over arrays.
"""
from __future__ import annotations

import numpy as np

from verify.compare import theory_values
from verify.paper.config import StudyConfig, axis_values

SAMPLE_KEYS = ("n", "N", "sigma2")


def base_geometry(geometry: dict) -> dict:
    """A scenario's geometry without the sample sizes and noise level."""
    return {k: v for k, v in geometry.items() if k not in SAMPLE_KEYS}


def dense_axis(start: int, stop: int, points: int) -> np.ndarray:
    """Distinct integers spread evenly over ``[start, stop]`` (the theory's counts are integers)."""
    return np.unique(np.rint(np.linspace(start, stop, max(points, 2))).astype(np.int64))


def sweep_curve(config: StudyConfig, base: dict, sweep: str, sigma2: float, x=None):
    """Theory (exact, paper, bounds) along a sweep.

    Returns
    -------
    x : numpy.ndarray
        Values of the swept variable (``N`` at ``n = n_fixed``, or ``n`` at ``N = N_fixed``).
    values : dict
        :func:`verify.compare.theory_values` at those points.
    """
    if x is None:
        axis = config.N_sweep if sweep == "N" else config.n_sweep
        x = dense_axis(axis[0], axis[1], config.curve_points)
    x = np.asarray(x, dtype=np.int64)
    fixed = {"n": config.n_fixed} if sweep == "N" else {"N": config.N_fixed}
    return x, theory_values({**base, **fixed, sweep: x, "sigma2": sigma2})


def plane(config: StudyConfig, base: dict, sigma2: float):
    """Theory over the heat-map grid.

    Returns
    -------
    n, N : numpy.ndarray
        The axes (integers).
    values : dict
        :func:`verify.compare.theory_values` on the ``(len(n), len(N))`` grid.
    """
    # Geometric spacing: the bounds change fastest just above the thresholds d_w + 1, d_s + 1.
    n = axis_values(config.heatmap_n, log=True)
    N = axis_values(config.heatmap_N, log=True)
    return n, N, theory_values({**base, "n": n[:, None], "N": N[None, :], "sigma2": sigma2})
