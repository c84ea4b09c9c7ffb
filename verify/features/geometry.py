r"""The theory's geometry estimated from the data alone, and the exact risks it implies.

Method (the theory's canonical form; notes/real-features.md "# W2S on real features" §3):
fit, on the whole training pool (``P`` rows, true labels), the weak map, the strong map, both
maps together, and the strong map to the pool teacher's predictions; score them on the test
rows. With exact OLS finite-sample corrections (``d`` = the dimension of the fit):

- :math:`A = \sigma^2 + \rho` of a map: its test MSE times :math:`(P-d-1)/(P-1)`;
- :math:`\|P\theta\|^2`: mean test square of its predictions minus :math:`A d/(P-d-1)`;
- :math:`\sigma^2`: the joint fit's :math:`A` (dimension :math:`d_w + d_s - d_{sw}`). A part of
  the target outside both spans acts exactly like label noise on every model, so it is
  counted as noise, and :math:`t_2 = \|P_{s+w}\theta\|^2` from the joint fit;
- :math:`\rho_w = t_2 - \|P_w\theta\|^2`, :math:`\rho_s = t_2 - \|P_s\theta\|^2`;
- :math:`p_{sw} = \|P_s P_w\theta\|^2`: mean test square of the strong fit to the pool
  teacher; :math:`c_{sw} = \theta^\top P_s P_w \theta`: mean test product of the labels and that
  fit (the test noise is independent of it).

These are plugged into ``theory.regimes`` (``risk.<model>.piecewise``: every regime, OLS or
interpolating) and ``theory`` (``risk.<model>.paper``), plus :math:`\sigma^2` (test MSE =
noise + excess risk). Nothing is fitted on the measured curves. The predictions' standard
errors come from a jackknife over groups of test rows (the test averages); the pool fits'
own sampling error (order :math:`d/P`) is not propagated, which makes the tests stricter.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cho_factor, cho_solve

import theory
import theory.regimes as R
from numeric.features.probe import principal_coordinates
from verify.features.analysis import compare

__all__ = ["estimate", "predict"]


def _solve(G, r, ridge):
    r""":math:`(G + \lambda I)^{-1} r` (a floor on lambda keeps a singular Gram solvable)."""
    A = G.copy()
    A.flat[::A.shape[0] + 1] += max(ridge, 1e-12 * np.trace(G) / G.shape[0])
    return cho_solve(cho_factor(A, check_finite=False), r, check_finite=False)


def _block(F, rows, T):
    X = np.asarray(F[rows], dtype=np.float64)
    return X if T is None else X @ T


def _pool_moments(F_w, F_s, y, pool, T_w, T_s, block=4096):
    """Pool Grams and right-hand sides, accumulated in float64 over row blocks (a float32 map
    is never copied whole)."""
    Gww = Gss = Gws = bw = bs = 0.0
    for start in range(0, pool.size, block):
        rows = pool[start:start + block]
        Xw, Xs, t = _block(F_w, rows, T_w), _block(F_s, rows, T_s), y[rows]
        Gww, Gss, Gws = Gww + Xw.T @ Xw, Gss + Xs.T @ Xs, Gws + Xw.T @ Xs
        bw, bs = bw + Xw.T @ t, bs + Xs.T @ t
    return Gww, Gss, Gws, bw, bs


def _params(fw, fs, fj, fsw, yt, P, dims):
    d_w, d_s, d_sw = dims
    d_j = max(1.0, d_w + d_s - d_sw)

    def corrected(f, d):
        if P <= d + 1:
            raise ValueError(f"the pool ({P} rows) must exceed the fit dimension {d} + 1 to "
                             f"estimate the geometry")
        A = float(np.mean((f - yt) ** 2)) * (P - d - 1) / (P - 1)
        return A, float(np.mean(f ** 2)) - A * d / (P - d - 1)

    A_w, Pw = corrected(fw, d_w)
    A_s, Ps = corrected(fs, d_s)
    sigma2, t2 = corrected(fj, d_j)
    t2 = max(t2, Pw, Ps, 0.0)
    p_sw = min(max(float(np.mean(fsw ** 2)), 0.0), max(Pw, 0.0))
    c_sw = float(np.mean(yt * fsw))
    return {"d_w": int(d_w), "d_s": int(d_s), "d_sw": float(min(d_sw, d_w, d_s)),
            "sigma2": max(sigma2, 1e-12), "t2": t2, "rho_w": max(t2 - Pw, 0.0),
            "rho_s": max(t2 - Ps, 0.0), "p_sw": p_sw, "c_sw": c_sw,
            "A_w": A_w, "A_s": A_s, "pool": int(P)}


def estimate(F_w, F_s, y, test, dims, subspace=False, ridge=1e-6, groups=8) -> dict:
    """Theory parameters (symbol names) of the fits' model; ``dims = (d_w, d_s, d_sw)`` are the
    fits' dimensions (the subspace dimensions, or the widths for full-width fits).

    ``groups`` > 1 also returns ``"jackknife"``: the parameters with each of ``groups`` groups
    of test rows left out (row ``i`` of the sorted test set is in group ``i % groups``, as in
    ``run_w2s(test_groups=groups)``; the pool fits are kept), for prediction standard errors.
    """
    y = np.asarray(y, float)
    test = np.asarray(test)
    pool = np.setdiff1d(np.arange(y.size), test)
    P = pool.size
    T_w = T_s = None
    if subspace:
        T_w = principal_coordinates(F_w, pool, dims[0], "d_w")
        T_s = principal_coordinates(F_s, pool, dims[1], "d_s")
    Gww, Gss, Gws, rw, rs = _pool_moments(F_w, F_s, y, pool, T_w, T_s)
    bw = _solve(Gww, rw, ridge)
    bs = _solve(Gss, rs, ridge)
    pw = Gww.shape[0]
    bj = _solve(np.block([[Gww, Gws], [Gws.T, Gss]]), np.concatenate([rw, rs]), ridge)
    # Strong fit to the pool teacher's predictions: X_s^T (X_w b_w) = G_sw b_w.
    bsw = _solve(Gss, Gws.T @ bw, ridge)
    Xw, Xs, yt = _block(F_w, test, T_w), _block(F_s, test, T_s), y[test]
    f = (Xw @ bw, Xs @ bs, Xw @ bj[:pw] + Xs @ bj[pw:], Xs @ bsw)
    g = _params(*f, yt, P, dims)
    if groups > 1:
        # The same groups as run_w2s(test_groups=groups): position in the sorted test set.
        lab = np.argsort(np.argsort(test)) % groups
        g["jackknife"] = [_params(*(a[lab != k] for a in f), yt[lab != k], P, dims)
                          for k in range(groups)]
    return g


def _value(name, g, n, N):
    vals = {k: g[k] for k in ("d_w", "d_s", "d_sw", "sigma2", "t2", "rho_w", "rho_s", "p_sw",
                              "c_sw")}
    vals.update(n=int(n), N=int(N))
    try:
        if name.endswith(".paper"):
            vals["b_w2s"] = max(g["t2"] - 2 * g["c_sw"] + g["p_sw"], 0.0)
            vals["m_sw"] = max(g["t2"] - g["rho_w"] - g["p_sw"], 0.0)
            for k in ("t2", "c_sw", "p_sw"):
                vals.pop(k)
            return float(theory.evaluate(name, prec=15, **vals))
        return float(R.evaluate(name, prec=15, **vals))
    except ValueError:          # outside the form's regime, or an infinite expectation
        return math.nan


def _predict(g, n, N, name, noise2=0.0):
    out = {}
    # Injected label noise is on the training labels only: it enters the fits' variance
    # (training sigma^2 = sigma^2 + s^2), not the test labels.
    train = dict(g, sigma2=g["sigma2"] + noise2)
    for m in ("weak", "strong", "ceiling", "w2s"):
        out[m] = np.array([_value(name.format(m), train, a, b) for a, b in zip(n, N)]) \
            + g["sigma2"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pgr"] = (out["weak"] - out["w2s"]) / (out["weak"] - out["ceiling"])
        out["opr"] = out["strong"] / out["w2s"]
    return out


def predict(g, n, N, form="exact", replicates=False, noise2=0.0) -> dict:
    """Predicted test MSEs (excess risk + sigma^2), PGR and OPR (ratios of predicted means) at
    the points ``(n[i], N[i])``, NaN where the form does not apply (``noise2``: variance of
    label noise added to the training labels only); ``<key>_se`` from the
    jackknife over test groups when ``g`` has one (else 0)."""
    name = "risk.{}.piecewise" if form == "exact" else "risk.{}.paper"
    out = _predict(g, n, N, name, noise2)
    reps = [_predict(r, n, N, name, noise2) for r in g.get("jackknife", [])]
    if replicates:
        out["replicates"] = reps
    K = len(reps)
    for k in [k for k in out if k != "replicates"]:
        if K > 1:
            R = np.array([r[k] for r in reps])
            with np.errstate(invalid="ignore"):
                out[k + "_se"] = np.sqrt((K - 1) / K * np.sum((R - R.mean(0)) ** 2, axis=0))
        else:
            out[k + "_se"] = np.zeros(len(out[k]))
    return out


def compare_paired(sweep, pred, keys=("weak", "strong", "ceiling", "w2s")) -> dict:
    """Measured against predicted MSEs with the test-set error paired.

    The prediction and the measurement use the same test rows. With ``sweep["groups"]`` (mean
    over splits of each test group's MSE, from ``run_w2s(test_groups=K)``) and the prediction's
    leave-one-group-out replicates, the difference (measured - predicted) is jackknifed over
    the same groups; its SE is that jackknife's combined in quadrature with the split-to-split
    SE. Returns the structure of :func:`verify.features.analysis.compare`.
    """
    reps = pred.get("replicates") or []
    groups = sweep.get("groups")
    if not reps or groups is None:
        return compare(sweep, pred, keys)
    sizes = np.asarray(sweep["group_sizes"], float)
    K = sizes.size
    out = {}
    for k in keys:
        Gm = np.asarray(groups[k], float)                       # (points, K)
        tot = Gm @ sizes
        left = (tot[:, None] - Gm * sizes) / (sizes.sum() - sizes)  # measured without group j
        D = left - np.array([r[k] for r in reps]).T             # (points, K)
        with np.errstate(invalid="ignore"):
            se_jack = np.sqrt((K - 1) / K * np.sum((D - D.mean(1, keepdims=True)) ** 2, 1))
        p2 = dict(pred)
        p2[k + "_se"] = se_jack
        out[k] = compare(sweep, p2, (k,))[k]
    return out
