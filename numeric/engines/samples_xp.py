r"""The samples engine's accumulation on an array-API device (CuPy, PyTorch).

Per trial the samples engine draws ``n + N`` rows and reads them only through Gram matrices and
moments (:mod:`numeric.engines.fitting`). Projecting a chunk of rows onto the strong and weak
features and adding :math:`P^\top P` and :math:`P^\top y` to the accumulators costs
:math:`O(\mathrm{rows}\,(d_s^2 + d_w^2))` per trial (plus :math:`O(\mathrm{rows}\,m\,d)` for a
dense projector): that is the engine's work, and it runs here on the device through the array
API (``array_api_compat``). The accumulators live on the device for the whole stream and come
back to the host once per side, as ``B x d x d`` arrays. Everything of size ``d`` (the
teacher, strong, student and ceiling solves, the wide fits from kept rows, the risks) stays in
NumPy on the host, through the same functions as the NumPy path.

The random numbers are drawn by the trials' own NumPy generators on the host, in the order
documented in :mod:`numeric.engines.samples` (the same draw functions are called), and copied
to the device chunk by chunk: a device run is the *same* Monte Carlo sample as a CPU run with
the same seed and differs only by floating-point rounding (the order in which the device's BLAS
sums the Gram matrices). The price is host-side drawing (``rows x m`` values per trial), which
bounds the speed-up a GPU can give: see ``benchmarks/bench_gpu.py``.

Wide fits need the rows themselves while fewer than ``d`` have been seen; those (few) rows are
copied back to the host into the same :class:`numeric.engines.fitting.RowStore` as on the CPU.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from numeric.engines.fitting import (
    RowStore, complement_pair, finish, rowmat, teacher_and_strong,
)
from numeric.engines.samples import reduced_chunks, stream
from numeric.xp import Backend, to_numpy

__all__ = ["run_samples_device", "DeviceProjector"]


class DeviceProjector:
    """A :class:`numeric.design.Projector` applied to device arrays (same arithmetic).

    Runs of columns are strided slices times coefficients, as on the host; so the "slice" and
    "runs" projectors give the host's values exactly, and only a dense projector (a matmul)
    rounds differently.
    """

    def __init__(self, be: Backend, proj):
        self.be, self.proj = be, proj
        self.B = be.asarray(proj.B) if proj.terms is None else None
        self.coefs = None if proj.terms is None else [
            None if coef is None else be.asarray(coef) for _, _, coef in proj.terms]

    def __call__(self, Z):
        proj, xp = self.proj, self.be.xp
        if proj.terms is None:
            return xp.matmul(Z, self.B)
        if proj.kind == "slice":
            return Z[..., proj.terms[0][1]]
        out = xp.zeros((*Z.shape[:-1], proj.d), dtype=Z.dtype, device=self.be.device)
        for (dst, src, _), coef in zip(proj.terms, self.coefs):
            out[..., dst] += Z[..., src] if coef is None else Z[..., src] * coef
        return out


def _gram(xp, P):
    return xp.matmul(xp.permute_dims(P, (0, 2, 1)), P)


def _xty(xp, P, v):
    return xp.matmul(xp.permute_dims(P, (0, 2, 1)), v[..., None])[..., 0]


def _keep(store: RowStore, *arrays) -> None:
    """Host copies of the rows for the wide fits, while ``store`` still keeps rows."""
    if store.chunks is not None:
        store.add(*(to_numpy(a) for a in arrays))


class _Accumulator:
    """Gram/moment sums on the device; :meth:`host` gives them back as NumPy arrays."""

    def __init__(self, design, be: Backend, shapes: dict, store: RowStore):
        xp = be.xp
        self.be, self.store, self.design = be, store, design
        self.sums = {k: xp.zeros(s, dtype=xp.float64, device=be.device) for k, s in shapes.items()}
        self.proj_s = DeviceProjector(be, design.proj_s)
        self.proj_w = DeviceProjector(be, design.proj_w)
        self.theta = be.asarray(design.theta)

    def _rows(self, Z, e):
        """Host rows ``Z`` (B, rows, m) and label parts ``e`` on the device, as their strong
        features, weak features and labels ``(P_s, P_w, y)``."""
        Zd, ed = self.be.asarray(Z), self.be.asarray(e)
        return self.proj_s(Zd), self.proj_w(Zd), self.be.xp.matmul(Zd, self.theta) + ed

    def host(self, **extra) -> SimpleNamespace:
        """The sums as NumPy arrays, with ``store``, ``design`` and ``extra``: what
        :func:`numeric.engines.fitting.teacher_and_strong` and ``finish`` read."""
        return SimpleNamespace(store=self.store, design=self.design, **{k: np.array(to_numpy(v), dtype=float)
                                                    for k, v in self.sums.items()}, **extra)


class DeviceLabelled(_Accumulator):
    """Device counterpart of :class:`numeric.engines.fitting.LabelledStats`."""

    def __init__(self, design, B: int, be: Backend):
        d_s, d_w = design.d_s, design.d_w
        super().__init__(design, be, {"G_s": (B, d_s, d_s), "G_w": (B, d_w, d_w),
                                      "r_s": (B, d_s), "r_w": (B, d_w)}, RowStore(max(d_s, d_w)))

    def add(self, Z, e) -> None:
        """``Z`` (B, rows, m) drawn coordinates and ``e`` (B, rows), NumPy on the host."""
        xp = self.be.xp
        P_s, P_w, y = self._rows(Z, e)
        s = self.sums
        s["G_s"] += _gram(xp, P_s)
        s["G_w"] += _gram(xp, P_w)
        s["r_s"] += _xty(xp, P_s, y)
        s["r_w"] += _xty(xp, P_w, y)
        _keep(self.store, P_s, P_w, y)


class DeviceUnlabelled(_Accumulator):
    """Device counterpart of :class:`numeric.engines.fitting.UnlabelledStats` (``beta_w``
    NumPy (B, d_w), the teachers fitted on the host)."""

    def __init__(self, design, beta_w: np.ndarray, be: Backend):
        B, d_s = beta_w.shape[0], design.d_s
        super().__init__(design, be, {"G_s": (B, d_s, d_s), "t": (B, d_s), "r": (B, d_s)},
                         RowStore(d_s))
        self.design, self.beta_w = design, beta_w
        self.beta_w_dev = be.asarray(beta_w)

    def add(self, Z, e) -> None:
        """Rows of a non-reduced design (every coordinate drawn), NumPy on the host."""
        P_s, P_w, y = self._rows(Z, e)
        f_w = self.be.xp.matmul(P_w, self.beta_w_dev[..., None])[..., 0]
        self.add_parts(P_s, f_w, y)

    def add_parts(self, P_s, f_w, y) -> None:
        """Device rows: strong features (B, rows, d_s), teacher labels, true labels."""
        xp, s = self.be.xp, self.sums
        s["G_s"] += _gram(xp, P_s)
        s["t"] += _xty(xp, P_s, f_w)
        s["r"] += _xty(xp, P_s, y)
        _keep(self.store, P_s, f_w, y)

    def host(self) -> SimpleNamespace:
        return super().host(beta_w=self.beta_w)


def _reduced_unlabelled(design, unl: DeviceUnlabelled, gens, total: int) -> None:
    """The reduced Gaussian design's unlabelled rows (strong coordinates and one normal pair,
    as :class:`numeric.engines.samples._ReducedUnlabelled`), accumulated on the device."""
    be, xp = unl.be, unl.be.xp
    d_s, m = design.d_s, design.m
    g = rowmat(unl.beta_w, design.B_w.T)
    B = g.shape[0]
    g_c = np.zeros((B, m - d_s + 1))
    g_c[:, : m - d_s] = g[:, d_s:]
    phi_c = np.broadcast_to(np.append(design.theta[d_s:], design.fold), g_c.shape)
    # complement_pair maps a pair (u1, u2) to (l11 u1, l21 u1 + l22 u2); applied to the unit
    # pairs (1, 0) and (0, 1) it returns the per-trial factor (l11, l21, l22) exactly.
    unit = np.broadcast_to(np.eye(2), (B, 2, 2))
    a, c = complement_pair(g_c, phi_c, unit)
    l11, l21, l22 = (be.asarray(v)[:, None] for v in (a[:, 0], c[:, 0], c[:, 1]))
    g_s = be.asarray(g[:, :d_s])
    theta_s = be.asarray(design.theta[:d_s])
    sigma = math.sqrt(design.sigma2)
    for Zs, U, e in reduced_chunks(design, gens, total):
        Zd, Ud, ed = be.asarray(Zs), be.asarray(U), be.asarray(e)
        u1, u2 = Ud[..., 0], Ud[..., 1]
        f_w = xp.matmul(Zd, g_s[..., None])[..., 0] + l11 * u1
        y = xp.matmul(Zd, theta_s) + (l21 * u1 + l22 * u2) + sigma * ed
        unl.add_parts(Zd, f_w, y)


def run_samples_device(design, gens, n: int, N: int, be: Backend) -> dict:
    """:func:`numeric.engines.samples.run_samples` with the accumulation on ``be``.

    Same draws, same fits (on the host, from the accumulated statistics); returns the same
    per-trial NumPy arrays, equal to the NumPy path's up to floating-point rounding.
    """
    lab = DeviceLabelled(design, len(gens), be)
    stream(design, gens, n, lab)
    lab_host = lab.host()
    beta_w, beta_s = teacher_and_strong(lab_host, n)
    unl = DeviceUnlabelled(design, beta_w, be)
    if design.C_w is not None:          # reduced Gaussian design
        _reduced_unlabelled(design, unl, gens, N)
    else:
        stream(design, gens, N, unl)
    return finish(design, lab_host, unl.host(), beta_s, n, N)
