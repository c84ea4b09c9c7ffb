"""The deviation table: paper form vs exact theory vs simulation at every grid point.

Written twice: ``deviations.json`` (every number, for programs) and ``deviations.md`` (one table
per sweep and (d_sw, sigma2), one row per grid value and quantity).
"""
from __future__ import annotations

import math

from verify.compare import BOUNDS, QUANTITIES
from verify.paper.figures import block

COLUMNS = (
    "{x}", "quantity", "paper", "exact", "(paper−exact)/exact", "simulated ± SE",
    "(sim−exact)/exact", "z vs exact", "z vs paper", "mean of per-trial ratios ± SE",
    "paper lower bound", "notes",
)


def _g(v, fmt=".4g") -> str:
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, fmt)


def _pct(v) -> str:
    return "—" if v is None else f"{v:+.2%}"


def _row(rec: dict, q: str, sweep: str) -> list[str]:
    d = rec["deviation"][q]
    notes = []
    if rec["undefined"]["exact"].get(q):
        notes.append("exact undefined: needs " + ", ".join(rec["undefined"]["exact"][q]))
    if rec["undefined"]["paper"].get(q):
        notes.append("paper form undefined: needs " + ", ".join(rec["undefined"]["paper"][q]))
    if d.get("holm_reject_vs_exact"):
        notes.append("**simulation rejects exact (Holm)**")
    if d.get("holm_reject_vs_paper"):
        notes.append("simulation rejects paper form (Holm)")
    mor = bound = ""
    if q in BOUNDS:
        mor = f"{_g(d.get('mean_of_ratios'))} ± {_g(d.get('mean_of_ratios_se'), '.2g')}"
        bound = _g(d.get("lower_bound"))
        excess = d.get("bound_minus_exact")
        if excess is not None and excess > 0:
            notes.append(f"bound fails (exceeds exact by {excess:.3g})")
        if d.get("holm_sim_below_bound"):
            notes.append("simulation significantly below bound (Holm)")
    return [
        str(rec["point"][sweep]), q, _g(d["paper"]), _g(d["exact"]), _pct(d["rel_paper_vs_exact"]),
        f"{_g(d['simulated'])} ± {_g(d['se'], '.2g')}", _pct(d["rel_sim_vs_exact"]),
        _g(d["z_vs_exact"], "+.2f"), _g(d["z_vs_paper"], "+.2f"), mor, bound, "; ".join(notes),
    ]


def markdown_table(config, records: list[dict]) -> str:
    """All deviation rows as Markdown, one table per (sweep, d_sw, sigma2)."""
    trials = records[0]["simulation"]["trials"] if records else 0
    lines = [
        "# Deviation table: paper form vs exact theory vs simulation",
        "",
        f"Simulation: {trials} trials per point, engine `{config.engine}`, seed {config.seed}. "
        "Risks: mean ± standard error; PGR/OPR: ratio of mean risks ± delta-method SE "
        "(an estimate of the ratio of expectations, which is what the theory forms give), with "
        "the authors' mean of per-trial ratios alongside. z: (simulated − theory)/SE; "
        f"Holm at family-wise α = {config.alpha} across all points and quantities. "
        "Relative errors are relative to the exact expectation.",
        "",
    ]
    for sweep in ("N", "n"):
        fixed = f"n = {config.n_fixed}" if sweep == "N" else f"N = {config.N_fixed}"
        for d_sw in config.d_sw:
            for sigma2 in config.sigma2:
                recs = block(records, sweep, d_sw, sigma2)
                if not recs:
                    continue
                lines += [f"## {sweep}-sweep ({fixed}), d_sw = {d_sw}, σ² = {sigma2:g}", ""]
                header = [c.format(x=sweep) for c in COLUMNS]
                lines.append("| " + " | ".join(header) + " |")
                lines.append("|" + "---|" * len(header))
                for rec in recs:
                    for q in QUANTITIES:
                        lines.append("| " + " | ".join(_row(rec, q, sweep)) + " |")
                lines.append("")
    return "\n".join(lines)


def json_table(config, points, records: list[dict], findings: dict) -> dict:
    """Everything needed to reproduce and re-analyse the study."""
    return {
        "config": config.to_dict(),
        "grid": [p.to_dict() for p in points],
        "records": records,
        "findings": findings,
    }
