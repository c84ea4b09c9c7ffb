r"""The simulated W2S setting: dimensions, sample sizes, geometry, target and laws.

A :class:`Scenario` is immutable. Its geometry is held as orthonormal ambient bases
``V_s`` (D x d_s) and ``V_w`` (D x d_w) and a target ``theta`` (D,); features are
:math:`\phi_s = V_s^\top x`, :math:`\phi_w = V_w^\top x` with ``x`` iid (feature law) in the
ambient coordinates, and labels :math:`y = \theta^\top x + \xi`.
"""
from __future__ import annotations

import math

import numpy as np

from numeric import scenario_io
from numeric.geometry import (
    canonical_bases, canonical_reduction, cosines_from_d_sw, derived_geometry, orthonormalise,
    principal_cosines,
)
from numeric.laws import parse_law
from numeric.memory import check_fits, scenario_bytes
from numeric.validation import as_count, as_nonneg_real, as_real, as_real_vector

__all__ = ["Scenario", "GEOMETRY_KEYS"]

GEOMETRY_KEYS = ("d_sw", "rho_s", "rho_w", "b_w2s", "m_sw", "t2", "c_sw", "p_sw")

# Paper notebook constants (theory.md section 5).
_PAPER_D_W, _PAPER_D_S, _PAPER_COORDS = 200, 100, 300


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


class Scenario:
    r"""A W2S ridgeless-regression scenario.

    Parameters
    ----------
    d_s, d_w : int
        Strong and weak feature dimensions (>= 1).
    n, N : int
        Labelled and unlabelled sample sizes (>= 1).
    sigma2 : float
        Label-noise variance (>= 0).
    cosines : array_like, optional
        Canonical cosines, length :math:`\min(d_s, d_w)`, in [0, 1]. Exclusive with ``d_sw``.
    d_sw : float, optional
        Target correlation dimension in :math:`[0, \min(d_s, d_w)]`, turned into cosines by
        :func:`numeric.geometry.cosines_from_d_sw`. With neither, ``d_sw = 0``.
    theta : array_like, optional
        Target in the canonical basis (length :math:`D = d_s + d_w + 1`); default 0.
    features, noise : str
        Laws (``"gaussian"``, ``"rademacher"``, ``"student-t:<df>"``), unit variance; the noise
        is scaled to variance ``sigma2``.

    Notes
    -----
    Canonical basis: coordinates ``0..d_s-1`` span :math:`V_s`; weak direction :math:`i<k` is
    :math:`c_i e_i + \sqrt{1-c_i^2} e_{d_s+i}`; weak direction :math:`i \ge k` is
    :math:`e_{d_s+i}`; coordinate ``D-1`` is orthogonal to both.
    """

    def __init__(self, d_s, d_w, n, N, sigma2=1.0, *, cosines=None, d_sw=None, theta=None,
                 features="gaussian", noise="gaussian", lambda_w=0.0, lambda_s=0.0):
        d_s = as_count("d_s", d_s)
        d_w = as_count("d_w", d_w)
        k = min(d_s, d_w)
        if cosines is not None and d_sw is not None:
            raise ValueError("give either cosines or d_sw, not both")
        if cosines is not None:
            c = as_real_vector("cosines", cosines, k)
            if np.any(c < 0) or np.any(c > 1):
                raise ValueError(f"cosines must lie in [0, 1], got values in [{c.min()}, {c.max()}]")
        else:
            c = cosines_from_d_sw(0.0 if d_sw is None else as_real("d_sw", d_sw), k)
        check_fits("a scenario's bases", d_s, d_w, scenario_bytes)     # before allocating them
        D = d_s + d_w + 1
        th = np.zeros(D) if theta is None else as_real_vector(
            "theta", theta, D, why=f"the canonical layout has D = d_s + d_w + 1 = {D} coordinates: "
            f"{d_s} spanning V_s, {d_w} for the weak directions, 1 outside both (notes/numeric.md)")
        V_s, V_w = canonical_bases(d_s, d_w, c)
        self._init(d_s, d_w, n, N, sigma2, V_s, V_w, th, c, features, noise, canonical=True,
                   lambda_w=lambda_w, lambda_s=lambda_s)

    # -- construction helpers ---------------------------------------------------------------
    def _init(self, d_s, d_w, n, N, sigma2, V_s, V_w, theta, cosines, features, noise, canonical,
              lambda_w=0.0, lambda_s=0.0):
        self._d_s, self._d_w = d_s, d_w
        # Ridge penalties (issue 20; 0 = ridgeless, the default and the paper's setting).
        self._lambda_w = as_nonneg_real("lambda_w", lambda_w)
        self._lambda_s = as_nonneg_real("lambda_s", lambda_s)
        self._n = as_count("n", n)
        self._N = as_count("N", N)
        self._sigma2 = _scale("sigma2", sigma2)
        self._features = parse_law(features, "features")
        self._noise = parse_law(noise, "noise")
        self._V_s, self._V_w, self._theta = _frozen(V_s), _frozen(V_w), _frozen(theta)
        energy = _scale("the target energy |theta|^2", float(np.dot(self._theta, self._theta)))
        if energy == 0 and self._sigma2 == 0:
            raise ValueError("sigma2 = 0 with a zero target (theta = 0): every label is 0 and "
                             "every risk identically 0, nothing to estimate; give sigma2 > 0 "
                             "or a nonzero theta")
        self._cosines = _frozen(cosines)
        self._canonical = bool(canonical)
        self._geom = derived_geometry(self._V_s, self._V_w, self._theta)
        self._reduction = None
        # Per-geometry cache (designs, engine plans), shared by replace() copies.
        self._cache = {}

    @classmethod
    def _raw(cls, **kw) -> "Scenario":
        obj = cls.__new__(cls)
        obj._init(**kw)
        return obj

    @classmethod
    def from_bases(cls, V_s, V_w, theta=None, *, n, N, sigma2=1.0, features="gaussian",
                   noise="gaussian") -> "Scenario":
        """Scenario from arbitrary ambient bases (D x d_s, D x d_w), orthonormalised by QR.

        ``theta`` is the target in the same ambient coordinates (length D; default 0). The
        feature law is iid in these ambient coordinates.
        """
        Q_s = orthonormalise(V_s, "V_s")
        Q_w = orthonormalise(V_w, "V_w")
        if Q_s.shape[0] != Q_w.shape[0]:
            raise ValueError(f"V_s and V_w must have the same number of rows (ambient D), "
                             f"got {Q_s.shape[0]} and {Q_w.shape[0]}")
        D = Q_s.shape[0]
        th = np.zeros(D) if theta is None else as_real_vector(
            "theta", theta, D, why=f"one entry per ambient coordinate: V_s and V_w have {D} rows")
        return cls._raw(d_s=Q_s.shape[1], d_w=Q_w.shape[1], n=n, N=N, sigma2=sigma2, V_s=Q_s,
                        V_w=Q_w, theta=th, cosines=principal_cosines(Q_s, Q_w),
                        features=features, noise=noise, canonical=False)

    @classmethod
    def from_block_energies(cls, d_s, d_w, n, N, sigma2=1.0, *, d_sw, both=0.0, strong_only=0.0,
                            weak_only=0.0, neither=0.0, features="gaussian",
                            noise="gaussian") -> "Scenario":
        r"""0/1 geometry with integer overlap ``d_sw`` and target energy given per block.

        Blocks (canonical basis): ``both`` = :math:`V_s \cap V_w` (coords ``0..d_sw-1``),
        ``strong_only`` = :math:`V_s \cap V_w^\perp` (coords ``d_sw..d_s-1``), ``weak_only`` =
        :math:`V_w \cap V_s^\perp` (coords ``d_s+d_sw..d_s+d_w-1``), ``neither`` (coord ``D-1``).
        Each energy is spread evenly (equal positive entries) over its block, so e.g.
        ``rho_s = weak_only + neither`` and ``rho_w = strong_only + neither``.
        """
        d_s = as_count("d_s", d_s)
        d_w = as_count("d_w", d_w)
        k = min(d_s, d_w)
        overlap = as_count("d_sw", d_sw, minimum=0)
        if overlap > k:
            raise ValueError(f"d_sw must be an integer in [0, min(d_s, d_w)] = [0, {k}], got {overlap}")
        D = d_s + d_w + 1
        blocks = {
            "both": np.arange(overlap),
            "strong_only": np.arange(overlap, d_s),
            "weak_only": d_s + np.arange(overlap, d_w),
            "neither": np.array([D - 1]),
        }
        energies = {"both": both, "strong_only": strong_only, "weak_only": weak_only,
                    "neither": neither}
        theta = np.zeros(D)
        for name, idx in blocks.items():
            e = as_nonneg_real(name, energies[name])
            if e > 0:
                if idx.size == 0:
                    raise ValueError(f"{name} must be 0: the block is empty for d_s={d_s}, "
                                     f"d_w={d_w}, d_sw={overlap}")
                theta[idx] = math.sqrt(e / idx.size)
        return cls(d_s, d_w, n, N, sigma2, d_sw=overlap, theta=theta, features=features,
                   noise=noise)

    @classmethod
    def from_spectrum(cls, lambdas, strong_coords, weak_coords, theta=None, *, n, N, sigma2=1.0,
                      features="gaussian", noise="gaussian") -> "Scenario":
        r"""Diagonal-spectrum scenario of the authors' notebook (theory.md section 5).

        Latent coordinates :math:`x_i = \sqrt{\lambda_i}\, g_i` with ``g`` iid (feature law);
        strong features are ``x[strong_coords]``, weak ``x[weak_coords]``, target
        :math:`\theta^\top x`. OLS predictions are invariant to invertible reparametrisation of
        the features, so this equals the whitened :meth:`from_bases` scenario with
        coordinate-selection bases and :math:`\theta^{\rm eff}_i = \theta_i\sqrt{\lambda_i}`
        (excess risks measured under the latent covariance :math:`\Lambda`).
        """
        lam = as_real_vector("lambdas", lambdas)
        if lam.size == 0 or np.any(lam <= 0):
            raise ValueError("lambdas must be a non-empty array of finite values > 0")
        p = lam.size
        sel = []
        for name, coords in (("strong_coords", strong_coords), ("weak_coords", weak_coords)):
            idx = np.asarray(coords)
            if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
                raise ValueError(f"{name} must be a non-empty 1-D array of integer indices")
            if idx.min() < 0 or idx.max() >= p or np.unique(idx).size != idx.size:
                raise ValueError(f"{name} must hold distinct indices in [0, {p - 1}]")
            sel.append(idx)
        th = np.zeros(p) if theta is None else as_real_vector("theta", theta, p)
        eye = np.eye(p)
        return cls.from_bases(eye[:, sel[0]], eye[:, sel[1]], th * np.sqrt(lam), n=n, N=N,
                              sigma2=sigma2, features=features, noise=noise)

    @classmethod
    def paper_notebook(cls, d_sw=90, n=2000, N=4000, sigma2=1e-2, seed=0, features="gaussian",
                       noise="gaussian") -> "Scenario":
        r"""The authors' synthetic configuration (theory.md section 5).

        ``d_w = 200``, ``d_s = 100``, 300 latent coordinates with :math:`\lambda_i = i^{-1}`
        (:math:`i = 1..300`), strong = coords ``[0, 100)``, weak = ``[doff, doff + 200)`` with
        ``doff = d_s - d_sw``, :math:`\theta_i = \pm 1/\sqrt{d_s d_w}` Rademacher signs drawn
        from ``numpy.random.default_rng(seed)``.
        """
        overlap = as_count("d_sw", d_sw, minimum=0)
        if overlap > _PAPER_D_S:
            raise ValueError(f"d_sw must be an integer in [0, {_PAPER_D_S}], got {overlap}")
        seed = as_count("seed", seed, minimum=0)
        doff = _PAPER_D_S - overlap
        lam = 1.0 / np.arange(1, _PAPER_COORDS + 1)
        signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=_PAPER_COORDS)
        theta = signs / math.sqrt(_PAPER_D_S * _PAPER_D_W)
        return cls.from_spectrum(lam, np.arange(_PAPER_D_S), np.arange(doff, doff + _PAPER_D_W),
                                 theta, n=n, N=N, sigma2=sigma2, features=features, noise=noise)

    def replace(self, **changes) -> "Scenario":
        """Copy with some of ``n, N, sigma2, features, noise, lambda_w, lambda_s`` changed
        (geometry kept)."""
        allowed = {"n", "N", "sigma2", "features", "noise", "lambda_w", "lambda_s"}
        bad = set(changes) - allowed
        if bad:
            raise ValueError(f"replace() accepts only {sorted(allowed)}, got {sorted(bad)}")
        kw = dict(d_s=self._d_s, d_w=self._d_w, n=self._n, N=self._N, sigma2=self._sigma2,
                  V_s=self._V_s, V_w=self._V_w, theta=self._theta, cosines=self._cosines,
                  features=self._features, noise=self._noise, canonical=self._canonical,
                  lambda_w=self._lambda_w, lambda_s=self._lambda_s)
        kw.update(changes)
        obj = Scenario._raw(**kw)
        obj._reduction = self._reduction
        obj._cache = self._cache
        return obj

    # -- fields -----------------------------------------------------------------------------
    d_s = property(lambda self: self._d_s, doc="Strong feature dimension.")
    d_w = property(lambda self: self._d_w, doc="Weak feature dimension.")
    n = property(lambda self: self._n, doc="Labelled samples.")
    N = property(lambda self: self._N, doc="Unlabelled (pseudo-labelled) samples.")
    sigma2 = property(lambda self: self._sigma2, doc="Noise variance.")
    lambda_w = property(lambda self: self.__dict__.get("_lambda_w", 0.0),
                        doc="Ridge penalty of the weak teacher (0: min-norm least squares).")
    lambda_s = property(lambda self: self.__dict__.get("_lambda_s", 0.0),
                        doc="Ridge penalty of the strong baseline, ceiling and W2S student.")
    ridge = property(lambda self: self.lambda_w > 0 or self.lambda_s > 0,
                     doc="Whether any fit is a ridge fit.")
    features = property(lambda self: self._features.name, doc="Feature law name.")
    noise = property(lambda self: self._noise.name, doc="Noise law name.")
    feature_law = property(lambda self: self._features, doc="Feature :class:`Law`.")
    noise_law = property(lambda self: self._noise, doc="Noise :class:`Law`.")
    V_s = property(lambda self: self._V_s, doc="Orthonormal strong basis (D x d_s).")
    V_w = property(lambda self: self._V_w, doc="Orthonormal weak basis (D x d_w).")
    theta = property(lambda self: self._theta, doc="Target in the ambient basis (D,).")
    cosines = property(lambda self: self._cosines, doc="Canonical cosines (length min(d_s, d_w)).")
    D = property(lambda self: self._V_s.shape[0], doc="Ambient dimension.")
    is_canonical = property(lambda self: self._canonical, doc="Bases are the canonical ones.")

    def __getattr__(self, name):
        # Derived geometry (d_sw, rho_s, ...) as attributes.
        if name in GEOMETRY_KEYS and "_geom" in self.__dict__:
            return self.__dict__["_geom"][name]
        raise AttributeError(name)

    def geometry(self) -> dict:
        """Derived geometry keyed by theory symbol names, plus ``n, N, d_s, d_w, sigma2``.

        Suitable for ``theory.evaluate(expr, **scenario.geometry())``.
        """
        out = {k: float(v) for k, v in self._geom.items()}
        out.update(n=self._n, N=self._N, d_s=self._d_s, d_w=self._d_w, sigma2=self._sigma2)
        return out

    def canonical_form(self) -> tuple[np.ndarray, np.ndarray]:
        """``(cosines, theta_canonical)``: the rotation of this geometry to the canonical basis.

        For Gaussian features the risks depend on the scenario only through this (and the
        counts/noise). For canonical scenarios it is ``(cosines, theta)`` itself.
        """
        if self._reduction is None:
            if self._canonical:
                self._reduction = (self._cosines, self._theta)
            else:
                c, th = canonical_reduction(self._V_s, self._V_w, self._theta)
                self._reduction = (_frozen(c), _frozen(th))
        return self._reduction

    def __eq__(self, other):
        if not isinstance(other, Scenario):
            return NotImplemented
        return (self._d_s, self._d_w, self._n, self._N, self._sigma2, self._features,
                self._noise, self._canonical, self.lambda_w, self.lambda_s) == (
                    other._d_s, other._d_w, other._n, other._N, other._sigma2, other._features,
                    other._noise, other._canonical, other.lambda_w, other.lambda_s) and all(
            np.array_equal(a, b) for a, b in ((self._V_s, other._V_s), (self._V_w, other._V_w),
                                              (self._theta, other._theta)))

    __hash__ = None

    def __getstate__(self):
        # The per-geometry cache holds large derived arrays: rebuild it rather than ship it
        # (results travel between processes with their scenario).
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        return (f"Scenario(d_s={self._d_s}, d_w={self._d_w}, n={self._n}, N={self._N}, "
                f"sigma2={self._sigma2:g}, d_sw={self._geom['d_sw']:.6g}, "
                f"features={self.features!r}, noise={self.noise!r}, D={self.D}"
                f"{f', lambda_w={self.lambda_w:g}' if self.lambda_w else ''}"
                f"{f', lambda_s={self.lambda_s:g}' if self.lambda_s else ''}"
                f"{'' if self._canonical else ', bases=explicit'})")

    # -- files ------------------------------------------------------------------------------
    @classmethod
    def load(cls, path) -> "Scenario":
        """Load from a ``.toml`` or ``.json`` file (see :mod:`numeric.scenario_io`)."""
        return scenario_io.load_scenario(path, cls)

    def save(self, path) -> None:
        """Save atomically to a ``.toml`` or ``.json`` file (see :mod:`numeric.scenario_io`)."""
        scenario_io.save_scenario(self, path)

    def to_dict(self) -> dict:
        """Plain-data form (the file schema)."""
        return scenario_io.scenario_to_dict(self)


#: Range of a nonzero noise variance or target energy: risks scale with them, and the
#: estimators square the risks, which must stay finite, normal doubles.
SCALE_RANGE = (1e-100, 1e100)


def _scale(name, value) -> float:
    """``value`` is 0 or in :data:`SCALE_RANGE` (a ``ValueError`` naming the range otherwise)."""
    v = as_nonneg_real(name, value)
    lo, hi = SCALE_RANGE
    if v != 0 and not lo <= v <= hi:
        raise ValueError(f"{name} must be 0 or a real number in [{lo:g}, {hi:g}], got {v!r}: risks "
                         f"scale with it and their squares must be finite (rescale the problem; "
                         "risks are homogeneous in sigma2 and the target energy)")
    return v
