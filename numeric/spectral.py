r"""Finite-size ridge expectations by rotation invariance: Monte Carlo over Wishart spectra only.

For isotropic Gaussian features the expected ridge risks depend on the data only through the
eigenvalues of the sample Grams (notes/ridge.md, "Finite-size truth"). With
:math:`S = X^\top X/m` (``m`` rows, ``d`` features), eigenvalues :math:`s_i`, :math:`R = (S + \lambda)^{-1}`:

* :math:`E\,R = E[\bar{(s+\lambda)^{-1}}] I`, :math:`E\,R^2 = E[\bar{(s+\lambda)^{-2}}] I` and
  :math:`E\,\mathrm{tr}(R^2 S)/m = (d/m) E[\bar{s/(s+\lambda)^2}]` (bars: averages over the ``d``
  eigenvalues), exactly;
* with :math:`G = S R` (eigenvalues :math:`g_i = s_i/(s_i+\lambda)`) and a fixed vector ``u``,
  averaging over the Haar-distributed eigenvectors gives exactly
  :math:`E[G u u^\top G \mid s] = \alpha\, u u^\top + \beta \|u\|^2 I` with
  :math:`\alpha + d\beta = \overline{g^2}` and
  :math:`\alpha + \beta = (2\sum g_i^2 + (\sum g_i)^2)/(d(d+2))` (uniform-sphere moments).

So each draw of the two independent spectra (teacher ``d_w x d_w`` on ``n`` rows, student
``d_s x d_s`` on ``N`` rows) gives an unbiased value of the expected risk, with per-draw
fluctuations of order ``1/d`` (linear spectral statistics): a cheap, precise finite-size truth
for the deterministic equivalents of :mod:`theory.ridge`. Spectra come from Bartlett factors
(``rows >= d``) or Gaussian rows (``rows < d``), batched.
"""
from __future__ import annotations

import numpy as np

__all__ = ["wishart_spectra", "functionals", "single_risk_draws", "w2s_risk_draws"]


def wishart_spectra(rng: np.random.Generator, rows: int, dim: int, draws: int) -> np.ndarray:
    """Eigenvalues (draws, dim) of ``X^T X / rows``, ``X`` a ``rows x dim`` iid N(0,1) matrix."""
    if rows >= dim:
        R = np.zeros((draws, dim, dim))
        iu = np.triu_indices(dim, 1)
        R[:, iu[0], iu[1]] = rng.standard_normal((draws, iu[0].size))
        idx = np.arange(dim)
        R[:, idx, idx] = np.sqrt(rng.chisquare(rows - idx, size=(draws, dim)))
        S = np.swapaxes(R, -1, -2) @ R
    else:
        X = rng.standard_normal((draws, rows, dim))
        S = np.swapaxes(X, -1, -2) @ X
    return np.clip(np.linalg.eigvalsh(S), 0.0, None) / rows


def functionals(s: np.ndarray, rows: int, lam: float) -> dict:
    """Per-draw ``A = lam tr R/d``, ``B = lam^2 tr R^2/d``, ``V = tr(R^2 S)/rows`` and the Haar
    coefficients ``alpha, beta`` of ``G = S R`` (``k = tr G/d``)."""
    d = s.shape[-1]
    r1 = 1.0 / (s + lam)
    g = s * r1
    tg, tg2 = g.sum(-1), (g * g).sum(-1)
    both = (2 * tg2 + tg * tg) / (d * (d + 2))
    beta = (tg2 / d - both) / (d - 1) if d > 1 else np.zeros_like(tg)
    return {"A": lam * r1.mean(-1), "B": lam**2 * (r1 * r1).mean(-1),
            "V": (s * r1 * r1).sum(-1) / rows, "k": tg / d, "alpha": tg2 / d - d * beta,
            "beta": beta}


def single_risk_draws(rng, rows: int, dim: int, lam: float, sigma2: float, rho: float,
                      t2: float, draws: int) -> np.ndarray:
    r"""Unbiased draws of a single ridge model's expected excess risk
    :math:`\rho + B (t_2 - \rho) + (\sigma^2 + \rho) V`."""
    f = functionals(wishart_spectra(rng, rows, dim, draws), rows, lam)
    return rho + f["B"] * (t2 - rho) + (sigma2 + rho) * f["V"]


def w2s_risk_draws(rng, *, n: int, N: int, d_s: int, d_w: int, d_sw: float, sigma2: float,
                   rho_w: float, t2: float, c_sw: float, p_sw: float, lambda_w: float,
                   lambda_s: float, draws: int) -> np.ndarray:
    r"""Unbiased draws of the expected W2S risk (ridge teacher and student):
    :math:`t_2 - 2(1 - A_s)k\,c_{sw} + (1 - 2A_s + B_s)\bar S + V_s(\bar E - \bar S)` with the
    teacher's :math:`\bar S = \alpha p_{sw} + \beta (t_2 - \rho_w) d_{sw} + q V_w d_{sw}/d_w` and
    :math:`\bar E = (\alpha + d_w\beta)(t_2 - \rho_w) + q V_w`, one independent teacher and student
    spectrum per draw (the risk is linear in each side's functionals)."""
    tw = functionals(wishart_spectra(rng, n, d_w, draws), n, lambda_w)
    st = functionals(wishart_spectra(rng, N, d_s, draws), N, lambda_s)
    q, r2 = sigma2 + rho_w, t2 - rho_w
    S = tw["alpha"] * p_sw + tw["beta"] * r2 * d_sw + q * tw["V"] * d_sw / d_w
    E = (tw["alpha"] + d_w * tw["beta"]) * r2 + q * tw["V"]
    return (t2 - 2 * (1 - st["A"]) * tw["k"] * c_sw + (1 - 2 * st["A"] + st["B"]) * S
            + st["V"] * (E - S))
