"""PNG figures of the double descent (headless matplotlib, atomic writes)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from verify.double_descent.compute import MODELS, exact_curve  # noqa: E402
from verify.paper.io import save_figure  # noqa: E402

COLOURS = {"weak": "tab:blue", "strong": "tab:orange", "w2s": "tab:red"}
LABELS = {"weak": "weak teacher", "strong": "strong baseline", "w2s": "W2S student"}
BAND = dict(color="0.85", zorder=0)


def _thresholds(panel):
    if panel.sweep == "n":
        return [(panel.d_w, "n = d_w", "tab:blue"), (panel.d_s, "n = d_s", "tab:orange")]
    return [(panel.d_s, "N = d_s", "tab:red")]


def _panel(ax, panel, geometry, records):
    xs = panel.xs
    for model in MODELS:
        y = exact_curve(model, geometry, panel.sweep, xs)
        ax.plot(xs, y, "-", color=COLOURS[model], lw=1.5)      # NaN in the bands: gaps
        pts = [r for r in records if r["panel"] == panel.label and r["model"] == model]
        if pts:
            ax.errorbar([r["x"] for r in pts], [r["mean"] for r in pts],
                        yerr=[r["se"] for r in pts], fmt="o", ms=3.5, color=COLOURS[model],
                        capsize=2, lw=1)
    for t, label, colour in _thresholds(panel):
        if panel.lo <= t <= panel.hi:
            ax.axvspan(t - 1, t + 1, **BAND)
            ax.axvline(t, color=colour, ls=":", lw=1)
            ax.annotate(label, (t, 1.0), xycoords=("data", "axes fraction"), fontsize=8,
                        ha="left", va="top", rotation=90, color=colour)
    ax.set_yscale("log")
    ax.set_xscale("log")
    # Plain labels at 1-2-5 steps and none on the minor ticks: short log ranges stay legible.
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(panel.sweep)
    ax.set_ylabel("expected excess risk")
    ax.set_title(panel.label, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    finite = np.concatenate([exact_curve(m, geometry, panel.sweep, xs) for m in MODELS])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        # Clip the peaks at 1000x the smallest value: the y range stays readable, and the
        # curves' approach to the infinite band is still visible.
        ax.set_ylim(finite.min() / 1.5, min(finite.max() * 1.5, finite.min() * 1e3))


def _legend(fig, trials):
    handles = [Line2D([], [], color=COLOURS[m], lw=2, label=LABELS[m]) for m in MODELS]
    handles += [Line2D([], [], color="k", ls="-", label="exact expectation (theory.regimes)"),
                Line2D([], [], color="k", marker="o", ls="none",
                       label=f"simulation, mean ± SE ({trials} trials)"),
                Patch(facecolor=BAND["color"], label="|samples - dim| <= 1: expectation infinite")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)


def sweep_figure(panels, geometries, records, trials, path, title, cols=None):
    """One PNG: every panel of a sweep (rows of ``cols``)."""
    cols = cols or len(panels)
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.5 * rows + 0.9), squeeze=False)
    for ax, panel in zip(axes.ravel(), panels):
        _panel(ax, panel, geometries[panel.label], records)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    _legend(fig, trials)
    fig.tight_layout(rect=(0, 0.09 if rows == 1 else 0.06, 1, 0.96))
    return save_figure(fig, path, dpi=80)
