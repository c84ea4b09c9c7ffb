"""Error plots: simulation against theory along n and N sweeps (matplotlib, PNG).

:func:`plot_suite` simulates the sweeps (through the run's context, so seeds follow the run
seed) and returns their data; :func:`render` draws the figures into a folder; :func:`figures`
does both and returns the data with the PNG files' bytes (a job that can run in a worker
process while the claims run, ``verify.runner.run_claims(..., alongside=...)``):

* ``relative_error_vs_n.png`` / ``relative_error_vs_N.png`` -- (simulated mean - theory) /
  theory for each model, against the exact and the paper form, with 95 % confidence bands;
* ``risks_vs_n.png`` / ``risks_vs_N.png`` -- theory curves (exact: solid, paper: dashed) over
  simulated means with 95 % error bars, one panel per model;
* ``pgr_opr_vs_n.png`` / ``pgr_opr_vs_N.png`` -- PGR and OPR as ratios of mean risks (delta-method
  95 % bars) and as means of per-trial ratios (the notebook's quantity), with the exact and paper
  forms and the paper's lower bounds.
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile

import numpy as np

import theory
from theory.formulas import MODELS
from verify import measurement, stats
from verify.figlimits import mark_clipped, readable_limits

BASE = {"d_s": 4, "d_w": 6, "sigma2": 1.0, "cosines": [0.9, 0.6, 0.3, 0.0],
        "theta": {"s": 0.1, "w": 0.1, "o": 0.05, "seed": 1}, "features": "gaussian", "noise": "gaussian"}
LABELLED_SWEEP = (17, 20, 24, 30, 40, 55, 75, 100)  # values of n, at N = PSEUDO_FIXED
PSEUDO_FIXED = 60
PSEUDO_SWEEP = (15, 18, 22, 30, 45, 70, 110, 170)   # values of N, at n = LABELLED_FIXED
LABELLED_FIXED = 40
Z95 = 1.959963984540054


def _point(ctx, cfg, trials) -> dict:
    pt = ctx.simulate(cfg, trials)
    g = ctx.geometry(cfg)
    row = {"n": cfg["n"], "N": cfg["N"], "trials": trials, "mean": {}, "se": {}}
    for m in MODELS:
        row["mean"][m], row["se"][m] = stats.mean_se(pt[m])
    for q in ("pgr", "opr"):
        row["mean"][q], row["se"][q] = measurement.quantity(ctx, cfg, q, trials)
    with np.errstate(divide="ignore", invalid="ignore"):
        row["mean_of_pgr"] = float(np.mean((pt["weak"] - pt["w2s"]) / (pt["weak"] - pt["ceiling"])))
        row["mean_of_opr"] = float(np.mean(pt["strong"] / pt["w2s"]))
    row["theory"] = {}
    for form in ("exact", "paper"):
        row["theory"][form] = {}
        for q in MODELS + ("pgr", "opr"):
            name = f"risk.{q}.{form}" if q in MODELS else f"{q}.{form}"
            try:
                row["theory"][form][q] = ctx.evaluate(name, g)
            except ValueError:
                row["theory"][form][q] = None
    for q in ("pgr", "opr"):
        try:
            row["theory"][f"{q}_lower_bound"] = ctx.evaluate(f"{q}.lower_bound", g)
        except ValueError:
            row["theory"][f"{q}_lower_bound"] = None
    return row


def plot_suite(ctx, progress: bool = False) -> dict:
    """Simulate the n and N sweeps around :data:`BASE` and return their data (JSON-able).
    ``progress``: say so on stderr, with a bar on a terminal (the phase takes about a minute
    at the default size)."""
    trials = ctx.round_trials(256 if ctx.quick else 2048)
    configs = ([{**BASE, "n": n, "N": PSEUDO_FIXED} for n in LABELLED_SWEEP]
               + [{**BASE, "n": LABELLED_FIXED, "N": N} for N in PSEUDO_SWEEP])
    bar = None
    if progress:
        print(f"plots: simulating {len(configs)} sweep points x {trials} trials", file=sys.stderr,
              flush=True)
        if sys.stderr.isatty():
            from tqdm import tqdm   # deliberate: a heavy import, only for a visible bar

            bar = tqdm(total=len(configs), unit="point", desc="plots", file=sys.stderr, leave=False)
    rows = []
    for cfg in configs:
        rows.append(_point(ctx, cfg, trials))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    n_sweep, N_sweep = rows[:len(LABELLED_SWEEP)], rows[len(LABELLED_SWEEP):]
    geo = {k: v for k, v in ctx.geometry({**BASE, "n": LABELLED_FIXED, "N": PSEUDO_FIXED}).items()
           if k not in ("n", "N")}
    return {"base": BASE, "geometry": geo, "trials": trials, "n_sweep": n_sweep, "N_sweep": N_sweep,
            "n_fixed": LABELLED_FIXED, "N_fixed": PSEUDO_FIXED}


def figures(ctx, progress: bool = False) -> dict:
    """:func:`plot_suite` and :func:`render` in one: ``{"data": ..., "png": {name: bytes}}``.

    The figures are drawn into a temporary folder of this function's own, read back and the
    folder removed, so that the caller (:func:`verify.report.write_outputs`) writes them where
    it writes the rest of the report, atomically with it."""
    data = plot_suite(ctx, progress=progress)
    folder = tempfile.mkdtemp(prefix="w2s-verify-figures-")
    try:
        png = {}
        for name in render(data, folder, progress=progress):
            with open(os.path.join(folder, name), "rb") as fh:
                png[name] = fh.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)     # our own temporary folder
    return {"data": data, "png": png}


def _curve(name, geo, var, grid, fixed):
    f = theory.lambdify_numpy(name)
    vals = {**geo, var: grid, ("N" if var == "n" else "n"): fixed}
    try:
        return np.asarray(f(**vals), dtype=float) * np.ones_like(grid, dtype=float)
    except ValueError:
        return np.full(grid.shape, np.nan)


def _dense(var, rows):
    xs = [r[var] for r in rows]
    return np.arange(min(xs), max(xs) + 1)


#: Figures :func:`render` draws: three per sweep.
FIGURES = tuple(f"{kind}_vs_{var}.png" for var in ("n", "N")
                for kind in ("relative_error", "risks", "pgr_opr"))


def render(data: dict, folder: str, progress: bool = False) -> list[str]:
    """Draw every figure of ``data`` into ``folder``; returns the file names written.
    ``progress``: one line per figure on stderr (drawing takes seconds: loading matplotlib,
    laying out the tick labels)."""
    if progress:
        print(f"plots: drawing {len(FIGURES)} figures into {folder} (loading matplotlib)",
              file=sys.stderr, flush=True)
    # deliberate: matplotlib (seconds to load) only when figures are drawn, with its backend
    # chosen before pyplot loads
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    written = _Written(progress)
    geo = data["geometry"]
    title_geo = (f"d_s={int(geo['d_s'])}, d_w={int(geo['d_w'])}, d_sw={geo['d_sw']:.2f}, "
                 f"sigma2={geo['sigma2']:g}, rho_s={geo['rho_s']:.3f}, rho_w={geo['rho_w']:.3f}")
    sweeps = (("n", data["n_sweep"], data["N_fixed"], "N"), ("N", data["N_sweep"], data["n_fixed"], "n"))

    for var, rows, fixed, other in sweeps:
        x = np.array([r[var] for r in rows], dtype=float)
        # relative error
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=False)
        for ax, form in zip(axes, ("exact", "paper")):
            rels = []
            for i, m in enumerate(MODELS):
                th = np.array([r["theory"][form][m] if r["theory"][form][m] is not None else np.nan
                               for r in rows])
                mu = np.array([r["mean"][m] for r in rows])
                se = np.array([r["se"][m] for r in rows])
                rel = (mu - th) / th
                band = Z95 * se / np.abs(th)
                off = (i - 1.5) * 0.004 * (x.max() - x.min())
                line = ax.errorbar(x + off, rel, yerr=band, fmt="o-", ms=3, capsize=2, label=m)
                rels.append((x + off, rel, band, line.lines[0].get_color()))
            # The axis follows the points; an extreme one (a theory value near 0) is marked.
            every = np.concatenate([rel for _, rel, _, _ in rels])
            every = every[np.isfinite(every)]
            core = every
            if every.size > 4:      # the middle 80 % set the range, the rest within reach of it
                lo10, hi90 = np.percentile(every, [10, 90])
                core = every[(every >= lo10) & (every <= hi90)]
            bars = np.concatenate([np.concatenate([rel - band, rel + band])
                                   for _, rel, band, _ in rels])
            limits = readable_limits(core, np.concatenate([every, bars]))
            if limits is not None:
                ax.set_ylim(*limits)
                for xs_, rel, _, colour in rels:
                    mark_clipped(ax, xs_, rel, limits, color=colour)
            ax.axhline(0, color="k", lw=0.8)
            ax.set_xlabel(f"{var} ({'labelled' if var == 'n' else 'pseudo-labelled'} samples; {other}={fixed})")
            ax.set_ylabel("(simulated mean - theory) / theory")
            ax.set_title(f"relative error vs {form} form (95% bands)")
            ax.legend(fontsize=8)
        written.append(_save(plt, fig, title_geo, folder, f"relative_error_vs_{var}.png"))

        # theory curves over simulated points
        grid = _dense(var, rows)
        fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
        for ax, m in zip(axes.ravel(), MODELS):
            mu = np.array([r["mean"][m] for r in rows])
            se = np.array([r["se"][m] for r in rows])
            ax.errorbar(x, mu, yerr=Z95 * se, fmt="o", ms=4, capsize=2, color="k", label="simulation (95%)")
            ax.plot(grid, _curve(f"risk.{m}.exact", geo, var, grid, fixed), "-", label="exact form")
            ax.plot(grid, _curve(f"risk.{m}.paper", geo, var, grid, fixed), "--", label="paper form")
            ax.set_yscale("log")
            ax.set_xlabel(var)
            ax.set_ylabel(f"expected excess risk, {m}")
            ax.set_title(f"{m} ({other}={fixed})")
            ax.legend(fontsize=8)
        written.append(_save(plt, fig, title_geo, folder, f"risks_vs_{var}.png"))

        # PGR / OPR. The axis follows the curves and the ratios of mean risks; a mean of
        # per-trial ratios far outside (one trial with a tiny denominator) is marked at the edge.
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for ax, q in zip(axes, ("pgr", "opr")):
            mu = np.array([r["mean"][q] for r in rows])
            se = np.array([r["se"][q] for r in rows])
            mor = np.array([_nan(r[f"mean_of_{q}"]) for r in rows])
            curves = [_curve(f"{q}.{form}", geo, var, grid, fixed)
                      for form in ("exact", "paper", "lower_bound")]
            limits = readable_limits(np.concatenate([*curves, mu]), mor)
            ax.errorbar(x, mu, yerr=Z95 * se, fmt="o", ms=4, capsize=2, color="k",
                        label="ratio of mean risks (95%)")
            ax.plot(x, mor, "x", color="gray", label="mean of per-trial ratios")
            for curve, style, label in zip(curves, ("-", "--", ":"),
                                           ("exact form", "paper form", "paper lower bound")):
                ax.plot(grid, curve, style, label=label)
            if limits is not None:
                ax.set_ylim(*limits)
                if mark_clipped(ax, x, mor, limits, color="gray"):
                    ax.plot([], [], "^", color="gray", label="off the axis (value written)")
            ax.set_xlabel(var)
            ax.set_ylabel(q.upper() + " (ratio of expected risks)")
            ax.set_title(f"{q.upper()} vs {var} ({other}={fixed})")
            ax.legend(fontsize=8)
        written.append(_save(plt, fig, title_geo, folder, f"pgr_opr_vs_{var}.png"))
    return list(written)


class _Written(list):
    """The file names written so far; with ``progress``, each one is announced on stderr."""

    def __init__(self, progress: bool):
        super().__init__()
        self.progress = progress

    def append(self, name: str) -> None:
        super().append(name)
        if self.progress:
            print(f"plots: {len(self)}/{len(FIGURES)} {name}", file=sys.stderr, flush=True)


def _save(plt, fig, title: str, folder: str, name: str) -> str:
    """Title, lay out, write and close one figure; returns its file name."""
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(f"{folder}/{name}", dpi=110)
    plt.close(fig)
    return name


def _nan(x) -> float:
    return np.nan if x is None else float(x)


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)
