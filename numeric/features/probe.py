r"""W2S linear probes on real feature matrices: the authors' four fits, split by split.

One *split* draws, from a fixed pool of rows (everything outside the test set), ``n`` labelled
rows ``L`` and ``N`` further rows ``U`` without replacement. Per split, four ridge fits with
:math:`\lambda` = ``ridge`` (the authors' ``train_ridge_regression``, through an SVD
:math:`X = U S V^\top`):

.. math:: \hat\beta(X, y) = V\,\mathrm{diag}\!\Big(\frac{s_i}{s_i^2+\lambda}\Big) U^\top y
          = (X^\top X + \lambda I)^{-1} X^\top y ,

- weak teacher: weak features of ``L``, true labels;
- strong baseline: strong features of ``L``, the same labels;
- strong ceiling: strong features of ``L`` and ``U`` (``n + N`` rows), true labels;
- W2S student: strong features of ``U``, labelled by the teacher's predictions on ``U``.

The score is the test MSE (labels are not denoised: it estimates ``sigma^2`` + excess risk).
``misfit`` is the test mean of :math:`(f_{w2s} - f_w)^2`. PGR and OPR per split are
:math:`(e_w - e_{w2s})/(e_w - e_c)` and :math:`e_s/e_{w2s}` on the test MSEs (the authors'
statistic is their mean over splits); ratios of means come with delta-method standard errors
(:func:`numeric.result.summarise`).

Cost (notes in ``benchmarks/README.md``): every fit is one Cholesky solve of the smaller
regularised Gram side, :math:`X^\top X + \lambda I` (width :math:`p`) or
:math:`X X^\top + \lambda I` (rows :math:`m`), in float64 -- the same numbers as the SVD filter
(:math:`s_i^2` are the Gram's eigenvalues) at a fraction of the cost -- and the ceiling's Gram is
the sum of the two halves' Grams. Test MSEs come
from the test set's second moments, computed once per call: :math:`\mathrm{MSE}(\beta) =
\beta^\top A \beta - 2 b^\top\beta + c`. Float32 inputs are read row-subset by row-subset and
never copied to float64 as a whole. ``solver="svd"`` runs the literal SVD instead (a check).

``sketch_rank`` reproduces the authors' randomized SVD for wide maps: their
``train_ridge_regression`` fits maps wider than ``nrank = 768`` on a rank ``768 + 10``
randomized range (one Gaussian test matrix, the same for every fit), so their 2048-wide ResNet
fits are rank-778 fits.

``dims=(d_w, d_s)`` fits on the whitened top-``d`` principal coordinates of each map instead
(:func:`principal_coordinates` of the pool, computed once): the model the theory is about, in
its canonical (whitened) form.

Seeds: with ``root = as_seed_sequence(seed)``, split ``j`` draws its rows from
``trial_seed_sequences(child(root, 0), [j])`` (the project's block rule), the test set (unless
``test_index`` is given) from ``child(root, 1)``, the injected label noise from ``child(root, 2)``
and the sketch from ``child(root, 3)``. So split ``j`` is the same whatever ``trials``, the
worker count or the order in which splits run.
"""
from __future__ import annotations

import math
import multiprocessing
import numbers
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numpy.linalg import LinAlgError
from scipy.linalg import cho_factor, cho_solve
from threadpoolctl import threadpool_limits

from numeric.executors import init_worker, stop_pool
from numeric.result import summarise
from numeric.seeding import as_seed_sequence, child, trial_generator, trial_seed_sequences
from numeric.validation import as_count, as_nonneg_real

__all__ = ["ProbeResult", "run_w2s", "PROBE_KEYS", "principal_coordinates"]

PROBE_KEYS = ("weak", "strong", "ceiling", "w2s", "misfit", "pgr", "opr")
_SOLVERS = ("gram", "svd")


# --- input checks -------------------------------------------------------------------------
def _matrix(name, F):
    if not isinstance(F, np.ndarray):
        F = np.asarray(F)
    if F.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows = samples), got shape {F.shape}")
    if F.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers, got dtype {F.dtype}")
    if F.shape[0] < 2 or F.shape[1] < 1:
        raise ValueError(f"{name} must have at least 2 rows and 1 column, got shape {F.shape}")
    if F.dtype.kind == "f" and not np.isfinite(F).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return F


def _labels(y, rows):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}")
    if y.dtype.kind not in "fiu":
        raise ValueError(f"y must hold real numbers, got dtype {y.dtype}")
    if y.shape[0] != rows:
        raise ValueError(f"y must have one label per row: F_w and F_s have {rows} rows, "
                         f"y has {y.shape[0]}")
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise ValueError(f"y must be finite: {bad} label(s) are NaN or inf")
    return y


def _test_rows(m, test_size, test_index, rng_ss):
    if test_index is not None:
        idx = np.asarray(test_index)
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or idx.size < 1:
            raise ValueError("test_index must be a non-empty 1-D array of row indices")
        if idx.min() < 0 or idx.max() >= m or np.unique(idx).size != idx.size:
            raise ValueError(f"test_index must hold distinct row indices in [0, {m - 1}]")
        if test_size is not None and int(test_size) != idx.size:
            raise ValueError(f"test_size={test_size} disagrees with len(test_index)={idx.size}")
        return np.sort(idx)
    if test_size is None:
        test_size = max(1, int(round(0.15 * m)))
    elif isinstance(test_size, numbers.Real) and not isinstance(test_size, numbers.Integral) \
            and 0 < float(test_size) < 1:
        test_size = max(1, int(round(float(test_size) * m)))
    test_size = as_count("test_size", test_size)
    if test_size >= m:
        raise ValueError(f"test_size must be below the number of rows ({m}), got {test_size}")
    perm = np.random.default_rng(rng_ss).permutation(m)
    return np.sort(perm[:test_size])


# --- fits ---------------------------------------------------------------------------------
def _rows64(F, idx):
    """Rows ``idx`` of ``F`` as float64 (copies only the subset)."""
    return np.asarray(F[idx], dtype=np.float64)


def _solve_eig(G, r, ridge):
    r""":math:`(G + \lambda I)^{-1} r`: Cholesky, or the eigendecomposition if that fails.

    :math:`V \mathrm{diag}(1/(e+\lambda)) V^\top r` is the SVD filter of the authors; with
    :math:`\lambda > 0` the Cholesky solve is the same number (to rounding) at a quarter of
    the cost. A Gram matrix so ill-conditioned that Cholesky fails goes through ``eigh``.
    """
    A = G.copy()
    A.flat[::A.shape[0] + 1] += ridge
    try:
        c = cho_factor(A, lower=False, overwrite_a=True, check_finite=False)
        return cho_solve(c, r, check_finite=False)
    except LinAlgError:
        e, V = np.linalg.eigh(G)
        # Eigenvalues of a Gram matrix are >= 0; rounding can make the null ones negative.
        e = np.maximum(e, 0.0)
        return V @ ((V.T @ r) / (e + ridge))


def _fit_gram(X, y, ridge, G=None):
    """Ridge coefficients through the smaller Gram side (``G`` = :math:`X^\\top X` if known)."""
    m, p = X.shape
    if m >= p or G is not None:
        G = X.T @ X if G is None else G
        return _solve_eig(G, X.T @ y, ridge)
    return X.T @ _solve_eig(X @ X.T, y, ridge)


def _fit_svd(X, y, ridge, sketch=None):
    """The authors' ``train_ridge_regression`` (thin SVD, or their randomized SVD)."""
    if sketch is not None:
        Q, _ = np.linalg.qr(X @ sketch)
        U, s, Vt = np.linalg.svd(Q.T @ X, full_matrices=False)
        U = Q @ U
    else:
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt.T @ ((s / (s * s + ridge)) * (U.T @ y))


@dataclass
class _Moments:
    """Test-set second moments: MSE of coefficients without touching the test rows again."""

    A_w: np.ndarray
    A_s: np.ndarray
    A_ws: np.ndarray
    b_w: np.ndarray
    b_s: np.ndarray
    c: float

    @classmethod
    def of(cls, Xw, Xs, y):
        m = y.shape[0]
        return cls(Xw.T @ Xw / m, Xs.T @ Xs / m, Xw.T @ Xs / m, Xw.T @ y / m, Xs.T @ y / m,
                   float(y @ y / m))

    def mse(self, beta, kind):
        A, b = (self.A_w, self.b_w) if kind == "w" else (self.A_s, self.b_s)
        # Clipped at 0: the quadratic form can round below zero only for a perfect fit.
        return max(float(beta @ A @ beta - 2.0 * b @ beta + self.c), 0.0)

    def misfit(self, beta_s, beta_w):
        v = float(beta_s @ self.A_s @ beta_s - 2.0 * beta_w @ self.A_ws @ beta_s
                  + beta_w @ self.A_w @ beta_w)
        return max(v, 0.0)


@dataclass
class _Problem:
    """Everything a split needs; shared by all splits (and inherited by forked workers)."""

    F_w: np.ndarray
    F_s: np.ndarray
    y: np.ndarray
    pool: np.ndarray
    n: int
    N: int
    ridge: float
    solver: str
    moments: _Moments
    split_root: np.random.SeedSequence
    sketch_w: np.ndarray | None = None
    sketch_s: np.ndarray | None = None
    groups: tuple | None = None       # (X_w test, X_s test, y test, group labels, K)


def _fit(X, y, prob, sketch, G=None):
    if prob.solver == "svd" or sketch is not None:
        return _fit_svd(X, y, prob.ridge, sketch)
    return _fit_gram(X, y, prob.ridge, G)


def _split(prob: _Problem, j: int) -> dict:
    """The four fits of split ``j`` and their test scores."""
    ss = trial_seed_sequences(prob.split_root, [j])[0]
    rows = trial_generator(ss).choice(prob.pool, size=prob.n + prob.N, replace=False)
    L, U = rows[:prob.n], rows[prob.n:]
    Xw_L, Xs_L, Xw_U, Xs_U = (_rows64(prob.F_w, L), _rows64(prob.F_s, L),
                              _rows64(prob.F_w, U), _rows64(prob.F_s, U))
    y_L, y_U = prob.y[L], prob.y[U]
    mo = prob.moments
    beta_w = _fit(Xw_L, y_L, prob, prob.sketch_w)
    beta_s = _fit(Xs_L, y_L, prob, prob.sketch_s)
    X_c, y_c = np.vstack([Xs_L, Xs_U]), np.concatenate([y_L, y_U])
    shared = prob.solver == "gram" and prob.sketch_s is None and X_c.shape[0] >= X_c.shape[1]
    # The ceiling's Gram is the sum of the two halves' Grams: one product less per split.
    G_c = (Xs_L.T @ Xs_L + Xs_U.T @ Xs_U) if shared else None
    beta_c = _fit(X_c, y_c, prob, prob.sketch_s, G_c)
    beta_2 = _fit(Xs_U, Xw_U @ beta_w, prob, prob.sketch_s)
    if prob.groups is not None:
        Tw, Ts, yt, lab, K = prob.groups
        grouped = {}
        for key, X, b in (("weak", Tw, beta_w), ("strong", Ts, beta_s), ("ceiling", Ts, beta_c),
                          ("w2s", Ts, beta_2)):
            r2 = (X @ b - yt) ** 2
            grouped[key + "_groups"] = np.bincount(lab, r2, K) / np.bincount(lab, None, K)
    e = {"weak": mo.mse(beta_w, "w"), "strong": mo.mse(beta_s, "s"),
         "ceiling": mo.mse(beta_c, "s"), "w2s": mo.mse(beta_2, "s"),
         "misfit": mo.misfit(beta_2, beta_w)}
    with np.errstate(divide="ignore", invalid="ignore"):
        e["pgr"] = (e["weak"] - e["w2s"]) / (e["weak"] - e["ceiling"]) \
            if e["weak"] != e["ceiling"] else math.nan
        e["opr"] = e["strong"] / e["w2s"] if e["w2s"] > 0 else math.inf
    if prob.groups is not None:
        e.update(grouped)
    return e


_FORKED: _Problem | None = None


def _split_in_worker(j):
    with threadpool_limits(1):
        return j, _split(_FORKED, j)


def _run_splits(prob: _Problem, splits, workers: int) -> list:
    if workers <= 1 or len(splits) < 2:
        return [_split(prob, j) for j in splits]
    global _FORKED
    # Forked workers inherit the feature matrices (copy-on-write): nothing is pickled per split.
    _FORKED = prob
    masks = hasattr(signal, "pthread_sigmask")
    ex = None
    try:
        ctx = multiprocessing.get_context("fork")
        # Forked with SIGINT blocked (their initializer ignores it, then unblocks): a Ctrl-C
        # in a worker's first moments prints no KeyboardInterrupt traceback there.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masks else None
        try:
            ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                     initializer=init_worker)
            futures = [ex.submit(_split_in_worker, j) for j in splits]
        finally:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        out = dict(f.result() for f in futures)
    except BaseException:
        if ex is not None:              # Ctrl-C or a failure: stop and reap the workers now
            stop_pool(ex)
            ex = None
        raise
    finally:
        _FORKED = None
        if ex is not None:
            ex.shutdown()
    return [out[j] for j in splits]


def principal_coordinates(F, rows, d, name="d"):
    r"""The whitened top-``d`` principal map of ``F``: a (width x d) matrix ``T`` such that
    ``F @ T`` has uncentred second moment :math:`I_d` on ``rows``.

    ``T = V_d \Lambda_d^{-1/2}`` with :math:`(\Lambda, V)` the eigenpairs of
    :math:`F_{rows}^\top F_{rows} / |rows|`. Whitened coordinates are the theory's canonical
    form: OLS fits do not depend on them, min-norm (interpolating) fits do.

    Raises
    ------
    ValueError
        If ``d`` exceeds the width or the numerical rank of ``F[rows]``.
    """
    d = as_count(f"{name} (dims)", d)
    if d > F.shape[1]:
        raise ValueError(f"dims: {name} = {d} exceeds the width of its feature map "
                         f"({F.shape[1]})")
    G = np.zeros((F.shape[1], F.shape[1]))
    for start in range(0, rows.size, 4096):      # bounded float64 copies of a float32 map
        X = _rows64(F, rows[start:start + 4096])
        G += X.T @ X
    e, V = np.linalg.eigh(G / rows.size)
    e, V = e[::-1][:d], V[:, ::-1][:, :d]
    if e[-1] <= 1e-12 * max(e[0], 1e-300):
        raise ValueError(f"dims: {name} = {d} exceeds the numerical rank of its feature map")
    return V / np.sqrt(e)


# --- result -------------------------------------------------------------------------------
@dataclass
class ProbeResult:
    """Output of :func:`run_w2s` (test MSEs; keys as :class:`numeric.SimulationResult`)."""

    per_split: dict
    mean: dict
    stderr: dict
    pgr_of_means: float
    pgr_of_means_se: float
    opr_of_means: float
    opr_of_means_se: float
    mean_of_pgr: float
    mean_of_opr: float
    n: int
    N: int
    trials: int
    ridge: float
    settings: dict = field(default_factory=dict)

    @property
    def per_trial(self) -> dict:
        """Alias of :attr:`per_split` (the name :class:`numeric.SimulationResult` uses)."""
        return self.per_split

    def to_dict(self) -> dict:
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v
        return {"n": self.n, "N": self.N, "trials": self.trials, "ridge": self.ridge,
                "settings": self.settings,
                "mean": {k: clean(v) for k, v in self.mean.items()},
                "stderr": {k: clean(v) for k, v in self.stderr.items()},
                "pgr_of_means": clean(self.pgr_of_means),
                "pgr_of_means_se": clean(self.pgr_of_means_se),
                "opr_of_means": clean(self.opr_of_means),
                "opr_of_means_se": clean(self.opr_of_means_se),
                "mean_of_pgr": clean(self.mean_of_pgr), "mean_of_opr": clean(self.mean_of_opr),
                "per_split": {k: [clean(float(x)) for x in v] for k, v in self.per_split.items()}}


# --- public entry point -------------------------------------------------------------------
def run_w2s(F_w, F_s, y, n, N, trials, seed=None, ridge=1e-6, test_size=None, *,
            test_index=None, dims=None, label_noise=0.0, solver="gram", sketch_rank=None,
            splits=None, workers=1, test_groups=0) -> ProbeResult:
    r"""Run the authors' W2S linear-probe experiment on two feature matrices.

    Parameters
    ----------
    F_w, F_s : array_like, shape (m, p_w) and (m, p_s)
        Weak and strong features of the same ``m`` samples (float32 is fine: only the rows a
        fit uses are copied to float64).
    y : array_like, shape (m,)
        Labels (finite).
    n, N : int
        Labelled rows (teacher, baseline) and teacher-labelled rows (student) per split;
        the ceiling uses ``n + N`` true labels. ``n + N`` must not exceed the pool (rows
        outside the test set).
    trials : int
        Number of random splits.
    seed : None, int, SeedSequence or Generator
        Root seed (module docstring: which child draws what).
    ridge : float
        :math:`\lambda \ge 0` of every fit (the authors: ``1e-6``).
    test_size : int or float in (0, 1), optional
        Size of the fixed test set (default 15 % of the rows), drawn once per call.
    test_index : array_like of int, optional
        The test rows instead (e.g. the authors' split); ``test_size`` is then implied.
    dims : (int, int), optional
        ``(d_w, d_s)``: fit on the whitened top-``d`` principal coordinates of each map
        (:func:`principal_coordinates` of the pool) -- the theory's model.
    label_noise : float
        Standard deviation of Gaussian noise added once to the pool's labels (the authors'
        ``noise``; test labels stay clean).
    solver : {"gram", "svd"}
        ``"gram"`` (default) one eigendecomposition of the smaller Gram side per fit;
        ``"svd"`` the authors' thin SVD, literally (same numbers to rounding, slower).
    sketch_rank : int, optional
        Reproduce the authors' randomized SVD: maps wider than ``sketch_rank`` are fit on the
        range of ``X @ Omega``, ``Omega`` Gaussian ``(p, sketch_rank + 10) / sqrt(rank + 10)``
        drawn once per map (the authors: 768).
    splits : sequence of int, optional
        Run only these split indices (default ``range(trials)``; for resumable sweeps).
    workers : int
        Processes (forked; ``1`` = this process). The numbers do not depend on it.
    test_groups : int
        If > 0, also the test MSE of each model on each of ``test_groups`` groups of test rows
        (row ``i`` of the sorted test set is in group ``i % test_groups``): ``per_split`` keys
        ``<model>_groups``, shape ``(trials, test_groups)``, for paired jackknife comparisons.

    Returns
    -------
    ProbeResult
        ``per_split`` (arrays ``weak, strong, ceiling, w2s, misfit, pgr, opr``), ``mean``,
        ``stderr``, ``pgr_of_means`` / ``opr_of_means`` with delta-method SEs, and
        ``mean_of_pgr`` / ``mean_of_opr`` (the authors' statistic).

    Raises
    ------
    ValueError
        Mismatched rows, non-finite features or labels, ``n + N`` larger than the pool, a bad
        count, ``dims`` wider than a map, an unknown solver.
    """
    F_w, F_s = _matrix("F_w", F_w), _matrix("F_s", F_s)
    if F_w.shape[0] != F_s.shape[0]:
        raise ValueError(f"F_w and F_s must have the same rows (samples): got {F_w.shape[0]} "
                         f"and {F_s.shape[0]}")
    m = F_w.shape[0]
    y = _labels(y, m)
    n, N, trials = as_count("n", n), as_count("N", N), as_count("trials", trials)
    ridge = as_nonneg_real("ridge", ridge)
    label_noise = as_nonneg_real("label_noise", label_noise)
    workers = as_count("workers", workers)
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}, got {solver!r}")
    if ridge == 0 and solver == "gram":
        # Without a ridge a rank-deficient Gram has 1/0 in the filter; the SVD keeps them apart.
        raise ValueError("ridge must be > 0 with solver='gram' (use solver='svd' for ridge=0)")
    root = as_seed_sequence(seed)
    test = _test_rows(m, test_size, test_index, child(root, 1))
    pool = np.setdiff1d(np.arange(m), test, assume_unique=True)
    if n + N > pool.size:
        raise ValueError(f"n + N = {n + N} exceeds the rows available for training: {m} rows "
                         f"- {test.size} test rows = {pool.size} (need n + N + test_size <= {m})")
    if label_noise > 0:
        y = y.copy()
        y[pool] += label_noise * np.random.default_rng(child(root, 2)).standard_normal(pool.size)
    if dims is not None:
        if len(dims) != 2:
            raise ValueError(f"dims must be a pair (d_w, d_s), got {dims!r}")
        # Principal coordinates, computed once: every fit is then a d-column OLS/ridge fit.
        F_w = F_w @ principal_coordinates(F_w, pool, dims[0], "d_w").astype(F_w.dtype,
                                                                             copy=False)
        F_s = F_s @ principal_coordinates(F_s, pool, dims[1], "d_s").astype(F_s.dtype,
                                                                             copy=False)
    sketches = [None, None]
    if sketch_rank is not None:
        k = as_count("sketch_rank", sketch_rank) + 10
        rng = np.random.default_rng(child(root, 3))
        for i, F in enumerate((F_w, F_s)):
            if F.shape[1] > sketch_rank:
                sketches[i] = rng.standard_normal((F.shape[1], k)) / math.sqrt(k)
    split_list = list(range(trials)) if splits is None else [as_count("split", j, 0)
                                                             for j in splits]
    if not split_list:
        raise ValueError("splits must name at least one split")
    moments = _Moments.of(_rows64(F_w, test), _rows64(F_s, test), y[test])
    test_groups = as_count("test_groups", test_groups, 0)
    groups = None
    if test_groups:
        if test_groups > test.size:
            raise ValueError(f"test_groups must be at most the test size ({test.size}), got "
                             f"{test_groups}")
        groups = (_rows64(F_w, test), _rows64(F_s, test), y[test],
                  np.arange(test.size) % test_groups, test_groups)
    prob = _Problem(F_w, F_s, y, pool, n, N, ridge, solver, moments, child(root, 0),
                    sketches[0], sketches[1], groups)
    rows = _run_splits(prob, split_list, workers)
    per = {k: np.array([r[k] for r in rows], dtype=float) for k in PROBE_KEYS}
    s = summarise(per)
    if groups is not None:
        per.update({k + "_groups": np.array([r[k + "_groups"] for r in rows])
                    for k in ("weak", "strong", "ceiling", "w2s")})
    settings = {"seed_entropy": _entropy(root), "spawn_key": list(root.spawn_key),
                "test_size": int(test.size), "pool": int(pool.size), "rows": m,
                "widths": [int(F_w.shape[1]), int(F_s.shape[1])] if dims is None else None,
                "dims": None if dims is None else [int(dims[0]), int(dims[1])],
                "label_noise": label_noise, "solver": solver,
                "sketch_rank": None if sketch_rank is None else int(sketch_rank),
                "splits": split_list}
    return ProbeResult(per_split=per, n=n, N=N, trials=len(split_list), ridge=ridge,
                       settings=settings, **s)


def _entropy(root):
    e = root.entropy
    return [int(x) for x in e] if isinstance(e, (list, tuple)) else int(e)

