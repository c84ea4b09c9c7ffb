r"""The four ridgeless fits and their exact risks, from accumulated statistics (batched).

Everything a trial produces is a function of the labelled statistics
(:math:`\Phi_s^\top\Phi_s, \Phi_w^\top\Phi_w, \Phi_s^\top y, \Phi_w^\top y`) and the unlabelled
ones (:math:`\Phi_s'^\top\Phi_s', \Phi_s'^\top \Phi_w'\hat\beta_w, \Phi_s'^\top y'`). Both engines
feed these accumulators; they differ only in the rows they feed (real samples or virtual rows
with the same Gram law).

Risks are exact for any isotropic feature law (:math:`E xx^\top = I` on the drawn coordinates):
:math:`ER(f) = \|B\hat\beta - \theta\|^2 + \mathrm{fold}^2` and
:math:`\mathrm{misfit} = E_x(f_{w2s} - f_w)^2 = \|B_s\hat b - B_w\hat\beta_w\|^2`.
"""
from __future__ import annotations

import numpy as np

from numeric.solvers import min_norm_solve

__all__ = ["rowmat", "LabelledStats", "UnlabelledStats", "teacher_and_strong", "finish", "risks",
           "complement_pair"]


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


class LabelledStats:
    """Accumulates labelled-sample statistics over row chunks of ``B`` trials at once."""

    def __init__(self, design, B: int):
        self.design = design
        d_s, d_w = design.d_s, design.d_w
        self.G_s = np.zeros((B, d_s, d_s))
        self.G_w = np.zeros((B, d_w, d_w))
        self.r_s = np.zeros((B, d_s))
        self.r_w = np.zeros((B, d_w))

    def add(self, Z: np.ndarray, e: np.ndarray) -> None:
        """``Z`` (B, rows, m) drawn coordinates; ``e`` (B, rows) additive label part."""
        d = self.design
        P_s, P_w = d.proj_s(Z), d.proj_w(Z)
        y = Z @ d.theta + e
        self.G_s += _gram(P_s)
        self.G_w += _gram(P_w)
        self.r_s += _xty(P_s, y)
        self.r_w += _xty(P_w, y)


class UnlabelledStats:
    """Accumulates unlabelled-sample statistics, given the teachers ``beta_w`` (B, d_w)."""

    def __init__(self, design, beta_w: np.ndarray):
        self.design, self.beta_w = design, beta_w
        B, d_s = beta_w.shape[0], design.d_s
        self.G_s = np.zeros((B, d_s, d_s))
        self.t = np.zeros((B, d_s))     # Phi_s'^T (teacher labels)
        self.r = np.zeros((B, d_s))     # Phi_s'^T y' (true labels, fresh noise)

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


def teacher_and_strong(lab: LabelledStats, n: int):
    """Min-norm weak teacher and strong baseline from the labelled statistics."""
    return min_norm_solve(lab.G_w, lab.r_w, n), min_norm_solve(lab.G_s, lab.r_s, n)


def finish(design, lab: LabelledStats, unl: UnlabelledStats, beta_s: np.ndarray,
           n: int, N: int) -> dict:
    """Student and ceiling fits, then per-trial risks and misfit (arrays of length B).

    The ceiling is trained on the same ``n`` labelled samples as the teacher and the strong
    baseline plus the student's ``N`` samples with their true labels (fresh noise), so its
    statistics are the sums of the two accumulators.
    """
    b_w2s = min_norm_solve(unl.G_s, unl.t, N)
    b_c = min_norm_solve(lab.G_s + unl.G_s, lab.r_s + unl.r, n + N)
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
