r"""The wishart engine's labelled Bartlett side on an array-API device (CuPy, PyTorch).

The labelled side is where the work is at the dimensions of real models. There it draws two
``p_a x p_a`` Bartlett factors, with ``p_a = p - q`` once the ``q`` idle weak directions are
marginalised (``notes/wishart-engine.md`` section 7). At ``d_s = 700, d_w = 7000,
d_sw = 350`` that is ``p_a = 701`` instead of ``p = 7351``. On the device run:
- the labels of the virtual rows :math:`R\varphi`;
- the teacher's back substitution;
- the strong Gram :math:`P_s^\top P_s` of both factors (:math:`O(p_a d_s^2)`).

They go through the array API (``array_api_compat``). Triangular solves use the library's own
routine, which the standard does not have. Everything of size ``d_s`` stays in NumPy on the
host: the strong and ceiling solves, the unlabelled side and the risks.

The random numbers are drawn by the trials' own NumPy generators on the host, exactly as on the
CPU path, and copied to the device: a device run is the *same* Monte Carlo sample as a CPU run
with the same seed, differing only by floating-point rounding (summation order of the device's
BLAS). That keeps runs reproducible across machines and lets the CPU build of PyTorch test this
path against NumPy to rounding accuracy. The price is host-side drawing (up to ``p_a^2``
normals per trial), which bounds the GPU's speed-up: see benchmarks/bench_gpu.py.
"""
from __future__ import annotations

from numeric.xp import Backend, to_numpy

__all__ = ["labelled_bartlett_device"]


def solve_upper(be: Backend, R, v):
    """Solve upper-triangular ``R x = v`` per trial: ``R`` (B, p, p), ``v`` (B, p)."""
    if be.name == "torch":
        import torch

        return torch.linalg.solve_triangular(R, v[..., None], upper=True)[..., 0]
    if be.name == "cupy":
        from cupyx.scipy.linalg import solve_triangular

        out = be.xp.empty_like(v)
        for b in range(R.shape[0]):
            out[b] = solve_triangular(R[b], v[b], lower=False)
        return out
    from numeric.engines.wishart import _tri_solve

    return _tri_solve(R, v)


def _tri_gram(be: Backend, R, proj):
    """``(G, P)`` as :func:`numeric.engines.wishart._tri_gram`, on the device."""
    xp = be.xp
    terms = proj.terms
    if terms is None or any(t[2] is not None for t in terms):
        P = xp.matmul(R, be.asarray(proj.B))
        return xp.matmul(xp.permute_dims(P, (0, 2, 1)), P), P
    G = xp.empty((R.shape[0], proj.d, proj.d), dtype=R.dtype, device=be.device)
    for i, (di, si, _) in enumerate(terms):
        for dj, sj, _ in terms[: i + 1]:
            top = min(si.stop, sj.stop)
            blk = xp.matmul(xp.permute_dims(R[:, :top, si], (0, 2, 1)), R[:, :top, sj])
            G[:, di, dj] = blk
            if di != dj:
                G[:, dj, di] = xp.permute_dims(blk, (0, 2, 1))
    return G, None


def labelled_bartlett_device(design, plan, gens, n: int, be: Backend):
    """Labelled side for ``n >= p`` on ``be``; returns NumPy ``beta_w, G_s, r_s``.

    Same steps and the same random numbers as
    :func:`numeric.engines.wishart._labelled_bartlett` (idle weak directions marginalised) up to
    the strong solve, which the caller does on the host (``d_s x d_s``).
    """
    import numpy as np

    from numeric.engines.fitting import rowmat
    from numeric.engines.wishart import _idle_factor, _idle_scalars, bartlett_rows

    xp = be.xp
    q, d_wr, ma, p_a = plan.q, plan.d_wr, plan.p_a - 1, plan.p_a
    R = be.asarray(bartlett_rows(gens, p_a, n - q))     # drawn on the host: the CPU's stream
    K = _idle_factor(gens, p_a, q)
    phi = be.asarray(plan.phi)
    Rphi = xp.matmul(R, phi[:, None])[..., 0]
    # Zero-padded right-hand side: back substitution gives R11^{-1} h in the first d_wr rows.
    B = R.shape[0]
    h = xp.concat([Rphi[:, :d_wr], xp.zeros((B, p_a - d_wr), dtype=R.dtype, device=be.device)],
                  axis=1)
    beta_a = solve_upper(be, R, h)[:, :d_wr]
    G_s, P_s = _tri_gram(be, R[..., :ma], plan.T_s)
    r_s = _moment(be, R, Rphi, P_s, plan.T_s, ma)
    beta_a_host = to_numpy(beta_a)
    if not q:
        return beta_a_host, to_numpy(G_s), to_numpy(r_s)
    chi, direction = _idle_scalars(gens, n - q + 1, q)
    K = be.asarray(K)
    psi = phi - xp.concat([beta_a, xp.zeros((B, p_a - d_wr), dtype=R.dtype, device=be.device)],
                          axis=1)
    Kpsi = xp.matmul(K, psi[..., None])[..., 0]
    energy = to_numpy(xp.sum(Kpsi * Kpsi, axis=1))
    beta_u = np.sqrt(energy / chi)[:, None] * direction
    Kphi = xp.matmul(K, phi[:, None])[..., 0]
    if q >= p_a:
        G_k, P_k = _tri_gram(be, K[..., :ma], plan.T_s)
    else:
        P_k = xp.matmul(K[..., :ma], be.asarray(plan.T_s.B))
        G_k = xp.matmul(xp.permute_dims(P_k, (0, 2, 1)), P_k)
    G_s = G_s + G_k
    r_s = r_s + _moment(be, K, Kphi, P_k, plan.T_s, ma)
    beta_w = rowmat(np.concatenate([beta_u, beta_a_host], axis=1), plan.O.T)
    return beta_w, to_numpy(G_s), to_numpy(r_s)


def _moment(be: Backend, R, Rphi, P, proj, ma):
    """``T_s^T R^T (R phi)`` on the device (as ``wishart._strong_moment``)."""
    xp = be.xp
    if P is None:
        rows = xp.matmul(Rphi[:, None, :], R[..., :ma])[:, 0, :]     # (R phi)^T R, per trial
        return xp.matmul(rows[:, None, :], be.asarray(proj.B))[:, 0, :]
    return xp.matmul(xp.permute_dims(P, (0, 2, 1)), Rphi[..., None])[..., 0]
