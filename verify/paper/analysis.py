"""What the paper study's numbers show: tests, deviations and bound failures, as plain data.

:func:`analyse` turns the per-point records (:func:`verify.compare.compare` outputs with their grid
point) into ``findings``, a JSON-ready dict from which :mod:`verify.paper.report` writes the
report's sentences. It also marks in each record which tests Holm's procedure rejected.

Families (each controlled at family-wise level ``alpha`` by Holm):

- ``sim_vs_exact``: simulation against the exact expectation, every defined (point, quantity),
  quantities ``weak, strong, ceiling, w2s`` (t test on the mean) and ``pgr, opr`` (ratio of mean
  risks, delta-method z test). A rejection means the exact theory, the simulator, or the
  approximation behind the test is wrong at that point.
- ``sim_vs_paper``: the same against the paper forms: a rejection means the simulation resolves
  the paper form's deviation at that point.
- ``bound_vs_sim``: one-sided, H0 "the expected ratio is at least the paper's lower bound".
"""
from __future__ import annotations

import math

import numpy as np

from verify.compare import BOUNDS, QUANTITIES, RISKS
from verify import stats


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _where(rec: dict) -> dict:
    p = rec["point"]
    return {k: p[k] for k in ("index", "sweep", "d_sw", "sigma2", "n", "N")}


def _family(records, quantities, pkey: str, alpha: float, flag: str) -> dict:
    """Holm across every finite ``pkey`` p-value; writes ``flag`` into each deviation row."""
    cells = [(r, q) for r in records for q in quantities]
    p = np.array([r["deviation"][q].get(pkey) for r, q in cells], dtype=float)
    reject = stats.holm(p, alpha)[0]
    tested = np.isfinite(p)
    for (r, q), t, rej in zip(cells, tested, reject):
        r["deviation"][q][flag] = bool(rej) if t else None
    zkey = pkey.replace("p_", "z_")
    rejected = [dict(_where(r), quantity=q, z=r["deviation"][q].get(zkey))
                for (r, q), rej in zip(cells, reject) if rej]
    out = {"alpha": alpha, "tests": int(tested.sum()), "rejected": len(rejected),
           "rejections": rejected[:50]}
    per_q = {}
    for q in quantities:
        sel = [(r, rej) for (r, qq), rej, t in zip(cells, reject, tested) if qq == q and t]
        per_q[q] = {"tests": len(sel), "rejected": int(sum(rej for _, rej in sel))}
    out["by_quantity"] = per_q
    return out


def _range(records, quantity: str, key: str) -> dict | None:
    """min / max of ``deviation[quantity][key]`` over the grid, where they occur, and signs."""
    vals = [(r["deviation"][quantity].get(key), r) for r in records]
    vals = [(v, r) for v, r in vals if _finite(v)]
    if not vals:
        return None
    lo = min(vals, key=lambda t: t[0])
    hi = max(vals, key=lambda t: t[0])
    absmax = max(vals, key=lambda t: abs(t[0]))
    return {
        "count": len(vals),
        "below": sum(v < 0 for v, _ in vals),
        "above": sum(v > 0 for v, _ in vals),
        "min": lo[0], "at_min": _where(lo[1]),
        "max": hi[0], "at_max": _where(hi[1]),
        "abs_max": abs(absmax[0]), "at_abs_max": _where(absmax[1]),
        "abs_median": float(np.median([abs(v) for v, _ in vals])),
    }


def _by_sweep_end(records, quantity: str, key: str) -> dict:
    """The deviation at each sweep's smallest and largest swept value (all d_sw, sigma2)."""
    out = {}
    for sweep in ("N", "n"):
        sel = [r for r in records if r["point"]["sweep"] == sweep]
        if not sel:
            continue
        xs = sorted({r["point"][sweep] for r in sel})
        for tag, x in (("first", xs[0]), ("last", xs[-1])):
            vals = [r["deviation"][quantity].get(key) for r in sel if r["point"][sweep] == x]
            vals = [v for v in vals if _finite(v)]
            if vals:
                out[f"{sweep}_{tag}"] = {"x": x, "min": min(vals), "max": max(vals)}
    return out


def _power(records, quantities, alpha: float, tests: int) -> dict:
    """Deviation from the exact value that each test would detect with 80 % power at Holm's
    most stringent level (median and worst over the grid): relative for the risks, absolute for
    PGR/OPR (whose exact value can be near 0, where a relative scale means nothing)."""
    z = stats.detectable_shift(alpha / max(tests, 1), 0.8, "two-sided")
    out = {}
    for q in quantities:
        key = "rel_se" if q in RISKS else "se"
        vals = [r["deviation"][q].get(key) for r in records
                if _finite(r["deviation"][q].get("z_vs_exact"))]
        vals = [z * v for v in vals if _finite(v)]
        if vals:
            out[q] = {"median": float(np.median(vals)), "max": float(np.max(vals)),
                      "scale": "relative" if q in RISKS else "absolute"}
    return out


def _bounds(records, planes, alpha: float) -> dict:
    out = {}
    for q in BOUNDS:
        rows = [(r, r["deviation"][q]) for r in records]
        defined = [(r, d) for r, d in rows if _finite(d.get("bound_minus_exact"))]
        fails = [(r, d) for r, d in defined if d["bound_minus_exact"] > 0]
        p = np.array([stats.p_value(d["simulated"], d["se"], d["lower_bound"], "less")
                      if _finite(d.get("simulated")) and _finite(d.get("se")) and
                      _finite(d.get("lower_bound")) else math.nan for _, d in rows])
        reject = stats.holm(p, alpha)[0]
        for (_, d), pv, rej in zip(rows, p, reject):
            d["p_below_bound"] = float(pv) if math.isfinite(pv) else None
            d["holm_sim_below_bound"] = bool(rej) if math.isfinite(pv) else None
        worst = max(defined, key=lambda t: t[1]["bound_minus_exact"]) if defined else None
        slack = [d["bound_minus_exact"] for _, d in defined]
        heat = []
        for (d_sw, sigma2), (n, N, th) in planes.items():
            bound, exact = th["bound"][q], th["exact"][q]
            ok = np.isfinite(bound) & np.isfinite(exact)
            fail = ok & (bound > exact)
            entry = {"d_sw": d_sw, "sigma2": sigma2, "valid_cells": int(ok.sum()),
                     "fail_cells": int(fail.sum()),
                     "fail_fraction": float(fail.sum() / ok.sum()) if ok.any() else None,
                     "max_excess": float((bound - exact)[ok].max()) if ok.any() else None}
            if fail.any():
                ii, jj = np.nonzero(fail)
                entry["fail_n_range"] = [int(n[ii].min()), int(n[ii].max())]
                entry["fail_N_range"] = [int(N[jj].min()), int(N[jj].max())]
            heat.append(entry)
        out[q] = {
            "grid_defined": len(defined),
            "grid_fail": len(fails),
            "fail_points": [dict(_where(r), excess=d["bound_minus_exact"]) for r, d in fails][:50],
            "worst": dict(_where(worst[0]), excess=worst[1]["bound_minus_exact"]) if worst else None,
            "min_slack": float(-max(slack)) if slack else None,
            "median_slack": float(-np.median(slack)) if slack else None,
            "sim_tests": int(np.isfinite(p).sum()),
            "sim_below_bound": int(reject.sum()),
            "heatmap": heat,
        }
    return out


def _jensen(records) -> dict:
    """Mean of per-trial ratios minus ratio of mean risks, in absolute terms and in units of the
    ratio-of-means SE."""
    out = {}
    for q in BOUNDS:
        diffs, in_se = [], []
        for r in records:
            s = r["simulation"]
            a, b, se = s.get(f"mean_of_{q}"), s.get(f"{q}_of_means"), s.get(f"{q}_of_means_se")
            if _finite(a) and _finite(b):
                diffs.append((a - b, r))
                if _finite(se) and se > 0:
                    in_se.append((a - b) / se)
        if diffs:
            worst = max(diffs, key=lambda t: abs(t[0]))
            out[q] = {"count": len(diffs), "above": sum(d > 0 for d, _ in diffs),
                      "below": sum(d < 0 for d, _ in diffs),
                      "abs_max": abs(worst[0]), "signed_at_abs_max": worst[0],
                      "at_abs_max": _where(worst[1]),
                      "median_in_se": float(np.median(in_se)) if in_se else None,
                      "abs_max_in_se": float(np.max(np.abs(in_se))) if in_se else None}
    return out


def analyse(records: list[dict], planes: dict, alpha: float) -> dict:
    """Findings of the study (see the module docstring); annotates ``records`` in place."""
    # An infinite exact expectation (within one sample of a threshold) is excluded like an
    # undefined one; its "condition" says why.
    undefined = [dict(_where(r), conditions=sorted(
                     {c for cs in r["undefined"]["exact"].values() for c in cs}
                     | {f"finite expectation of {q} (" + r["regime"][q] + ")"
                        for q in r.get("infinite", ()) if q in r.get("regime", {})}))
                 for r in records if r["undefined"]["exact"] or r.get("infinite")]
    exact = _family(records, QUANTITIES, "p_vs_exact", alpha, "holm_reject_vs_exact")
    exact["detectable_rel"] = _power(records, QUANTITIES, alpha, exact["tests"])
    worst = [(abs(r["deviation"][q]["z_vs_exact"]), r, q) for r in records for q in QUANTITIES
             if _finite(r["deviation"][q].get("z_vs_exact"))]
    if worst:
        z, r, q = max(worst, key=lambda t: t[0])
        exact["max_abs_z"] = z
        exact["at_max_abs_z"] = dict(_where(r), quantity=q)
    paper = _family(records, QUANTITIES, "p_vs_paper", alpha, "holm_reject_vs_paper")
    return {
        "points": len(records),
        "undefined_points": undefined,
        "sim_vs_exact": exact,
        "sim_vs_paper": paper,
        "paper_vs_exact": {q: _range(records, q, "rel_paper_vs_exact") for q in QUANTITIES},
        "paper_vs_exact_sweep_ends": {q: _by_sweep_end(records, q, "rel_paper_vs_exact")
                                      for q in QUANTITIES},
        "paper_minus_exact_ratio": {q: _range(records, q, "paper_minus_exact") for q in BOUNDS},
        "sim_vs_exact_rel": {q: _range(records, q, "rel_sim_vs_exact") for q in RISKS},
        "bounds": _bounds(records, planes, alpha),
        "jensen": _jensen(records),
    }
