"""Report of a W2S sweep on real features: PNG curves with theory overlays, Markdown, JSON."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # headless: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from verify.paper.io import save_figure  # noqa: E402

COLOURS = {"weak": "tab:blue", "strong": "tab:orange", "ceiling": "tab:green", "w2s": "tab:red"}
LABELS = {"weak": "weak teacher", "strong": "strong baseline", "ceiling": "strong ceiling",
          "w2s": "W2S student"}


def _fmt(v, spec=".4g"):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return format(v, spec)


def figure(sweep, entry, path, title):
    """Left: MSEs (points +- 2 SE) with the paper-form fit/prediction (lines, +- 2 SE band) and
    the exact W2S band (grey); right: PGR and OPR measured (mean of per-split ratios) and
    predicted (ratio of predicted means)."""
    xkey = sweep["x"]
    xs = np.asarray(sweep[xkey], float)
    pred = entry["prediction"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    for m in ("weak", "strong", "ceiling", "w2s"):
        c = COLOURS[m]
        ax.errorbar(xs, sweep["mean"][m], yerr=2 * np.asarray(sweep["se"][m]), fmt="o", ms=3,
                    color=c, capsize=2, lw=1, label=f"{LABELS[m]} (measured)")
        p, ps = pred[m], pred[m + "_se"]
        ax.plot(xs, p, "-" if m == "w2s" else "--", color=c, lw=1.3)
        ax.fill_between(xs, p - 2 * ps, p + 2 * ps, color=c, alpha=0.15, lw=0)
    ex = entry.get("exact_data")
    if ex is not None:
        for m in ("weak", "strong", "ceiling", "w2s"):
            ax.plot(xs, ex[m], ":", color=COLOURS[m], lw=2)
        band = 2 * np.asarray(ex["w2s_se"])
        ax.fill_between(xs, ex["w2s"] - band, ex["w2s"] + band, color=COLOURS["w2s"],
                        alpha=0.1, hatch="..", lw=0)
        ax.plot([], [], ":", color="k", lw=2, label="exact theory, geometry from the data")
        for k, c in (("pgr", "tab:purple"), ("opr", "tab:brown")):
            ax2.plot(xs, ex[k], ":", color=c, lw=2)
        ax2.plot([], [], ":", color="k", lw=2, label="exact theory, geometry from the data")
    lo, hi = entry["exact_band"]
    ax.fill_between(xs, lo, hi, color="0.6", alpha=0.35, lw=0,
                    label="W2S exact form, band over unidentified sigma^2")
    ax.set_yscale("log")
    ax.set_xlabel(xkey)
    ax.set_ylabel("test MSE")
    ax.set_title("MSE: lines = paper form (dashed fitted, solid predicted)", fontsize=9)
    ax.legend(fontsize=7)
    for k, c in (("pgr", "tab:purple"), ("opr", "tab:brown")):
        ax2.errorbar(xs, sweep["mean"][k], yerr=2 * np.asarray(sweep["se"][k]), fmt="o", ms=3,
                     color=c, capsize=2, lw=1, label=f"{k.upper()} measured (mean of ratios)")
        p, ps = pred[k], pred[k + "_se"]
        ax2.plot(xs, p, "-", color=c, lw=1.3, label=f"{k.upper()} predicted")
        ax2.fill_between(xs, p - 2 * ps, p + 2 * ps, color=c, alpha=0.15, lw=0)
    ax2.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax2.set_xlabel(xkey)
    ax2.set_title("PGR and OPR", fontsize=9)
    ax2.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def markdown(title, dims, analysis, sweeps, settings, figures) -> str:
    """The report: dimensions, fitted parameters, per-curve deviations, qualitative verdicts."""
    pf, ex = analysis["paper_fit"], analysis["exact_fit"]
    se = analysis["paper_fit_se"]
    lines = [f"# {title}", "",
             "Test MSEs (labels keep their noise: MSE = sigma^2 + excess risk). The theory's free "
             "parameters are fitted on the single-model curves (weak, strong baseline, strong "
             "ceiling) only; W2S, PGR and OPR are predicted (method: "
             "`verify/features/analysis.py`, notes/real-features.md).", "",
             "## Settings", "", "```", *(f"{k}: {v}" for k, v in settings.items()), "```", "",
             "## Dimensions", "", "| d_w | d_s | d_sw | limit 1 - d_sw/d_w |", "|---|---|---|---|",
             f"| {_fmt(dims[0])} | {_fmt(dims[1])} | {_fmt(dims[2])} | "
             f"{_fmt(1 - dims[2] / dims[0], '.3f')} |", "",
             "## Fit on the single-model curves", "",
             "| form | parameter | estimate | SE |", "|---|---|---|---|"]
    for k in ("sigma2", "rho_w", "rho_s"):
        lines.append(f"| paper | {k} | {_fmt(pf['params'][k])} | {_fmt(se[k])} |")
    for k in ("A_w", "A_s"):
        lines.append(f"| exact | {k} = sigma2 + rho | {_fmt(ex[k])} | {_fmt(ex[k + '_se'])} |")
    bound = ", ".join(pf.get("at_bound", [])) or "none"
    unc = ", ".join(f"{k} = {_fmt(v)}" for k, v in pf.get("unconstrained", {}).items())
    lines += ["", f"Paper-form goodness of fit: chi2 = {_fmt(pf['chi2'])} on {pf['dof']} degrees "
              f"of freedom, p = {_fmt(pf['p_value'], '.3g')}. Energies held at their bound 0: "
              f"{bound} (unconstrained least squares: {unc}).", "",
              "## Predicted against measured", "",
              "| sweep | curve | points | chi2 | p | max abs z | median abs rel. dev. |",
              "|---|---|---|---|---|---|---|"]
    for x, e in analysis["sweeps"].items():
        for k, c in list(e["single_compare"].items()) + list(e["compare"].items()):
            tag = "fitted" if k in ("weak", "strong", "ceiling") else "predicted"
            lines.append(f"| {x} | {k} ({tag}) | {c['points']} | {_fmt(c['chi2'])} | "
                         f"{_fmt(c['p_value'], '.3g')} | {_fmt(c['max_abs_z'], '.3g')} | "
                         f"{_fmt(c['median_abs_rel'], '.1%')} |")
        lines.append(f"| {x} | w2s outside the exact band | {e['points']} | | | | "
                     f"{e['exact_band_outside']} points |")
    geo = analysis.get("geometry")
    if geo:
        lines += ["", "## Exact theory from the data-estimated geometry", "",
                  "(The prediction and the measurement share the test rows; their SEs are "
                  "combined in quadrature, which overstates the SE of the difference: "
                  "conservative.)", "",
                  "Nothing fitted on the curves: the geometry of the fits' model is estimated "
                  "from pool-sized fits (`verify/features/geometry.py`) and plugged into "
                  "`theory.regimes` (`risk.<model>.piecewise`, every regime). Prediction SEs: "
                  "jackknife over test groups.", "",
                  "| " + " | ".join(k for k in geo) + " |", "|" + "---|" * len(geo),
                  "| " + " | ".join(_fmt(v) for v in geo.values()) + " |", "",
                  "| sweep | curve | points | chi2 | p | max abs z | median abs rel. dev. | "
                  "median rel. SE |", "|---|---|---|---|---|---|---|---|"]
        for x, e in analysis["sweeps"].items():
            for k, c in e.get("exact_data_compare", {}).items():
                lines.append(f"| {x} | {k} | {c['points']} | {_fmt(c['chi2'])} | "
                             f"{_fmt(c['p_value'], '.3g')} | {_fmt(c['max_abs_z'], '.3g')} | "
                             f"{_fmt(c['median_abs_rel'], '.1%')} | "
                             f"{_fmt(c['median_rel_se'], '.1%')} |")
    q = analysis["sweeps"].get("N", {}).get("qualitative")
    if q:
        b, r, o = q["beats_teacher"], q["pgr_rises"], q["opr_gt1"]
        lines += ["", "## Qualitative claims (N sweep)", "",
                  "| claim | verdict | evidence |", "|---|---|---|",
                  f"| W2S beats the teacher from some N on (model-free) | "
                  f"{'holds' if b['beyond_threshold'] else 'does not hold'} | see next row |",
                  f"| W2S beats the teacher exactly where the paper form predicts | "
                  f"{'holds' if b['holds'] else 'does not hold'} | first significant N = "
                  f"{b['measured_first_N']}, predicted crossing {b['predicted_first_N']}; "
                  f"significant where predicted {b['significant_where_predicted']}/"
                  f"{b['predicted_points']}, elsewhere {b['significant_where_not_predicted']} |",
                  f"| PGR rises with N | {'holds' if r['holds'] else 'does not hold'} | "
                  f"{_fmt(r['pgr_first'], '.3f')} -> {_fmt(r['pgr_last'], '.3f')}, z = "
                  f"{_fmt(r['z_last_minus_first'], '.2f')}, Spearman {_fmt(r['spearman'], '.2f')}; "
                  f"the paper-form prediction {'rises' if r['predicted_rises'] else 'does not rise'}"
                  f" (PGR falls with N once n > 2 d_w + 1) |",
                  f"| PGR stays below its limit 1 - d_sw/d_w | "
                  f"{'holds' if r['below_limit'] else 'does not hold'} | last PGR "
                  f"{_fmt(r['pgr_last'], '.3f')} vs {_fmt(r['limit_rho0'], '.3f')} (z = "
                  f"{_fmt(r['z_last_vs_limit'], '.2f')}); predicted {_fmt(r['predicted_last'], '.3f')} |",
                  f"| OPR > 1 where predicted | {'holds' if o['holds'] else 'does not hold'} | "
                  f"measured > 1 at {o['measured_above']}, < 1 at {o['measured_below']} of "
                  f"{o['points']}; predicted > 1 at {o['predicted_above']}; "
                  f"{o['disagreements']} disagreements |"]
    lines += ["", "Ratios: measured PGR/OPR are means of per-split ratios (the authors' "
              "statistic); predictions are ratios of predicted means. Ratio-of-means "
              "estimates with delta-method SEs are in the JSON.", "",
              "## Figures", "", *(f"- `{f}`" for f in figures), ""]
    return "\n".join(lines)
