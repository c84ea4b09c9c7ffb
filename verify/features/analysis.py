r"""Measured W2S curves on real features against the theory: fit, predict, test.

What the theory leaves free is fitted on the **single-model** curves only (weak teacher, strong
baseline, strong ceiling); the W2S, PGR and OPR curves are then *predicted* and compared with
the measurements. Measurements are test MSEs: labels keep their noise, so every model's MSE is
:math:`\sigma^2` (test label noise) plus its excess risk.

Forms (``theory`` names, notes/real-features.md "# W2S on real features"):

* ``paper`` -- the forms the authors' notebook had as (commented-out) overlays,
  ``risk.<model>.paper`` plus :math:`\sigma^2`:
  :math:`e_w = \sigma^2(1 + d_w/n) + \rho_w`, :math:`e_s = \sigma^2(1 + d_s/n) + \rho_s`,
  :math:`e_c = \sigma^2(1 + d_s/(n+N)) + \rho_s`,
  :math:`e_{w2s} = \sigma^2 + \rho_w + \rho_s + \frac{\sigma^2}{n-d_w-1}
  [d_{sw} + (d_w - d_{sw}) d_s / N]`.
  Linear in :math:`(\sigma^2, \rho_w, \rho_s)`, which the three single-model curves identify
  (weighted non-negative least squares, weights 1/SE^2); their covariance gives the
  prediction bands.
* ``exact`` -- ``risk.<model>.exact`` (OLS regime). A single OLS model's MSE is
  :math:`A\,(m-1)/(m-d-1)` with :math:`A = \sigma^2 + \rho`: only :math:`A_w, A_s` are
  identified, :math:`\sigma^2` is not. The exact W2S risk also needs :math:`b_{w2s}` and
  :math:`m_{sw}`, which no single model sees; with the paper's substitutions
  (:math:`b_{w2s} = \rho_w + \rho_s`, :math:`m_{sw} = 0`) it is
  :math:`A_w + A_s - \sigma^2 + \frac{A_w}{n-d_w-1}[d_{sw} + d_s (d_w-d_{sw})/(N-d_s-1)]`, a
  *band* over the unidentified :math:`\sigma^2 \in [0, \min(A_w, A_s)]`.

Injected label noise of standard deviation :math:`\varsigma` (training labels only) adds
:math:`\varsigma^2` to the variance factors and nothing to the test noise.

A *sweep* is a dict ``{"x": "n" | "N", "n": array, "N": array, "trials": int, "mean": {key:
array}, "se": {key: array}}`` with keys ``weak, strong, ceiling, w2s, pgr, opr``.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps
from scipy.optimize import nnls

from verify.stats import holm

__all__ = ["SINGLE", "fit_paper", "fit_exact", "predict_paper", "exact_w2s_band", "compare",
           "effective_dim", "qualitative", "analyse"]

SINGLE = ("weak", "strong", "ceiling")
KEYS = ("weak", "strong", "ceiling", "w2s", "pgr", "opr")
_SE_FLOOR = 1e-9


def _rows(model, n, N, dims, noise2):
    """Design rows of the paper form in (sigma2, rho_w, rho_s) and the known offset."""
    d_w, d_s, d_sw = dims
    n, N = np.asarray(n, float), np.asarray(N, float)
    one = np.ones_like(n + N)
    if model == "weak":
        v = d_w / n
        return np.column_stack([1 + v, one, 0 * one]), noise2 * v
    if model == "strong":
        v = d_s / n
        return np.column_stack([1 + v, 0 * one, one]), noise2 * v
    if model == "ceiling":
        v = d_s / (n + N)
        return np.column_stack([1 + v, 0 * one, one]), noise2 * v
    if model == "w2s":
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(n > d_w + 1, (d_sw + (d_w - d_sw) * d_s / N) / (n - d_w - 1), np.nan)
        return np.column_stack([1 + v, one, one]), noise2 * v
    raise ValueError(f"model must be one of {KEYS[:4]}, got {model!r}")


def _stack(sweeps, models, dims, noise2):
    X, off, y, se = [], [], [], []
    for sw in sweeps:
        for m in models:
            r, o = _rows(m, sw["n"], sw["N"], dims, noise2)
            X.append(r)
            off.append(o)
            y.append(np.asarray(sw["mean"][m], float))
            se.append(np.maximum(np.asarray(sw["se"][m], float), _SE_FLOOR))
    return np.vstack(X), np.concatenate(off), np.concatenate(y), np.concatenate(se)


def fit_paper(sweeps, dims, noise2=0.0) -> dict:
    r"""Weighted non-negative least squares of the paper forms on the single-model curves.

    The parameters are energies, so the fit keeps them :math:`\ge 0` (``scipy.optimize.nnls``);
    ``at_bound`` names those the data push to 0 (a sign that the forms do not describe the
    curves). The covariance is that of the unconstrained fit of the free parameters (zero for
    the bound ones). Returns ``{"params": {"sigma2", "rho_w", "rho_s"}, "cov", "chi2", "dof",
    "p_value", "at_bound", "unconstrained"}``; ``p_value`` is the goodness of fit
    (:math:`\chi^2` with points - 3 degrees of freedom).
    """
    X, off, y, se = _stack(sweeps, SINGLE, dims, noise2)
    W = 1.0 / se
    Xw, yw = X * W[:, None], (y - off) * W
    free_beta, *_ = np.linalg.lstsq(Xw, yw, rcond=None)
    beta, _ = nnls(Xw, yw)
    free = beta > 0
    cov = np.zeros((3, 3))
    if free.any():
        cov[np.ix_(free, free)] = np.linalg.pinv(Xw[:, free].T @ Xw[:, free])
    resid = yw - Xw @ beta
    chi2, dof = float(resid @ resid), int(y.size - 3)
    names = ("sigma2", "rho_w", "rho_s")
    return {"params": dict(zip(names, map(float, beta))), "cov": cov, "chi2": chi2, "dof": dof,
            "p_value": float(sps.chi2.sf(chi2, dof)) if dof > 0 else math.nan,
            "at_bound": [k for k, f in zip(names, free) if not f],
            "unconstrained": dict(zip(names, map(float, free_beta)))}


def predict_paper(fit, dims, n, N, noise2=0.0) -> dict:
    """Predicted MSEs (and PGR, OPR as ratios of predicted means) with standard errors."""
    beta = np.array([fit["params"][k] for k in ("sigma2", "rho_w", "rho_s")])
    cov = fit["cov"]
    out, rows = {}, {}
    for m in KEYS[:4]:
        R, o = _rows(m, n, N, dims, noise2)
        rows[m] = (R, o)
        out[m] = R @ beta + o
        out[m + "_se"] = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", R, cov, R), 0.0))
    (Rw, ow), (Rs, os_), (Rc, oc), (R2, o2) = (rows[m] for m in KEYS[:4])
    ew, es, ec, e2 = (out[m] for m in KEYS[:4])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pgr"] = (ew - e2) / (ew - ec)
        out["opr"] = es / e2
        # Gradients of the ratios in beta (delta method).
        g_p = ((Rw - R2) * (ew - ec)[:, None] - (Rw - Rc) * (ew - e2)[:, None]) \
            / ((ew - ec) ** 2)[:, None]
        g_o = (Rs * e2[:, None] - R2 * es[:, None]) / (e2 ** 2)[:, None]
    for k, g in (("pgr", g_p), ("opr", g_o)):
        out[k + "_se"] = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", g, cov, g), 0.0))
    return out


def fit_exact(sweeps, dims, noise2=0.0) -> dict:
    r"""``A_w`` from the weak curve and ``A_s`` from strong + ceiling (exact OLS forms:
    :math:`e = A (m-1)/(m-d-1) + \varsigma^2 d/(m-d-1)`), weighted least squares, one
    parameter each; points outside the OLS regime are skipped."""
    d_w, d_s, _ = dims
    out = {}
    for name, models, d in (("A_w", ("weak",), d_w), ("A_s", ("strong", "ceiling"), d_s)):
        xs, ys, ws = [], [], []
        for sw in sweeps:
            for m in models:
                mm = np.asarray(sw["n"], float) + (np.asarray(sw["N"], float) if m == "ceiling" else 0)
                ok = mm > d + 1
                f = (mm[ok] - 1) / (mm[ok] - d - 1)
                xs.append(f)
                ys.append(np.asarray(sw["mean"][m], float)[ok] - noise2 * d / (mm[ok] - d - 1))
                ws.append(1 / np.maximum(np.asarray(sw["se"][m], float)[ok], _SE_FLOOR) ** 2)
        x, y, w = map(np.concatenate, (xs, ys, ws))
        if x.size == 0:
            out[name], out[name + "_se"], out[name + "_chi2"] = math.nan, math.nan, math.nan
            continue
        a = float(np.sum(w * x * y) / np.sum(w * x * x))
        out[name], out[name + "_se"] = a, float(1 / math.sqrt(np.sum(w * x * x)))
        out[name + "_chi2"], out[name + "_dof"] = float(np.sum(w * (y - a * x) ** 2)), int(x.size - 1)
    return out


def exact_w2s_band(ex, dims, n, N, noise2=0.0):
    """``(low, high)`` of the exact W2S MSE over the unidentified sigma^2 (module docstring)."""
    d_w, d_s, d_sw = dims
    n, N = np.asarray(n, float), np.asarray(N, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where((n > d_w + 1) & (N > d_s + 1),
                       (ex["A_w"] + noise2) / (n - d_w - 1)
                       * (d_sw + d_s * (d_w - d_sw) / (N - d_s - 1)), np.nan)
    top = ex["A_w"] + ex["A_s"] + var
    return top - min(ex["A_w"], ex["A_s"]), top


def effective_dim(m, mean, se, grid=None) -> dict:
    r"""The dimension ``d`` (and ``A``) that best fits :math:`A (m-1)/(m-d-1)` to one curve:
    what a single-model curve says its fit's dimension is (profile least squares on a grid)."""
    m, mean = np.asarray(m, float), np.asarray(mean, float)
    w = 1 / np.maximum(np.asarray(se, float), _SE_FLOOR) ** 2
    grid = np.arange(1, int(m.min()) - 1) if grid is None else np.asarray(grid)
    best = (math.inf, None, None)
    for d in grid:
        x = (m - 1) / (m - d - 1)
        a = np.sum(w * x * mean) / np.sum(w * x * x)
        chi2 = float(np.sum(w * (mean - a * x) ** 2))
        if chi2 < best[0]:
            best = (chi2, int(d), float(a))
    return {"d": best[1], "A": best[2], "chi2": best[0], "dof": int(m.size - 2)}


def compare(sweep, pred, keys=("w2s", "pgr", "opr")) -> dict:
    """Per point: measured - predicted, in units of the combined SE; chi^2 per curve."""
    out = {}
    for k in keys:
        meas = np.asarray(sweep["mean"][k], float)
        se = np.hypot(np.asarray(sweep["se"][k], float), pred[k + "_se"])
        z = (meas - pred[k]) / np.maximum(se, _SE_FLOOR)
        ok = np.isfinite(z)
        chi2 = float(np.sum(z[ok] ** 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (meas - pred[k]) / np.abs(pred[k])
        with np.errstate(divide="ignore", invalid="ignore"):
            rel_se = se / np.abs(pred[k])
        out[k] = {"z": z, "rel": rel, "chi2": chi2, "points": int(ok.sum()),
                  "median_rel_se": float(np.median(rel_se[ok])) if ok.any() else math.nan,
                  "p_value": float(sps.chi2.sf(chi2, ok.sum())) if ok.any() else math.nan,
                  "max_abs_z": float(np.max(np.abs(z[ok]))) if ok.any() else math.nan,
                  "median_abs_rel": float(np.median(np.abs(rel[ok]))) if ok.any() else math.nan}
    return out


def _z_less(a, se_a, b, se_b):
    """z of a < b (negative when a is below b); marginal SEs combined (conservative)."""
    return (np.asarray(a) - np.asarray(b)) / np.maximum(np.hypot(se_a, se_b), _SE_FLOOR)


def qualitative(sweep_N, pred_N, dims, alpha=0.01) -> dict:
    r"""The theory's qualitative claims on an N sweep (fixed n), each with its tests.

    * ``beats_teacher``: where the prediction has W2S below the teacher, the measured W2S is
      significantly below it (one-sided z, Holm over the points); nowhere else is it
      significantly below (``holds``). Also the first measured and predicted N of the
      crossing, and the model-free reading ``beyond_threshold``: W2S is significantly below
      the teacher at every N from some N0 on (a non-empty suffix of the grid).
    * ``pgr_rises``: PGR at the largest N exceeds PGR at the smallest (one-sided z) and
      Spearman's rank correlation of PGR with N is positive (its p-value); whether the
      prediction rises too (``predicted_rises``); PGR at the largest
      N against its N -> infinity limit :math:`1 - d_{sw}/d_w` (rho = 0) and against the
      predicted PGR there.
    * ``opr_gt1``: per point, measured OPR significantly above 1, below 1, or neither, against
      predicted OPR > 1; disagreements are significant measurements on the wrong side.
    """
    d_w, d_s, d_sw = dims
    NN = np.asarray(sweep_N["N"], float)
    m, s = sweep_N["mean"], sweep_N["se"]
    z = _z_less(m["w2s"], s["w2s"], m["weak"], s["weak"])
    p_below = sps.norm.cdf(z)
    pred_below = pred_N["w2s"] < pred_N["weak"]
    rej = holm(list(p_below), alpha)[0] if len(p_below) else np.array([], bool)
    meas_first = next((int(x) for x, r in zip(NN, rej) if r), None)
    pred_first = next((int(x) for x, b in zip(NN, pred_below) if b), None)
    beats = {"measured_first_N": meas_first, "predicted_first_N": pred_first,
             "significant_where_predicted": int(np.sum(rej & pred_below)),
             "predicted_points": int(pred_below.sum()),
             "significant_where_not_predicted": int(np.sum(rej & ~pred_below)),
             "variance_threshold_2ds1": 2 * d_s + 1}
    beats["holds"] = bool(beats["significant_where_not_predicted"] == 0
                          and (beats["predicted_points"] == 0 or rej[-1]))
    # Model-free reading: some N0 beyond which W2S is significantly below the teacher at
    # every N of the grid (the significant points form a non-empty suffix of the grid).
    first = int(np.argmax(rej)) if rej.any() else len(rej)
    beats["beyond_threshold"] = bool(rej.any() and rej[first:].all())
    pg, pse = np.asarray(m["pgr"], float), np.asarray(s["pgr"], float)
    z_rise = float((pg[-1] - pg[0]) / max(math.hypot(pse[-1], pse[0]), _SE_FLOOR))
    rho, p_rho = sps.spearmanr(NN, pg) if len(NN) > 2 else (math.nan, math.nan)
    limit = 1 - d_sw / d_w
    rises = {"pgr_first": float(pg[0]), "pgr_last": float(pg[-1]), "z_last_minus_first": z_rise,
             "p_rise": float(sps.norm.sf(z_rise)), "spearman": float(rho),
             "spearman_p": float(p_rho), "limit_rho0": limit,
             "z_last_vs_limit": float((pg[-1] - limit) / max(pse[-1], _SE_FLOOR)),
             "predicted_last": float(pred_N["pgr"][-1]),
             "z_last_vs_predicted": float((pg[-1] - pred_N["pgr"][-1])
                                          / max(math.hypot(pse[-1], pred_N["pgr_se"][-1]),
                                                _SE_FLOOR))}
    rises["holds"] = bool(rises["p_rise"] < alpha and rho > 0)
    # The exact and paper forms do not always rise: the ceiling improves with N too, and PGR
    # falls with N once n > 2 d_w + 1 (claim complexity.pgr.never_exceeds_limit).
    rises["predicted_rises"] = bool(pred_N["pgr"][-1] > pred_N["pgr"][0])
    rises["below_limit"] = bool(pg[-1] < limit)
    oz = (np.asarray(m["opr"], float) - 1) / np.maximum(np.asarray(s["opr"], float), _SE_FLOOR)
    crit = sps.norm.isf(alpha / 2)
    sig_above, sig_below = oz > crit, oz < -crit
    pred_above = pred_N["opr"] > 1
    opr = {"measured_above": int(sig_above.sum()), "measured_below": int(sig_below.sum()),
           "predicted_above": int(pred_above.sum()), "points": int(len(oz)),
           "disagreements": int(np.sum(sig_above & ~pred_above) + np.sum(sig_below & pred_above))}
    opr["holds"] = opr["disagreements"] == 0
    return {"beats_teacher": beats, "pgr_rises": rises, "opr_gt1": opr}


def analyse(sweeps, dims, noise2=0.0, alpha=0.01) -> dict:
    """Fit on the single-model curves of ``sweeps`` (a dict ``{"n": sweep, "N": sweep}``, either
    may be missing), predict, compare and run the qualitative tests."""
    given = [sw for sw in sweeps.values() if sw is not None]
    fit = fit_paper(given, dims, noise2)
    ex = fit_exact(given, dims, noise2)
    out = {"dims": dict(zip(("d_w", "d_s", "d_sw"), map(float, dims))), "noise2": noise2,
           "paper_fit": {k: v for k, v in fit.items() if k != "cov"},
           "paper_fit_se": dict(zip(("sigma2", "rho_w", "rho_s"),
                                    map(float, np.sqrt(np.diag(fit["cov"]))))),
           "exact_fit": ex, "sweeps": {}}
    for x, sw in sweeps.items():
        if sw is None:
            continue
        pred = predict_paper(fit, dims, sw["n"], sw["N"], noise2)
        lo, hi = exact_w2s_band(ex, dims, sw["n"], sw["N"], noise2)
        meas = np.asarray(sw["mean"]["w2s"], float)
        se = np.asarray(sw["se"]["w2s"], float)
        crit = sps.norm.isf(alpha / 2)
        inside = (meas + crit * se >= lo) & (meas - crit * se <= hi)
        entry = {"prediction": pred, "exact_band": (lo, hi), "compare": compare(sw, pred),
                 "single_compare": compare(sw, pred, SINGLE),
                 "exact_band_outside": int(np.sum(~inside & np.isfinite(lo))),
                 "points": int(len(meas))}
        if x == "N":
            entry["qualitative"] = qualitative(sw, pred, dims, alpha)
        out["sweeps"][x] = entry
    return out
