r"""The wishart engine's labelled Bartlett side on an array-API device (CuPy, PyTorch).

The labelled side is where the work is at the dimensions of real models. Once the ``q`` idle
weak directions are marginalised (``notes/wishart-engine.md`` section 7) it works on
``p_a = p - q`` coordinates, split into the teacher block ``t`` and the rest ``r``; at
``d_s = 700, d_w = 7000, d_sw = 350`` that is ``p_a = 701`` instead of ``p = 7351``. On the
device run:
- the teacher's labels and back substitution, and the idle norm;
- the Cholesky factor of the teacher block's Gram;
- the strong Gram and moments of the assembled ``p_a x p_a`` factor, with the rank-two
  rotation back to the drawn coordinates (:math:`O(p_a d_s^2)`).

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

from functools import partial

from numeric.engines.wishart import idle_scalars, labelled_draws, run_wishart
from numeric.solvers import tri_solve
from numeric.xp import Backend, to_numpy

__all__ = ["run_wishart_device", "labelled_bartlett_device"]


def solve_upper(be: Backend, R, v):
    """Solve upper-triangular ``R x = v`` per trial: ``R`` (B, p, p), ``v`` (B, p)."""
    # Optional dependencies, imported only for a backend made by that library.
    if be.name == "torch":
        import torch

        return torch.linalg.solve_triangular(R, v[..., None], upper=True)[..., 0]
    if be.name == "cupy":
        from cupyx.scipy.linalg import solve_triangular

        out = be.xp.empty_like(v)
        for b in range(R.shape[0]):
            out[b] = solve_triangular(R[b], v[b], lower=False)
        return out
    return tri_solve(R, v)


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


def run_wishart_device(design, gens, n: int, N: int, be: Backend) -> dict:
    """:func:`numeric.engines.wishart.run_wishart` with its labelled Bartlett side on ``be``.

    Every other path (rows for ``n < p``, a ridge teacher, the unlabelled side) is the host's.
    """
    return run_wishart(design, gens, n, N, labelled_device=partial(labelled_bartlett_device, be=be))


def labelled_bartlett_device(design, plan, gens, n: int, be: Backend):
    """Labelled side for ``n >= p`` on ``be``; returns NumPy ``beta_w, G_s, r_s``.

    Same steps and the same random numbers as
    :func:`numeric.engines.wishart.labelled_bartlett` (idle weak directions marginalised,
    teacher block and rest) up to the strong solve, which the caller does on the host
    (``d_s x d_s``).
    """
    xp = be.xp
    q, d_wr, t, p_a = plan.q, plan.d_wr, plan.t, plan.p_a
    # Drawn on the host by the CPU path's own function: the CPU's stream.
    R, K, V, R_r = (None if a is None else be.asarray(a) for a in labelled_draws(gens, plan, n))
    B = R.shape[0]
    phi_t = be.asarray(plan.phi_t)
    Rphi = xp.matmul(R, phi_t[:, None])[..., 0]
    # Zero-padded right-hand side: back substitution gives R11^{-1} h in the first d_wr rows.
    pad = xp.zeros((B, t - d_wr), dtype=R.dtype, device=be.device)
    beta_a = solve_upper(be, R, xp.concat([Rphi[:, :d_wr], pad], axis=1))[:, :d_wr]
    beta_a_host = to_numpy(beta_a)
    F = xp.zeros((B, p_a, p_a), dtype=R.dtype, device=be.device)
    if q:
        chi, g = idle_scalars(gens, n - q + 1, plan.idle.J.size)
        psi = phi_t - xp.concat([beta_a, pad], axis=1)
        Kpsi = xp.matmul(K, psi[..., None])[..., 0]
        energy = to_numpy(xp.sum(Kpsi * Kpsi, axis=1))
        beta_w = plan.idle.coefficients(beta_a_host, energy / chi, g)
        T_tt = (xp.matmul(xp.permute_dims(R, (0, 2, 1)), R)
                + xp.matmul(xp.permute_dims(K, (0, 2, 1)), K))
        F[:, :t, :t] = xp.permute_dims(xp.linalg.cholesky(T_tt), (0, 2, 1))
    else:
        F[:, :t, :t] = R
        beta_w = plan.idle.coefficients(beta_a_host, None, None)
    F[:, :t, t:] = V
    F[:, t:, t:] = R_r
    G_s, r_s = _strong_statistics(be, F, plan)
    return beta_w, to_numpy(G_s), to_numpy(r_s)


def _strong_statistics(be: Backend, F, plan):
    """:func:`numeric.engines.wishart.strong_statistics` on the device (same steps)."""
    xp = be.xp
    ma = plan.p_a - 1
    M = xp.matmul(F, be.asarray(plan.probe))              # (B, p_a, 1 or 2): F phi and u
    G_s, P_s = _tri_gram(be, F[..., :ma], plan.T_s)
    Mt = xp.permute_dims(M, (0, 2, 1))
    if P_s is None:
        Y = xp.matmul(xp.matmul(Mt, F[..., :ma]), be.asarray(plan.T_s.B))
    else:
        Y = xp.matmul(Mt, P_s)
    r_s = Y[:, 0]
    if plan.w is None:
        return G_s, r_s
    u, Fphi, c = M[..., 1], M[..., 0], be.asarray(plan.c_vec)
    y = Y[:, 1] - xp.sum(u * u, axis=1)[:, None] * c
    cy = c[None, :, None] * (-2.0 * y)[:, None, :]
    G_s = G_s + cy + xp.permute_dims(cy, (0, 2, 1))
    r_s = r_s - 2.0 * xp.sum(u * Fphi, axis=1)[:, None] * c
    return G_s, r_s
