"""Figures of the paper study: excess risks, PGR/OPR along the sweeps, lower-bound heat maps.

Every panel shows the simulated points (mean with standard-error bars), the exact-theory curve
(``theory.regimes``, every regime: OLS or interpolating) and the paper-form curve, labelled as
such; stretches of an axis where an exact expectation is infinite (a sample size within one of its
dimension) or undefined are shaded and carry no curve. Derivations: ``notes/regimes.md``.
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # headless: figures are only ever written to files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator, FormatStrFormatter, FuncFormatter, LogLocator, NullLocator,
)

from verify.compare import RISKS  # noqa: E402
from verify.figlimits import mark_clipped, readable_limits  # noqa: E402
from verify.paper import curves  # noqa: E402
from verify.paper.io import save_figure  # noqa: E402

MODEL_COLOURS = {"weak": "tab:blue", "strong": "tab:orange", "ceiling": "tab:green", "w2s": "tab:red"}
MODEL_LABELS = {"weak": "weak teacher", "strong": "strong baseline", "ceiling": "strong ceiling",
                "w2s": "W2S student"}
SWEEP_LABELS = {"N": "N (pseudo-labelled samples)", "n": "n (labelled samples)"}
UNDEFINED_STYLE = dict(color="0.85", hatch="xx", edgecolor="0.6", linewidth=0)


def sigma_tag(sigma2: float) -> str:
    """File-name form of a noise level (``0.01`` -> ``1e-02``)."""
    return f"{sigma2:.0e}".replace("+", "")


def block(records: list[dict], sweep: str, d_sw: int, sigma2: float) -> list[dict]:
    """Records of one sweep at one (d_sw, sigma2), ordered by the swept variable."""
    sel = [r for r in records if r["point"]["sweep"] == sweep and r["point"]["d_sw"] == d_sw
           and r["point"]["sigma2"] == sigma2]
    return sorted(sel, key=lambda r: r["point"][sweep])


def _nan(v):
    return math.nan if v is None else float(v)


def _shade_undefined(ax, x, values):
    """Shade the x-ranges where ``values`` is NaN (theory undefined)."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], bad.astype(int), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        lo = x[a] - (x[a] - x[a - 1]) / 2 if a > 0 else x[a]
        hi = x[b - 1] + (x[b] - x[b - 1]) / 2 if b < len(x) else x[b - 1]
        ax.axvspan(lo, hi, **UNDEFINED_STYLE, zorder=0)
    return True


def _sweep_title(sweep: str, config) -> str:
    return f"n = {config.n_fixed}" if sweep == "N" else f"N = {config.N_fixed}"


def risk_figure(config, records, bases, path):
    """Excess risk of the four models against N and n for each (d_sw, sigma2) of
    ``config.risk_panels``: simulated mean +- SE, exact and paper-form expectations."""
    cols = len(config.risk_panels)
    fig, axes = plt.subplots(2, cols, figsize=(5.0 * cols, 8.2), squeeze=False)
    any_undefined = False
    for j, (d_sw, sigma2) in enumerate(config.risk_panels):
        base = bases[d_sw]
        for i, sweep in enumerate(("N", "n")):
            ax = axes[i, j]
            x, th = curves.sweep_curve(config, base, sweep, sigma2)
            recs = block(records, sweep, d_sw, sigma2)
            xs = np.array([r["point"][sweep] for r in recs])
            for model in RISKS:
                colour = MODEL_COLOURS[model]
                ax.plot(x, th["exact"][model], "-", color=colour, lw=1.6)
                ax.plot(x, th["paper"][model], "--", color=colour, lw=1.2)
                mean = np.array([_nan(r["simulation"]["mean"][model]) for r in recs])
                se = np.array([_nan(r["simulation"]["stderr"][model]) for r in recs])
                ax.errorbar(xs, mean, yerr=se, fmt="o", ms=3.5, color=colour, capsize=2, lw=1)
            any_undefined |= _shade_undefined(ax, x, th["exact"]["w2s"])
            ax.set_yscale("log")
            # Major ticks at 1-2-5 steps, plain labels, no minor ticks: readable within one
            # decade, and far cheaper to draw than log minor ticks with math-text labels.
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_xlabel(SWEEP_LABELS[sweep])
            ax.set_ylabel("excess risk")
            bias = base["b_w2s"] / th["exact"]["w2s"][len(x) // 2] if np.isfinite(
                th["exact"]["w2s"][len(x) // 2]) else math.nan
            ax.set_title(f"d_sw = {d_sw}, σ² = {sigma2:g}, {_sweep_title(sweep, config)}\n"
                         f"(bias b_w2s = {bias:.0%} of exact W2S risk mid-sweep)", fontsize=9)
            ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=MODEL_COLOURS[m], lw=2, label=MODEL_LABELS[m]) for m in RISKS]
    handles += [
        Line2D([], [], color="k", marker="o", ls="none", label="simulation: mean ± SE"),
        Line2D([], [], color="k", ls="-", label="exact expectation (theory.regimes; notes/derivation.md)"),
        Line2D([], [], color="k", ls="--", label="paper form (notes/paper-forms.md)"),
    ]
    if any_undefined:
        handles.append(Patch(facecolor=UNDEFINED_STYLE["color"], hatch="xx", edgecolor="0.6",
                             label="exact expectation infinite or undefined"))
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle(f"Excess risk; {records[0]['simulation']['trials']} trials per point, "
                 f"engine {records[0]['simulation']['engine']}", fontsize=11)
    _layout(fig, bottom=0.13)
    return save_figure(fig, path)


RATIO_NAMES = {"pgr": "PGR", "opr": "OPR"}


def ratio_figure(config, records, bases, quantity, sigma2, path):
    """PGR or OPR against N and n for every d_sw at one noise level: ratio of mean risks and
    mean of per-trial ratios (each +- SE), exact and paper-form ratio of expectations, and the
    paper's lower bound."""
    name = RATIO_NAMES[quantity]
    cols = len(config.d_sw)
    fig, axes = plt.subplots(2, cols, figsize=(4.8 * cols, 8.2), squeeze=False)
    any_undefined = False
    for j, d_sw in enumerate(config.d_sw):
        for i, sweep in enumerate(("N", "n")):
            ax = axes[i, j]
            x, th = curves.sweep_curve(config, bases[d_sw], sweep, sigma2)
            recs = block(records, sweep, d_sw, sigma2)
            xs = np.array([r["point"][sweep] for r in recs], dtype=float)
            rom = np.array([_nan(r["simulation"][f"{quantity}_of_means"]) for r in recs])
            rom_se = np.array([_nan(r["simulation"][f"{quantity}_of_means_se"]) for r in recs])
            mor = np.array([_nan(r["simulation"][f"mean_of_{quantity}"]) for r in recs])
            mor_se = np.array([_nan(r["simulation"][f"mean_of_{quantity}_se"]) for r in recs])
            ax.plot(x, th["exact"][quantity], "-", color="k", lw=1.6)
            ax.plot(x, th["paper"][quantity], "--", color="tab:blue", lw=1.3)
            ax.plot(x, th["bound"][quantity], ":", color="tab:red", lw=1.6)
            shift = 0.006 * (x[-1] - x[0])  # keep the two estimators' error bars apart
            ax.errorbar(xs - shift, rom, yerr=rom_se, fmt="o", ms=3.5, color="k", capsize=2, lw=1)
            ax.errorbar(xs + shift, mor, yerr=mor_se, fmt="^", ms=3.5, color="tab:orange",
                        capsize=2, lw=1)
            any_undefined |= _shade_undefined(ax, x, th["exact"][quantity])
            # Limits from the estimates and the expectations, extended towards the bound by at
            # most 1.5 times their range: a very negative bound (small sigma2, bias term) leaves
            # the panel rather than flattening the curves of interest.
            # A mean of per-trial ratios far from the rest (one trial with a tiny denominator)
            # is marked at the edge with its value instead (verify.figlimits).
            core = np.concatenate([th["exact"][quantity], th["paper"][quantity], rom])
            limits = readable_limits(core, mor, pad=0)
            bnd = th["bound"][quantity][np.isfinite(th["bound"][quantity])]
            if limits is not None:
                lo, hi = limits
                span = max(hi - lo, 0.05)
                if bnd.size:
                    lo = max(min(lo, bnd.min()), lo - 1.5 * span)
                    hi = max(hi, min(bnd.max(), hi + 1.5 * span))
                pad = 0.06 * (hi - lo) + 1e-3
                ax.set_ylim(lo - pad, hi + pad)
                mark_clipped(ax, xs + shift, mor, (lo - pad, hi + pad), color="tab:orange")
            ax.set_xlabel(SWEEP_LABELS[sweep])
            ax.set_ylabel(name)
            ax.set_title(f"d_sw = {d_sw}, σ² = {sigma2:g}, {_sweep_title(sweep, config)}",
                         fontsize=9)
            ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], color="k", marker="o", ls="none",
               label=f"simulation: {name} of mean risks ± SE (delta method)"),
        Line2D([], [], color="tab:orange", marker="^", ls="none",
               label=f"simulation: mean of per-trial {name} ± SE (authors' notebook)"),
        Line2D([], [], color="k", ls="-", label=f"exact {name} of expectations (notes/derivation.md)"),
        Line2D([], [], color="tab:blue", ls="--", label=f"paper-form {name} of expectations (notes/paper-forms.md)"),
        Line2D([], [], color="tab:red", ls=":", label=f"paper's {name} lower bound (notes/paper-forms.md)"),
    ]
    if any_undefined:
        handles.append(Patch(facecolor=UNDEFINED_STYLE["color"], hatch="xx", edgecolor="0.6",
                             label="exact expectation infinite or undefined"))
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8.5, frameon=False)
    fig.suptitle(f"{name} at σ² = {sigma2:g}", fontsize=11)
    _layout(fig, bottom=0.13)
    return save_figure(fig, path)


def heatmap_figure(config, bases, quantity, sigma2, planes, path):
    """Paper-form lower bound of PGR or OPR over (n, N) for every d_sw (top row) and, next to
    it, the margin exact - bound (bottom row); the region where the bound fails (bound above the
    exact ratio of expectations) is hatched and outlined in both, the region where the exact
    expectation is undefined is grey."""
    name = RATIO_NAMES[quantity]
    cols = len(config.d_sw)
    fig, axes = plt.subplots(2, cols, figsize=(4.4 * cols + 1.2, 8.0), squeeze=False)
    tops, bottoms, stats = [], [], []
    for d_sw in config.d_sw:
        n, N, th = planes[(d_sw, sigma2)]
        bound, exact = th["bound"][quantity], th["exact"][quantity]
        undefined = ~np.isfinite(exact) | ~np.isfinite(bound)
        fail = ~undefined & (bound > exact)
        stats.append((n, N, bound, exact - bound, fail, undefined,
                      fail.sum() / max((~undefined).sum(), 1)))
        tops.append(bound[np.isfinite(bound)])
        bottoms.append((exact - bound)[~undefined])
    # One colour scale per row, so the panels compare directly. The bound's lowest values (a
    # very negative bias term) are clipped so that the informative range keeps its contrast.
    top = np.concatenate(tops)
    lo, hi = (np.percentile(top, [2, 100]) if top.size else (0.0, 1.0))
    bottom = np.concatenate(bottoms)
    scale = float(np.percentile(np.abs(bottom), 98)) if bottom.size else 1.0
    scale = scale or 1.0
    for j, (d_sw, (n, N, bound, margin, fail, undefined, frac)) in enumerate(zip(config.d_sw, stats)):
        ax = axes[0, j]
        m_top = ax.pcolormesh(N, n, bound, shading="nearest", cmap="viridis", vmin=lo, vmax=hi)
        _overlay(ax, N, n, fail, undefined)
        ax.set_title(f"paper {name} bound, d_sw = {d_sw}", fontsize=9)
        ax = axes[1, j]
        m_bot = ax.pcolormesh(N, n, margin, shading="nearest", cmap="RdBu", vmin=-scale, vmax=scale)
        _overlay(ax, N, n, fail, undefined)
        ax.set_title(f"exact − bound; fails on {frac:.1%} of the valid grid cells", fontsize=9)
        for ax in axes[:, j]:
            # Log axes: the failures sit just above the thresholds n = d_w + 1, N = d_s + 1.
            _log_axis(ax.xaxis, ax.set_xscale, N)
            _log_axis(ax.yaxis, ax.set_yscale, n)
            ax.set_xlabel("N (pseudo-labelled samples, log scale)")
            ax.set_ylabel("n (labelled samples, log scale)")
    _layout(fig, bottom=0.1, right=0.88)
    cax = fig.add_axes((0.9, 0.56, 0.015, 0.34))
    fig.colorbar(m_top, cax=cax, extend="min", label=f"{name} lower bound (paper)")
    cax = fig.add_axes((0.9, 0.1, 0.015, 0.34))
    fig.colorbar(m_bot, cax=cax, extend="both", label=f"exact {name} − bound (< 0: bound fails)")
    handles = [Patch(facecolor="none", edgecolor="k", hatch="///",
                     label=f"bound fails: bound > exact {name} of expectations"),
               Patch(facecolor=UNDEFINED_STYLE["color"], hatch="xx", edgecolor="0.6",
                     label="exact or bound undefined (bound: n ≤ d_w+1 or N ≤ d_s+1)")]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(f"Paper's {name} lower bound against the exact {name} (σ² = {sigma2:g})",
                 fontsize=11)
    return save_figure(fig, path)


def _log_axis(axis, set_scale, values):
    """Log scale with plain-number ticks (1-2-5 steps within the data range, no minor labels:
    easier to read than 10^k, and cheaper to draw)."""
    set_scale("log")
    lo, hi = float(np.min(values)), float(np.max(values))
    ticks = [m * 10 ** k for k in range(0, 7) for m in (1, 2, 5) if lo <= m * 10 ** k <= hi]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FormatStrFormatter("%d"))
    axis.set_minor_locator(NullLocator())  # log axes make dozens of minor ticks, slow to build


def _layout(fig, bottom: float, right: float = 0.98):
    # Fixed margins: tight_layout measures every tick label and doubles the drawing time.
    fig.subplots_adjust(left=0.07, right=right, top=0.91, bottom=bottom, hspace=0.38, wspace=0.28)


def _overlay(ax, N, n, fail, undefined):
    if undefined.any():
        grey = np.ma.masked_where(~undefined, np.ones(undefined.shape))
        ax.pcolormesh(N, n, grey, shading="nearest", cmap=ListedColormap([UNDEFINED_STYLE["color"]]))
    if fail.any():
        ax.contourf(N, n, fail.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
        ax.contour(N, n, fail.astype(float), levels=[0.5], colors="k", linewidths=0.8)
