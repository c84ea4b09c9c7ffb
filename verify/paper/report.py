"""``report.md`` of the paper study: sentences filled in from the computed findings.

Nothing here states a conclusion of its own: every direction ("below", "fails"), count and size
in the text comes from :func:`verify.paper.analysis.analyse`, so a different configuration (or a
wrong theory) yields different words.
"""
from __future__ import annotations

import string

import sympy as sp

import theory
from theory.formulas import RATIOS, SINGLE_MODELS
from verify.paper.config import axis_values

NAMES = {"weak": "weak-teacher", "strong": "strong-baseline", "ceiling": "strong-ceiling",
         "w2s": "W2S", "pgr": "PGR", "opr": "OPR"}


def _at(w: dict | None) -> str:
    if not w:
        return "—"
    return f"{w['sweep']}-sweep, d_sw = {w['d_sw']}, σ² = {w['sigma2']:g}, n = {w['n']}, N = {w['N']}"


def _direction(r: dict, what: str = "the exact expectation") -> str:
    if r["below"] == r["count"]:
        return f"below {what} at every one of the {r['count']} grid points where both are defined"
    if r["above"] == r["count"]:
        return f"above {what} at every one of the {r['count']} grid points where both are defined"
    return (f"below {what} at {r['below']} and above it at {r['above']} of the {r['count']} "
            "grid points where both are defined")


def _paper_expr(model: str) -> str:
    return f"`{sp.sstr(theory.risk(model, 'paper'))}`"


def _variance_factor(config, findings) -> list[str]:
    """The d/(n - d - 1) vs d/n factor behind the baselines' approximation, at the sweep ends."""
    lines = []
    ns = sorted(set(axis_values(config.n_sweep).tolist()) | {config.n_fixed})
    for d_name, d in (("d_w", config.d_w), ("d_s", config.d_s)):
        parts = []
        for n in (ns[0], ns[-1]) if ns else ():
            if n > d + 1:
                exact, paper = d / (n - d - 1), d / n
                parts.append(f"at n = {n}, {d_name}/(n − {d_name} − 1) = {exact:.4g} is "
                             f"{exact / paper:.3f} × {d_name}/n = {paper:.4g}")
            else:
                parts.append(f"at n = {n}, {d_name}/(n − {d_name} − 1) is undefined")
        if parts:
            lines.append(f"- {d_name} = {d}: " + "; ".join(parts) + ".")
    return lines


def _timings(timings: dict | None) -> str:
    if not timings:
        return "no breakdown"
    parts = [f"{k.removesuffix('_s').replace('_', ' ')} {v:.1f} s" for k, v in timings.items()]
    return "; ".join(parts)


def _execution(ex: dict | None) -> str:
    """One sentence on how the tasks ran (store reuse, retries after worker deaths)."""
    if not ex:
        return ""
    text = (f" Tasks (one seed block of one point each): {ex['tasks']} on executor "
            f"`{ex['executor']}`, {ex['tasks_run']} run, {ex['tasks_from_store']} read back from "
            "the run folder")
    if ex.get("retries"):
        text += (f"; **{ex['retries']} task(s) were re-run after their worker died** "
                 "(the numbers do not depend on it)")
    else:
        text += "; no worker died"
    return text + "."


# The document's skeleton; each placeholder is one section's text, built below from the findings.
REPORT = string.Template("""\
# Paper study `$name`: paper forms vs exact theory vs simulation

$grid

## 1. Simulation against the exact expectations (notes/derivation.md, notes/regimes.md)

$sim_vs_exact

## 2. The paper's single-model forms (the baselines' d/n approximation)

$single_models

## 3. The paper's W2S form

$w2s_form

## 4. PGR and OPR: paper form against exact (ratios of expectations)

$ratios

## 5. The paper's lower bounds

$bounds
## 6. Ratio of mean risks against mean of per-trial ratios

$jensen

## 7. Validity of the exact expectations on the grid

$validity

## Files

$files
""")


def _grid(config, findings, wall_s, workers, timings, execution) -> str:
    return (f"Grid: {findings['points']} points (N-sweep at n = {config.n_fixed}, n-sweep at "
            f"N = {config.N_fixed}; d_sw ∈ {list(config.d_sw)}, σ² ∈ {list(config.sigma2)}; "
            f"d_s = {config.d_s}, d_w = {config.d_w}, {config.latent} latent coordinates with "
            f"λ_i = i^-{config.decay:g}). Simulation: {findings.get('trials')} trials per point, "
            f"engine `{config.engine}`, seed {config.seed}, {workers} worker(s), wall time "
            f"{wall_s:.1f} s ({_timings(timings)})." + _execution(execution))


def _sim_vs_exact(ex) -> list[str]:
    out = [f"{ex['tests']} two-sided tests (risks: t test of the mean; PGR/OPR: ratio of mean "
           f"risks, delta-method z test) at family-wise α = {ex['alpha']} (Holm): "
           f"**{ex['rejected']} rejected**."]
    if ex["rejected"] == 0:
        out.append(
            "The simulation is consistent with the exact expectations at every grid point where "
            f"they are defined; the largest |z| is {ex.get('max_abs_z', float('nan')):.2f} "
            f"({ex.get('at_max_abs_z', {}).get('quantity', '—')}, {_at(ex.get('at_max_abs_z'))}).")
    else:
        shown = "; ".join(f"{r['quantity']} at {_at(r)} (z = {r['z']:+.2f})"
                          for r in ex["rejections"][:8])
        out.append(f"The simulation contradicts the exact theory at: {shown}"
                   + (" …" if ex["rejected"] > 8 else "") + ". Either the theory, the simulator "
                   "or the test's normal approximation is wrong there; see deviations.md.")
    power = ex.get("detectable_rel", {})
    if power:
        out += ["", "Power: deviation from the exact value detected with 80 % probability at "
                "Holm's first-step level (median over the grid / worst point; relative for risks, "
                "absolute for PGR and OPR):", ""]
        out += [f"- {NAMES[q]}: {v['median']:.1%} / {v['max']:.1%}" if v["scale"] == "relative"
                else f"- {NAMES[q]}: {v['median']:.3f} / {v['max']:.3f}" for q, v in power.items()]
    return out


def _resolved(pp, q) -> str:
    return f"{pp['by_quantity'][q]['rejected']} of {pp['by_quantity'][q]['tests']} points"


def _single_models(config, findings, pp) -> list[str]:
    out = []
    for q in SINGLE_MODELS:
        r = findings["paper_vs_exact"].get(q)
        if not r:
            continue
        ends = findings["paper_vs_exact_sweep_ends"].get(q, {})
        end_txt = "; ".join(f"{k.replace('_first', ' smallest').replace('_last', ' largest')} "
                            f"({k[0]} = {v['x']}): {v['min']:+.1%} to {v['max']:+.1%}"
                            for k, v in ends.items())
        out.append(
            f"- The paper's {NAMES[q]} form {_paper_expr(q)} is {_direction(r)}. Relative error "
            f"from {r['min']:+.2%} ({_at(r['at_min'])}) to {r['max']:+.2%} ({_at(r['at_max'])}); "
            f"median |error| {r['abs_median']:.2%}. By sweep end: {end_txt}. The simulation "
            f"resolves the difference (Holm) at {_resolved(pp, q)}.")
    factor = _variance_factor(config, findings)
    if factor:
        out += ["", "The exact variance factor against the paper's, at the n-sweep's ends:", ""]
        out += factor
    return out


def _w2s_form(findings, pp) -> list[str]:
    r = findings["paper_vs_exact"].get("w2s")
    if not r:
        return ["The paper's W2S form is defined at no grid point."]
    return [f"The paper's W2S form {_paper_expr('w2s')} is {_direction(r)}; relative error from "
            f"{r['min']:+.2%} ({_at(r['at_min'])}) to {r['max']:+.2%} ({_at(r['at_max'])}), median "
            f"|error| {r['abs_median']:.2%}. The simulation resolves the difference (Holm) at "
            f"{_resolved(pp, 'w2s')}."]


def _ratios(findings, pp) -> list[str]:
    out = []
    for q in RATIOS:
        r = findings["paper_minus_exact_ratio"].get(q)
        if not r:
            continue
        where = _direction(r, "the exact ratio").replace("grid points where both are defined",
                                                         "grid points")
        out.append(
            f"- Paper-form {NAMES[q]} minus exact {NAMES[q]}: from {r['min']:+.4f} "
            f"({_at(r['at_min'])}) to {r['max']:+.4f} ({_at(r['at_max'])}); the paper form is "
            f"{where}. Median |difference| {r['abs_median']:.4f}. The simulation resolves it "
            f"(Holm) at {_resolved(pp, q)}.")
    return out


def _bounds(config, findings) -> list[str]:
    out = []
    for q, b in findings["bounds"].items():
        name = NAMES[q]
        if b["grid_fail"]:
            worst = b["worst"]
            out.append(
                f"- {name}: the bound **exceeds the exact {name}** (fails) at {b['grid_fail']} of "
                f"{b['grid_defined']} simulated grid points; worst excess {worst['excess']:.4g} "
                f"({_at(worst)}).")
        else:
            out.append(
                f"- {name}: the bound holds against the exact {name} at all {b['grid_defined']} "
                f"simulated grid points where both are defined; smallest slack "
                f"{b['min_slack']:.4g}, median slack {b['median_slack']:.4g}.")
        out.append(
            f"  The simulated {name} of mean risks is significantly below the bound (one-sided, "
            f"Holm at α = {config.alpha}) at {b['sim_below_bound']} of {b['sim_tests']} points.")
        failing = [h for h in b["heatmap"] if h["fail_cells"]]
        out.append(
            f"  Over the heat-map plane (n ∈ [{config.heatmap_n[0]}, {config.heatmap_n[1]}], "
            f"N ∈ [{config.heatmap_N[0]}, {config.heatmap_N[1]}], geometrically spaced cells) the "
            f"bound fails somewhere for {len(failing)} of the {len(b['heatmap'])} (d_sw, σ²) "
            "settings:")
        out += ["", "  | d_sw | σ² | valid cells | bound fails on (share of valid cells) | "
                "largest excess | failing n | failing N |",
                "  |---|---|---|---|---|---|---|"]
        for h in b["heatmap"]:
            frac = "—" if h["fail_fraction"] is None else f"{h['fail_fraction']:.1%}"
            excess = "—" if h["max_excess"] is None else f"{h['max_excess']:+.4g}"
            fn = "–".join(map(str, h["fail_n_range"])) if "fail_n_range" in h else "—"
            fN = "–".join(map(str, h["fail_N_range"])) if "fail_N_range" in h else "—"
            out.append(f"  | {h['d_sw']} | {h['sigma2']:g} | {h['valid_cells']} | {frac} | "
                       f"{excess} | {fn} | {fN} |")
        out.append("")
    return out


def _jensen(findings) -> list[str]:
    return [f"- {NAMES[q]}: the mean of per-trial ratios (what the authors' notebook plots) is "
            f"above the ratio of mean risks at {j['above']} and below it at {j['below']} of "
            f"{j['count']} points; largest difference {j['signed_at_abs_max']:+.4g} "
            f"({_at(j['at_abs_max'])}), median {j['median_in_se']:+.2f} SE of the ratio of means."
            for q, j in findings["jensen"].items()]


def _validity(findings) -> str:
    und = findings["undefined_points"]
    if und:
        conds = sorted({c for u in und for c in u["conditions"]})
        return (f"{len(und)} of {findings['points']} grid points have an undefined or infinite "
                f"exact expectation (violated: {', '.join(conds)}); they are marked in the "
                "figures and tables and are excluded from every test.")
    return (f"Every one of the {findings['points']} grid points has a finite exact expectation "
            "(theory.regimes: no fit within one sample of its interpolation threshold), so all "
            "are tested.")


def render(config, findings: dict, *, wall_s: float, workers: int, files: list[str],
           timings: dict | None = None, execution: dict | None = None) -> str:
    """The report text: :data:`REPORT` filled in with the sections built from ``findings``."""
    pp = findings["sim_vs_paper"]
    return REPORT.substitute(
        name=config.name,
        grid=_grid(config, findings, wall_s, workers, timings, execution),
        sim_vs_exact="\n".join(_sim_vs_exact(findings["sim_vs_exact"])),
        single_models="\n".join(_single_models(config, findings, pp)),
        w2s_form="\n".join(_w2s_form(findings, pp)),
        ratios="\n".join(_ratios(findings, pp)),
        bounds="\n".join(_bounds(config, findings)),
        jensen="\n".join(_jensen(findings)),
        validity=_validity(findings),
        files="\n".join(f"- `{f}`" for f in files),
    )
