"""A deliberately naive reference simulator: explicit samples in ambient D, explicit pinv.

One trial at a time, no sufficient statistics, no canonical reduction: the point is to be
obviously right, not fast.
"""
import numpy as np

from numeric.laws import parse_law


def naive_fit(F, y, lam=0.0):
    """Min-norm least squares by explicit ``pinv`` (``lam = 0``), else the ridge fit
    ``argmin ||y - F b||^2/m + lam ||b||^2`` by an explicit dense solve of the normal equations."""
    if lam == 0:
        return np.linalg.pinv(F) @ y
    m, d = F.shape
    return np.linalg.solve(F.T @ F / m + lam * np.eye(d), F.T @ y / m)


def naive_fits(V_s, V_w, X, y, Xu, yu, lam_w=0.0, lam_s=0.0):
    """Ambient coefficients of the four fits on explicit data (min-norm by explicit ``pinv``, or
    ridge with ``lam_w`` for the teacher and ``lam_s`` for the other three):
    teacher on ``(X, y)``, baseline on the same data, student on ``Xu`` labelled by the teacher,
    ceiling on ``(X, y)`` and ``(Xu, yu)`` together. Keys ``weak, strong, ceiling, w2s``."""
    bw = V_w @ naive_fit(X @ V_w, y, lam_w)
    bs = V_s @ naive_fit(X @ V_s, y, lam_s)
    b2 = V_s @ naive_fit(Xu @ V_s, Xu @ bw, lam_s)
    bc = V_s @ naive_fit(np.vstack([X, Xu]) @ V_s, np.concatenate([y, yu]), lam_s)
    return {"weak": bw, "strong": bs, "ceiling": bc, "w2s": b2}


def same_data_risks(sc, rng, B: int = 3):
    """Risks of the engines' accumulators and of :func:`naive_fits` on the same random rows.

    ``B`` trials of ``sc.n`` labelled rows (fed in two chunks, the first possibly empty) and
    ``sc.N`` unlabelled rows in the ambient coordinates. Returns ``(got, want)``: ``got`` the
    per-trial arrays of :func:`numeric.engines.fitting.finish`, ``want`` one dict per trial
    of the naive excess risks and misfit.
    """
    from numeric.design import build_design
    from numeric.engines.fitting import LabelledStats, UnlabelledStats, finish, teacher_and_strong

    n, N, D, th = sc.n, sc.N, sc.D, sc.theta
    design = build_design(sc, reduce=False)      # ambient coordinates (not reduced)
    X, Xu = rng.normal(size=(B, n, D)), rng.normal(size=(B, N, D))
    e, eu = rng.normal(size=(B, n)), rng.normal(size=(B, N))
    lab = LabelledStats(design, B)
    lab.add(X[:, : n // 2], e[:, : n // 2])
    lab.add(X[:, n // 2:], e[:, n // 2:])
    beta_w, beta_s = teacher_and_strong(lab, n)
    unl = UnlabelledStats(design, beta_w)
    unl.add(Xu, eu)
    got = finish(design, lab, unl, beta_s, n, N)
    want = []
    for b in range(B):
        fits = naive_fits(sc.V_s, sc.V_w, X[b], X[b] @ th + e[b], Xu[b], Xu[b] @ th + eu[b],
                          sc.lambda_w, sc.lambda_s)
        risks = {k: float((v - th) @ (v - th)) for k, v in fits.items()}
        dm = fits["w2s"] - fits["weak"]
        risks["misfit"] = float(dm @ dm)
        want.append(risks)
    return got, want


def naive_trials(V_s, V_w, theta, n, N, sigma2, trials, rng, features="gaussian",
                 noise="gaussian", scale=None, cov=None, lam_w=0.0, lam_s=0.0):
    """Per-trial risks ``weak, strong, ceiling, w2s, misfit`` (dict of arrays).

    ``scale`` (D,), if given, multiplies every ambient coordinate (unwhitened features
    ``x_i = sqrt(lambda_i) g_i``); then ``V_s``, ``V_w`` must be coordinate selections, the
    models regress on the *scaled* coordinates, and risks are measured under
    ``cov = diag(scale**2)`` against the coefficient ``theta`` of the scaled coordinates.
    """
    fl, nl = parse_law(features), parse_law(noise)
    D = V_s.shape[0]
    s = np.ones(D) if scale is None else np.asarray(scale)
    C = np.diag(s ** 2) if cov is None else cov
    out = {k: np.empty(trials) for k in ("weak", "strong", "ceiling", "w2s", "misfit")}

    def draw(rows):
        X = fl.fill(rng, np.empty((rows, D))) * s
        e = nl.fill(rng, np.empty(rows)) * np.sqrt(sigma2)
        return X, X @ theta + e

    def er(beta_amb):
        d = beta_amb - theta
        return float(d @ C @ d)

    for t in range(trials):
        X, y = draw(n)
        Xu, yu = draw(N)
        fits = naive_fits(V_s, V_w, X, y, Xu, yu, lam_w, lam_s)
        for k, beta in fits.items():
            out[k][t] = er(beta)
        dm = fits["w2s"] - fits["weak"]
        out["misfit"][t] = float(dm @ C @ dm)
    return out
