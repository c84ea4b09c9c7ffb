r"""The wishart engine's labelled Bartlett side on an array-API device (CuPy, PyTorch).

At the dimensions of real models (``d_w = 7000``: a ``p x p`` Bartlett factor with
``p = m + 1 ~ 7350``, 430 MB per trial) the labelled side is where the work is: the labels of
the virtual rows :math:`R\varphi` (:math:`2p^2`), the teacher's back substitution
(:math:`p^2`) and the strong Gram :math:`P_s^\top P_s` (:math:`O(p\,d_s^2)`). Those run here on
the device through the array API (``array_api_compat``; triangular solves through the library's
own routine, which the standard does not have). Everything of size ``d_s`` (the strong and
ceiling solves, the unlabelled side, the risks) stays in NumPy on the host.

The random numbers are drawn by the trials' own NumPy generators on the host, exactly as on the
CPU path, and copied to the device: a device run is the *same* Monte Carlo sample as a CPU run
with the same seed, differing only by floating-point rounding (summation order of the device's
BLAS). That keeps runs reproducible across machines and lets the CPU build of PyTorch test this
path against NumPy to rounding accuracy. The price is host-side drawing (``~p^2/2`` normals per
trial), which bounds the GPU's speed-up: see benchmarks/bench_gpu.py.
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

    Same steps as :func:`numeric.engines.wishart._labelled_bartlett` up to the strong solve
    (which the caller does on the host, ``d_s x d_s``).
    """
    from numeric.engines.wishart import bartlett_rows

    xp = be.xp
    m, d_w, p = design.m, design.d_w, plan.p
    R = be.asarray(bartlett_rows(gens, p, n))          # drawn on the host: the CPU's stream
    Rphi = xp.matmul(R, be.asarray(plan.phi)[:, None])[..., 0]
    # Zero-padded right-hand side: back substitution gives R11^{-1} h in the first d_w rows.
    h = xp.concat([Rphi[:, :d_w], xp.zeros((R.shape[0], p - d_w), dtype=R.dtype,
                                           device=be.device)], axis=1)
    beta_w = solve_upper(be, R, h)[:, :d_w]
    Rm = R[..., :m]
    G_s, P_s = _tri_gram(be, Rm, plan.T_s)
    if P_s is None:
        rows = xp.matmul(Rphi[:, None, :], Rm)[:, 0, :]              # (R phi)^T R, per trial
        r_s = xp.matmul(rows[:, None, :], be.asarray(plan.T_s.B))[:, 0, :]
    else:
        r_s = xp.matmul(xp.permute_dims(P_s, (0, 2, 1)), Rphi[..., None])[..., 0]
    return to_numpy(beta_w), to_numpy(G_s), to_numpy(r_s)
