r"""The four ridgeless fits and their exact risks, from accumulated statistics (batched).

Everything a trial produces is a function of the labelled statistics
(:math:`\Phi_s^\top\Phi_s, \Phi_w^\top\Phi_w, \Phi_s^\top y, \Phi_w^\top y`) and the unlabelled
ones (:math:`\Phi_s'^\top\Phi_s', \Phi_s'^\top \Phi_w'\hat\beta_w, \Phi_s'^\top y'`). Both engines
feed these accumulators; they differ only in the rows they feed (real samples or virtual rows
with the same Gram law).

Wide (interpolating) fits need the rows, not only the Gram (:func:`numeric.solvers.min_norm_rows`
solves them through a QR of :math:`X^\top`, conditioned like :math:`X`). So each accumulator also
keeps the rows it was fed for as long as there are fewer of them than the widest fit that reads
them (``max(d_s, d_w)`` labelled, ``d_s`` unlabelled); past that every fit that reads them is
tall and the rows are dropped. Memory stays :math:`O(B d^2)`.

Risks are exact for any isotropic feature law (:math:`E xx^\top = I` on the drawn coordinates):
:math:`ER(f) = \|B\hat\beta - \theta\|^2 + \mathrm{fold}^2` and
:math:`\mathrm{misfit} = E_x(f_{w2s} - f_w)^2 = \|B_s\hat b - B_w\hat\beta_w\|^2`.
"""
from __future__ import annotations

import numpy as np

from numeric.solvers import min_norm_rows, min_norm_solve, ridge_solve

__all__ = ["rowmat", "LabelledStats", "UnlabelledStats", "teacher_and_strong", "finish", "risks",
           "complement_pair", "RowStore", "fit", "ceiling_fit"]


def rowmat(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``X @ M`` for a batch of row vectors ``X`` (B, k), computed one trial at a time.

    A plain 2-D ``X @ M`` is one GEMM whose rounding can depend on how many rows it has (a
    single row goes to GEMV), which would make a trial's result depend on its batch.
    """
    return (X[:, None, :] @ M)[:, 0, :]


def _gram(P: np.ndarray) -> np.ndarray:
    return np.swapaxes(P, -1, -2) @ P


def _xty(P: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (np.swapaxes(P, -1, -2) @ v[..., None])[..., 0]


class RowStore:
    """Keeps row chunks ``(features..., labels)`` while fewer than ``limit`` rows were added.

    ``rows(i)`` concatenates the ``i``-th array over the chunks; ``None`` once ``limit`` is
    reached (then no wide fit reads these rows).
    """

    def __init__(self, limit: int):
        self.limit, self.count, self.chunks = limit, 0, []

    def add(self, *arrays) -> None:
        self.count += arrays[0].shape[-2] if arrays[0].ndim == 3 else arrays[0].shape[-1]
        if self.count < self.limit:
            self.chunks.append(tuple(np.array(a) for a in arrays))
        else:
            self.chunks = None

    def rows(self, i: int):
        if self.chunks is None:
            return None
        return np.concatenate([c[i] for c in self.chunks], axis=1)


class LabelledStats:
    """Accumulates labelled-sample statistics over row chunks of ``B`` trials at once.

    Attributes ``G_s, G_w`` (Grams), ``r_s, r_w`` (moments) and ``store`` (a :class:`RowStore`
    of ``(P_s, P_w, y)`` kept while there are fewer than ``max(d_s, d_w)`` rows).
    """

    def __init__(self, design, B: int):
        self.design = design
        d_s, d_w = design.d_s, design.d_w
        self.G_s = np.zeros((B, d_s, d_s))
        self.G_w = np.zeros((B, d_w, d_w))
        self.r_s = np.zeros((B, d_s))
        self.r_w = np.zeros((B, d_w))
        self.store = RowStore(max(d_s, d_w))

    def add(self, Z: np.ndarray, e: np.ndarray) -> None:
        """``Z`` (B, rows, m) drawn coordinates; ``e`` (B, rows) additive label part."""
        d = self.design
        P_s, P_w = d.proj_s(Z), d.proj_w(Z)
        y = Z @ d.theta + e
        self.add_parts(P_s, P_w, y)

    def add_parts(self, P_s: np.ndarray, P_w: np.ndarray, y: np.ndarray) -> None:
        """Add rows given as strong features, weak features and labels."""
        self.G_s += _gram(P_s)
        self.G_w += _gram(P_w)
        self.r_s += _xty(P_s, y)
        self.r_w += _xty(P_w, y)
        self.store.add(P_s, P_w, y)


class UnlabelledStats:
    """Accumulates unlabelled-sample statistics, given the teachers ``beta_w`` (B, d_w)."""

    def __init__(self, design, beta_w: np.ndarray):
        self.design, self.beta_w = design, beta_w
        B, d_s = beta_w.shape[0], design.d_s
        self.G_s = np.zeros((B, d_s, d_s))
        self.t = np.zeros((B, d_s))     # Phi_s'^T (teacher labels)
        self.r = np.zeros((B, d_s))     # Phi_s'^T y' (true labels, fresh noise)
        self.store = RowStore(d_s)      # (P_s, f_w, y) while fewer than d_s rows

    def add(self, Z: np.ndarray, e: np.ndarray) -> None:
        d = self.design
        P_s, P_w = d.proj_s(Z), d.proj_w(Z)
        f_w = (P_w @ self.beta_w[..., None])[..., 0]
        self.add_parts(P_s, f_w, Z @ d.theta + e)

    def add_parts(self, P_s: np.ndarray, f_w: np.ndarray, y: np.ndarray) -> None:
        """Add rows given as strong features (B, rows, d_s), teacher labels and true labels."""
        self.G_s += _gram(P_s)
        self.t += _xty(P_s, f_w)
        self.r += _xty(P_s, y)
        self.store.add(P_s, f_w, y)


def complement_pair(g_c: np.ndarray, phi_c: np.ndarray, U: np.ndarray) -> tuple:
    r"""Map iid :math:`N(0,1)` pairs ``U`` (B, rows, 2) to :math:`(A g_c, A arphi_c)`.

    For a Gaussian matrix ``A`` (rows x c, iid N(0,1)) independent of ``g_c``, ``phi_c`` (B, c),
    each row of :math:`(A g_c, Aarphi_c)` is bivariate normal with covariance
    :math:`[[g_c^	op g_c, g_c^	oparphi_c], [g_c^	oparphi_c, arphi_c^	oparphi_c]]`,
    rows independent. Returned through its Cholesky factor (valid when ``g_c = 0`` too).
    """
    c11 = np.einsum("bi,bi->b", g_c, g_c)
    c12 = np.einsum("bi,bi->b", g_c, phi_c)
    c22 = np.einsum("bi,bi->b", phi_c, phi_c)
    l11 = np.sqrt(c11)
    l21 = np.divide(c12, l11, out=np.zeros_like(c12), where=l11 > 0)
    l22 = np.sqrt(np.clip(c22 - l21 * l21, 0.0, None))
    u1, u2 = U[..., 0], U[..., 1]
    return l11[:, None] * u1, l21[:, None] * u1 + l22[:, None] * u2


def fit(G: np.ndarray, r: np.ndarray, rows: int, X=None, y=None, lam: float = 0.0) -> np.ndarray:
    """Min-norm fit: from the rows ``X, y`` when wide (``rows < d``), else from ``G, r``; with
    ``lam > 0`` the ridge fit :func:`numeric.solvers.ridge_solve` from ``G, r`` (any ``rows``).

    Raises
    ------
    ValueError
        If the fit is wide and the rows were not kept.
    """
    if lam > 0:
        return ridge_solve(G, r, rows, lam)
    if rows < G.shape[-1]:
        if X is None:
            raise ValueError(f"a wide fit (rows={rows} < d={G.shape[-1]}) needs its rows")
        return min_norm_rows(X, y)
    return min_norm_solve(G, r, rows)


def teacher_and_strong(lab: LabelledStats, n: int):
    """Weak teacher and strong baseline from the labelled statistics (min-norm, or ridge with the
    design's ``lambda_w``, ``lambda_s``)."""
    st = lab.store
    wide = st.chunks is not None
    d = lab.design
    beta_w = fit(lab.G_w, lab.r_w, n, *((st.rows(1), st.rows(2)) if wide else (None, None)),
                 lam=getattr(d, "lambda_w", 0.0))
    beta_s = fit(lab.G_s, lab.r_s, n, *((st.rows(0), st.rows(2)) if wide else (None, None)),
                 lam=getattr(d, "lambda_s", 0.0))
    return beta_w, beta_s


def ceiling_fit(G: np.ndarray, r: np.ndarray, rows: int, lab_store: RowStore,
                unl_rows: tuple | None, lam: float = 0.0) -> np.ndarray:
    """Ceiling on the labelled rows plus the unlabelled rows with true labels.

    ``G, r``: summed Gram and moment; when ``rows < d_s`` the rows are stacked instead:
    labelled ``(P_s, y)`` from ``lab_store`` (items 0 and 2) and ``unl_rows = (P_s', y')``.
    With ``lam > 0``, the ridge fit from ``G, r``.
    """
    if lam > 0:
        return ridge_solve(G, r, rows, lam)
    if rows < G.shape[-1]:
        X = np.concatenate([lab_store.rows(0), unl_rows[0]], axis=1)
        y = np.concatenate([lab_store.rows(2), unl_rows[1]], axis=1)
        return min_norm_rows(X, y)
    return min_norm_solve(G, r, rows)


def finish(design, lab: LabelledStats, unl: UnlabelledStats, beta_s: np.ndarray,
           n: int, N: int) -> dict:
    """Student and ceiling fits, then per-trial risks and misfit (arrays of length B).

    The ceiling is trained on the same ``n`` labelled samples as the teacher and the strong
    baseline plus the student's ``N`` samples with their true labels (fresh noise), so its
    statistics are the sums of the two accumulators.
    """
    st = unl.store
    wide = st.chunks is not None
    lam = getattr(design, "lambda_s", 0.0)
    b_w2s = fit(unl.G_s, unl.t, N, *((st.rows(0), st.rows(1)) if wide else (None, None)), lam=lam)
    b_c = ceiling_fit(lab.G_s + unl.G_s, lab.r_s + unl.r, n + N, lab.store,
                      (st.rows(0), st.rows(2)) if wide else None, lam=lam)
    return risks(design, unl.beta_w, beta_s, b_w2s, b_c)


def risks(design, beta_w, beta_s, b_w2s, b_c) -> dict:
    """Exact excess risks of the four fits and the misfit, per trial."""
    th, f2 = design.theta, design.fold ** 2
    f_w = rowmat(beta_w, design.B_w.T)        # teacher's function on the drawn coordinates
    f_w2s = rowmat(b_w2s, design.B_s.T)

    def er(v):
        return np.sum((v - th) ** 2, axis=-1) + f2

    return {
        "weak": er(f_w),
        "strong": er(rowmat(beta_s, design.B_s.T)),
        "ceiling": er(rowmat(b_c, design.B_s.T)),
        "w2s": er(f_w2s),
        "misfit": np.sum((f_w2s - f_w) ** 2, axis=-1),
    }
