r"""The drawn coordinate system of a simulation ("design").

A design says which coordinates are drawn per sample (``m`` of them, iid feature law), how the
features are read off them (``phi_s = B_s^T x``, ``phi_w = B_w^T x``), the target ``theta`` on
them, and ``fold``: the norm of the target's component that lives on coordinates no feature
reads. For Gaussian features that component is a single independent
:math:`N(0, \mathrm{fold}^2)` term of each label, so it is drawn as one coordinate instead of
many; it adds ``fold**2`` to every excess risk.

* Gaussian features: the scenario is rotated to the canonical basis
  (:meth:`Scenario.canonical_form`) and only the coordinates read by some feature are drawn:
  the ``d_s`` strong coordinates and the weak-complement coordinates with :math:`c_i < 1`.
  ``B_s`` is a coordinate selection and each column of ``B_w`` has at most two non-zeros.
* Other laws: the feature law is iid in the scenario's own ambient coordinates, which are
  drawn as they are (a rotation would change the law); ``fold = 0``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from numeric.laws import Law

__all__ = ["Design", "Projector", "build_design"]


class Projector:
    """Applies ``x -> B^T x`` to sample rows ``Z`` (..., rows, m) -> (..., rows, d).

    A ``B`` with at most two non-zeros per column is split into runs of consecutive columns
    reading consecutive rows, each applied as a strided slice times a coefficient vector
    (fancy indexing along the last axis is several times slower). A single run of unit
    coefficients is returned as a view. Anything else uses a dense matmul.
    """

    def __init__(self, B: np.ndarray):
        self.B = np.ascontiguousarray(B, dtype=float)
        m, d = self.B.shape
        self.d = d
        nnz = np.count_nonzero(self.B, axis=0)
        self.terms = None
        if np.all(nnz <= 2) and np.all(nnz >= 1):
            order = np.argsort(self.B == 0, axis=0, kind="stable")   # non-zero rows first
            terms = []
            for rank in (0, 1):
                cols = np.arange(d) if rank == 0 else np.flatnonzero(nnz == 2)
                if cols.size == 0:  # no second non-zeros; B may also have a single row
                    continue
                rows = order[rank, cols]
                terms += _runs(cols, rows, self.B[rows, cols])
            if len(terms) <= 8:
                self.terms = terms

    @property
    def kind(self) -> str:
        if self.terms is None:
            return "dense"
        if len(self.terms) == 1 and self.terms[0][2] is None and self.terms[0][0] == slice(0, self.d):
            return "slice"
        return "runs"

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        if self.terms is None:
            return Z @ self.B
        if self.kind == "slice":
            return Z[..., self.terms[0][1]]
        out = np.zeros(Z.shape[:-1] + (self.d,))
        for dst, src, coef in self.terms:
            if coef is None:
                out[..., dst] += Z[..., src]
            else:
                out[..., dst] += Z[..., src] * coef
        return out


def _runs(cols, rows, vals):
    """Split (col, row, value) triples into maximal runs with both indices consecutive."""
    out = []
    start = 0
    for j in range(1, cols.size + 1):
        if j == cols.size or cols[j] != cols[j - 1] + 1 or rows[j] != rows[j - 1] + 1:
            v = vals[start:j]
            coef = None if np.all(v == 1.0) else v.copy()
            out.append((slice(int(cols[start]), int(cols[j - 1]) + 1),
                        slice(int(rows[start]), int(rows[j - 1]) + 1), coef))
            start = j
    return out


@dataclass
class Design:
    """Drawn coordinates and read-outs of one scenario (see module docstring)."""

    m: int
    B_s: np.ndarray
    B_w: np.ndarray
    theta: np.ndarray
    fold: float
    features: Law
    noise: Law
    sigma2: float
    proj_s: Projector
    proj_w: Projector
    C_w: np.ndarray | None = None
    """Orthonormal complement of span(B_w) in the drawn coordinates (reduced designs only)."""
    lambda_w: float = 0.0
    """Ridge penalty of the teacher (0: min-norm least squares; notes/ridge-engines.md)."""
    lambda_s: float = 0.0
    """Ridge penalty of the strong baseline, ceiling and student."""
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, build):
        """``build(self)``, computed once per design and kept under ``key``.

        For per-design constants an engine derives from the design (the wishart engine's
        :class:`numeric.engines.wishart.WishartPlan`); designs are cached per scenario
        (:func:`build_design`), so such constants are built once per scenario too.
        """
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build(self)
            return value

    @property
    def d_s(self) -> int:
        return self.B_s.shape[1]

    @property
    def d_w(self) -> int:
        return self.B_w.shape[1]


def build_design(scenario, reduce: bool | None = None) -> Design:
    """Design of ``scenario``; ``reduce`` defaults to ``True`` exactly for Gaussian features.

    Raises
    ------
    ValueError
        If ``reduce=True`` is asked for a non-Gaussian feature law.
    """
    gaussian = scenario.feature_law.is_gaussian
    if reduce is None:
        reduce = gaussian
    cache = getattr(scenario, "_cache", None)
    key = ("design", bool(reduce), scenario.features, scenario.noise, scenario.sigma2,
           scenario.lambda_w, scenario.lambda_s)
    if cache is not None and key in cache:
        return cache[key]
    design = _build(scenario, reduce, gaussian)
    if cache is not None:
        cache[key] = design
    return design


def _build(scenario, reduce, gaussian) -> Design:
    if reduce and not gaussian:
        raise ValueError("reduce=True needs Gaussian features (rotation changes other laws)")
    d_s, d_w = scenario.d_s, scenario.d_w
    if reduce:
        c, th = scenario.canonical_form()
        k = min(d_s, d_w)
        s = np.sqrt(np.clip(1.0 - c * c, 0.0, None))
        comp_i = np.concatenate([np.flatnonzero(s > 0), np.arange(k, d_w)])   # weak dirs with u_i
        used = np.concatenate([np.arange(d_s), d_s + comp_i])
        m = used.size
        pos = np.full(d_s + d_w + 1, -1)
        pos[used] = np.arange(m)
        B_s = np.zeros((m, d_s))
        B_s[np.arange(d_s), np.arange(d_s)] = 1.0
        B_w = np.zeros((m, d_w))
        B_w[np.arange(k), np.arange(k)] = c
        B_w[pos[d_s + comp_i], comp_i] = np.concatenate([s[s > 0], np.ones(d_w - k)])
        # Complement of span(B_w): strong coordinate i < k with s_i > 0 contributes
        # u_i = s_i e_i - c_i e_{pos(d_s+i)}; strong coordinates i >= k contribute e_i.
        pc = np.flatnonzero(s > 0)
        C_w = np.zeros((m, pc.size + d_s - k))
        C_w[pc, np.arange(pc.size)] = s[pc]
        C_w[pos[d_s + pc], np.arange(pc.size)] = -c[pc]
        C_w[np.arange(k, d_s), pc.size + np.arange(d_s - k)] = 1.0
        unused = np.setdiff1d(np.arange(d_s + d_w + 1), used)
        theta = th[used].copy()
        fold = float(math.sqrt(float(th[unused] @ th[unused])))
    else:
        B_s, B_w = np.array(scenario.V_s), np.array(scenario.V_w)
        theta, fold, m = np.array(scenario.theta), 0.0, scenario.D
        C_w = None
    return Design(m=m, B_s=B_s, B_w=B_w, theta=theta, fold=fold, features=scenario.feature_law,
                  noise=scenario.noise_law, sigma2=scenario.sigma2, proj_s=Projector(B_s),
                  proj_w=Projector(B_w), C_w=C_w, lambda_w=scenario.lambda_w,
                  lambda_s=scenario.lambda_s)
