"""Summary tables of the double descent (Markdown and JSON)."""
from __future__ import annotations

import math

import numpy as np

from verify.double_descent.compute import exact_curve


def _fmt(v, spec=".4g"):
    return "inf" if v is None or not math.isfinite(v) else format(v, spec)


def _argmin(xs, y, mask):
    sel = mask & np.isfinite(y)
    if not sel.any():
        return None, None
    i = np.flatnonzero(sel)[np.argmin(y[sel])]
    return int(xs[i]), float(y[i])


def panel_summary(panel, geometry) -> dict:
    """Exact W2S minima on each side of the swept threshold, the value two samples from it,
    and the W2S/weak ratio at the end of the sweep."""
    xs = panel.xs
    w2s = exact_curve("w2s", geometry, panel.sweep, xs)
    weak = exact_curve("weak", geometry, panel.sweep, xs)
    t = panel.d_w if panel.sweep == "n" else panel.d_s
    below_x, below = _argmin(xs, w2s, xs < t - 1)
    above_x, above = _argmin(xs, w2s, xs > t + 1)
    near = {int(x): float(v) for x, v in zip(xs, w2s) if abs(x - t) == 2}
    gain_pos = [int(x) for x, a, b in zip(xs, w2s, weak) if x > t + 1 and np.isfinite(a) and a < b]
    return {"panel": panel.label, "sweep": panel.sweep, "threshold": t,
            "w2s_min_below": below, "x_min_below": below_x,
            "w2s_min_above": above, "x_min_above": above_x,
            "w2s_two_from_threshold": near,
            "first_x_above_with_w2s_below_weak": gain_pos[0] if gain_pos else None,
            "w2s_over_weak_at_end": float(w2s[-1] / weak[-1]) if np.isfinite(w2s[-1]) else None,
            "geometry": geometry}


def markdown(summaries, records, checks, settings) -> str:
    lines = ["# Double descent of W2S (exact curves and simulation)", "",
             f"Seed {settings['seed']}, {settings['trials']} trials per simulated point, engine "
             f"{settings['engine']}; sigma2 = {settings['sigma2']}, canonical cosines sqrt(1/2) "
             f"(d_sw = min(d_s, d_w)/2), target energies {settings['theta']}. Figures: "
             "`double_descent_n.png`, `double_descent_N.png`. The expectation is infinite within "
             "one sample of a threshold.", "",
             "| sweep | panel | threshold | W2S min below (at) | W2S min above (at) | "
             "W2S 2 samples from threshold | first x above with W2S < weak | W2S/weak at end |",
             "|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        near = ", ".join(f"{_fmt(v)} ({k})" for k, v in sorted(s["w2s_two_from_threshold"].items()))
        lines.append(
            f"| {s['sweep']} | {s['panel']} | {s['threshold']} | {_fmt(s['w2s_min_below'])} "
            f"({s['x_min_below']}) | {_fmt(s['w2s_min_above'])} ({s['x_min_above']}) | {near} | "
            f"{s['first_x_above_with_w2s_below_weak']} | {_fmt(s['w2s_over_weak_at_end'], '.3f')} |")
    lines += ["", f"Simulation vs exact: {checks['tests']} two-sided z-tests (points with every "
              f"fit >= {checks['sim_gap']} samples from its threshold), Holm at alpha = "
              f"{checks['alpha']}: {len(checks['rejected'])} rejected; max |z| = "
              f"{_fmt(checks['max_abs_z'], '.2f')}. Per-point values: `double_descent.json`.", ""]
    return "\n".join(lines)
