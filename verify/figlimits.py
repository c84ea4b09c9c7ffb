"""Axis limits that keep a figure readable when one point is extreme.

A mean of per-trial ratios near a threshold (a tiny denominator in one trial) can be 70 while
every curve lies in [0, 1]: left to matplotlib, that point sets the axis and the curves collapse
into a flat line. :func:`readable_limits` takes the limits from the values that must stay
readable (the theory curves and the main estimates) and admits the others only within
``reach`` times that range; :func:`mark_clipped` draws every point beyond the limits at the
edge as an arrow-head marker labelled with its value, so nothing is hidden.
"""
from __future__ import annotations

import numpy as np

__all__ = ["readable_limits", "mark_clipped"]


def readable_limits(core, extra=(), *, reach: float = 1.0, pad: float = 0.08,
                    min_span: float = 0.05) -> tuple[float, float] | None:
    """y limits ``(lo, hi)`` showing every finite value of ``core`` and those of ``extra``
    within ``reach`` times the core's range of it; ``None`` when nothing is finite.

    Parameters
    ----------
    core : array-like
        Values that must be readable (curves, main estimates); NaN/inf ignored.
    extra : array-like
        Values shown only when they do not crush the core's range (secondary estimates).
    reach : float
        How far beyond the core's range, in units of that range, an extra value may stretch it.
    pad : float
        Margin on each side, as a fraction of the final range.
    min_span : float
        Smallest range of the core (a flat curve still gets a readable axis).
    """
    core = np.asarray(core, dtype=float).ravel()
    extra = np.asarray(extra, dtype=float).ravel()
    core, extra = core[np.isfinite(core)], extra[np.isfinite(extra)]
    if not core.size:
        core, extra = extra, np.empty(0)
    if not core.size:
        return None
    lo, hi = float(core.min()), float(core.max())
    span = max(hi - lo, min_span)
    near = extra[(extra >= lo - reach * span) & (extra <= hi + reach * span)]
    if near.size:
        lo, hi = min(lo, float(near.min())), max(hi, float(near.max()))
    if hi - lo < min_span:          # a flat curve: a readable range centred on it
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    span = hi - lo
    return lo - pad * span, hi + pad * span


def mark_clipped(ax, x, y, limits, *, color="k") -> int:
    """Draw the points of ``(x, y)`` outside ``limits`` at the nearest edge (a triangle
    pointing off the axis) with their value written next to them; returns how many."""
    if limits is None:
        return 0
    lo, hi = limits
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    count = 0
    for xi, yi in zip(x, y):
        if not np.isfinite(yi) or lo <= yi <= hi:
            continue
        top = yi > hi
        edge = hi - 0.02 * (hi - lo) if top else lo + 0.02 * (hi - lo)
        ax.plot([xi], [edge], "^" if top else "v", color=color, ms=7, clip_on=False, zorder=5)
        ax.annotate(f"{yi:.3g}", (xi, edge), textcoords="offset points",
                    xytext=(4, -10 if top else 4), fontsize=7, color=color)
        count += 1
    return count
