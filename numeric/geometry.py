r"""Subspace geometry: canonical bases, the ``d_sw`` rule, derived quantities, reduction.

Canonical basis (ambient :math:`D = d_s + d_w + 1`, :math:`k = \min(d_s, d_w)`): coordinates
``0..d_s-1`` span :math:`V_s`; weak direction :math:`i < k` is
:math:`c_i e_i + \sqrt{1 - c_i^2}\, e_{d_s + i}`; weak direction :math:`i \ge k` is
:math:`e_{d_s+i}`; coordinate ``D-1`` is orthogonal to both.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "cosines_from_d_sw", "canonical_bases", "derived_geometry", "principal_cosines",
    "canonical_reduction", "orthonormalise",
]

# Cosines within this distance of 1 (of 0) are treated as exactly 1 (0).
_COS_ONE_TOL = 1e-12


def cosines_from_d_sw(d_sw: float, k: int) -> np.ndarray:
    r"""Canonical cosines realising a correlation dimension :math:`d_{sw}`.

    Rule: the first :math:`\lfloor d_{sw} \rfloor` cosines are 1, the next one is
    :math:`\sqrt{d_{sw} - \lfloor d_{sw} \rfloor}`, the rest are 0, so that
    :math:`\sum_i c_i^2 = d_{sw}`. For integer :math:`d_{sw}` this is the integer overlap of the
    authors' notebook.

    Raises
    ------
    ValueError
        If ``d_sw`` is not a finite number in ``[0, k]``.
    """
    d_sw = float(d_sw)
    if not math.isfinite(d_sw) or d_sw < 0 or d_sw > k:
        raise ValueError(f"d_sw must be a finite number in [0, min(d_s, d_w)] = [0, {k}], got {d_sw}")
    c = np.zeros(k)
    whole = int(math.floor(d_sw))
    c[:whole] = 1.0
    if whole < k:
        c[whole] = math.sqrt(d_sw - whole)
    return c


def canonical_bases(d_s: int, d_w: int, cosines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal ``V_s`` (D x d_s) and ``V_w`` (D x d_w) of the canonical basis."""
    k = min(d_s, d_w)
    D = d_s + d_w + 1
    V_s = np.zeros((D, d_s))
    V_s[np.arange(d_s), np.arange(d_s)] = 1.0
    V_w = np.zeros((D, d_w))
    c = np.asarray(cosines, dtype=float)
    i = np.arange(k)
    V_w[i, i] = c
    V_w[d_s + i, i] = np.sqrt(np.clip(1.0 - c * c, 0.0, None))
    j = np.arange(k, d_w)
    V_w[d_s + j, j] = 1.0
    return V_s, V_w


def orthonormalise(V: np.ndarray, name: str) -> np.ndarray:
    """Orthonormal basis of the column span of ``V`` (thin QR), checking full column rank."""
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[1] < 1 or V.shape[0] < V.shape[1]:
        raise ValueError(f"{name} must be a D x d matrix with 1 <= d <= D, got shape {V.shape}")
    if not np.all(np.isfinite(V)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if np.allclose(V.T @ V, np.eye(V.shape[1]), rtol=0, atol=1e-13):
        # Already orthonormal: keep it bit-for-bit (file round trips, sparse selections).
        return V.copy()
    Q, R = np.linalg.qr(V)
    diag = np.abs(np.diag(R))
    if diag.min() <= 1e-10 * max(diag.max(), 1e-300):
        raise ValueError(f"{name} must have full column rank (its columns are linearly dependent)")
    return Q


def principal_cosines(V_s: np.ndarray, V_w: np.ndarray) -> np.ndarray:
    """Cosines of the principal angles (singular values of ``V_s^T V_w``), clipped to [0, 1]."""
    return np.clip(np.linalg.svd(V_s.T @ V_w, compute_uv=False), 0.0, 1.0)


def derived_geometry(V_s: np.ndarray, V_w: np.ndarray, theta: np.ndarray) -> dict:
    r"""Geometric quantities of the theory, computed from orthonormal bases.

    Returns
    -------
    dict
        ``d_sw`` :math:`= \|V_s^\top V_w\|_F^2`, ``rho_s`` :math:`= \|(I-P_s)\theta\|^2`,
        ``rho_w`` :math:`= \|(I-P_w)\theta\|^2`, ``b_w2s`` :math:`= \|\theta - P_sP_w\theta\|^2`,
        ``m_sw`` :math:`= \|(I-P_s)P_w\theta\|^2`, ``t2`` :math:`= \|\theta\|^2`,
        ``c_sw`` :math:`= \theta^\top P_s P_w \theta`, ``p_sw`` :math:`= \|P_s P_w\theta\|^2`.
    """
    K = V_s.T @ V_w
    a_s = V_s.T @ theta
    a_w = V_w.T @ theta
    pspw = V_s @ (K @ a_w)                 # P_s P_w theta
    pw = V_w @ a_w                         # P_w theta
    t2 = float(theta @ theta)
    return {
        "d_sw": float(np.sum(K * K)),
        "rho_s": float(np.sum((theta - V_s @ a_s) ** 2)),
        "rho_w": float(np.sum((theta - pw) ** 2)),
        "b_w2s": float(np.sum((theta - pspw) ** 2)),
        "m_sw": float(np.sum((pw - pspw) ** 2)),
        "t2": t2,
        "c_sw": float(theta @ pspw),
        "p_sw": float(pspw @ pspw),
    }


def canonical_reduction(V_s: np.ndarray, V_w: np.ndarray, theta: np.ndarray):
    r"""Rotate a general geometry into the canonical basis.

    With :math:`V_s^\top V_w = U\,\mathrm{diag}(c)\,W^\top`, the strong basis :math:`V_sU` and
    weak basis :math:`V_wW` are paired by principal angles; weak direction :math:`i` is
    :math:`c_i s_i + \sqrt{1-c_i^2} u_i` with :math:`u_i \perp V_s`. Expressing :math:`\theta` in
    the orthonormal system :math:`(s_i, u_i, \text{rest})` gives the canonical target; the
    component outside :math:`\mathrm{span}(V_s, V_w)` goes to coordinate ``D-1``. For Gaussian
    features the risks' joint law depends on the geometry only through this reduction.

    Returns
    -------
    cosines : ndarray (k,)
    theta_can : ndarray (d_s + d_w + 1,)
    """
    d_s, d_w = V_s.shape[1], V_w.shape[1]
    k = min(d_s, d_w)
    U, c, Wt = np.linalg.svd(V_s.T @ V_w)
    c = np.clip(c[:k], 0.0, 1.0)
    # Snap round-off: exact 0/1 cosines keep the drawn design a coordinate selection.
    c[c > 1.0 - _COS_ONE_TOL] = 1.0
    c[c < _COS_ONE_TOL] = 0.0
    S = V_s @ U                      # D x d_s
    Wb = V_w @ Wt.T                  # D x d_w
    s = np.sqrt(np.clip(1.0 - c * c, 0.0, None))
    # Unit vectors u_i of the weak directions orthogonal to V_s (zero where c_i = 1).
    Umat = np.zeros((V_s.shape[0], d_w))
    pair = np.flatnonzero(s > 0.0)
    Umat[:, pair] = (Wb[:, pair] - S[:, pair] * c[pair]) / s[pair]
    Umat[:, k:] = Wb[:, k:]
    theta_can = np.zeros(d_s + d_w + 1)
    theta_can[:d_s] = S.T @ theta
    theta_can[d_s:d_s + d_w] = Umat.T @ theta
    # The residual is formed as a vector (not t2 - captured) to avoid cancellation.
    resid = theta - S @ theta_can[:d_s] - Umat @ theta_can[d_s:d_s + d_w]
    theta_can[-1] = float(np.linalg.norm(resid))
    return c, theta_can
