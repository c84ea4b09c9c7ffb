"""Baseline: a plain NumPy port of the paper authors' synthetic experiment (theory.md section 5).

Latent coordinates ``x_i = sqrt(lambda_i) g_i`` (``lambda_i = 1/i``, 300 of them), strong
features ``x[:, :d_s]``, weak ``x[:, doff:doff + d_w]``, target ``theta^T x``. One
``np.linalg.lstsq(rcond=1e-6)`` per fit, looped over trials; risks under ``Lambda``.
This is the reference the engines are timed against; it is not used by the package.
"""
import numpy as np


def notebook_point(lam, theta, d_s, d_w, doff, n, N, sigma2, trials, rng):
    """Per-trial excess risks (dict of arrays) of the four models at one grid point."""
    sq = np.sqrt(lam)
    strong = slice(0, d_s)
    weak = slice(doff, doff + d_w)
    sd = np.sqrt(sigma2)
    out = {k: np.empty(trials) for k in ("weak", "strong", "ceiling", "w2s")}

    def er(beta, sl):
        full = np.zeros_like(theta)
        full[sl] = beta
        diff = full - theta
        return float(np.sum(lam * diff * diff))

    for t in range(trials):
        X = rng.standard_normal((n, lam.size)) * sq
        y = X @ theta + sd * rng.standard_normal(n)
        bw = np.linalg.lstsq(X[:, weak], y, rcond=1e-6)[0]
        bs = np.linalg.lstsq(X[:, strong], y, rcond=1e-6)[0]
        Xu = rng.standard_normal((N, lam.size)) * sq
        b2 = np.linalg.lstsq(Xu[:, strong], Xu[:, weak] @ bw, rcond=1e-6)[0]
        yu = Xu @ theta + sd * rng.standard_normal(N)
        bc = np.linalg.lstsq(np.vstack([X[:, strong], Xu[:, strong]]), np.concatenate([y, yu]),
                             rcond=1e-6)[0]
        out["weak"][t], out["strong"][t] = er(bw, weak), er(bs, strong)
        out["ceiling"][t], out["w2s"][t] = er(bc, strong), er(b2, strong)
    return out
