r"""Hypothesis strategies over W2S configurations, reusable from users' own tests.

A *configuration* is a plain JSON-serialisable dict::

    {"d_s": 4, "d_w": 6, "n": 30, "N": 50, "sigma2": 0.5,
     "cosines": [0.9, 0.3, 0.0, 0.0],           # canonical cosines, k = min(d_s, d_w) of them
     "theta": {"s": 0.2, "w": 0.5, "o": 0.1, "seed": 7},   # target energies, see below
     "features": "gaussian", "noise": "gaussian"}

The target is :math:`\theta = \sqrt{a}\,u_s + \sqrt{b}\,u_w + \sqrt{c}\,e_o` with ``a, b, c =
theta["s"], theta["w"], theta["o"]``, :math:`u_s \in \operatorname{span} V_s` and
:math:`u_w \in \operatorname{span} V_w` random unit vectors (drawn from ``theta["seed"]``) and
:math:`e_o` the canonical direction orthogonal to both subspaces. All-zero energies give the
pure-variance case :math:`\theta = 0`; ``a`` alone makes the target realisable by the student.

:func:`scenario_from_config` turns a configuration into a ``numeric.Scenario``;
:func:`config_seed` derives a simulation seed from the configuration and the run seed (SHA-256
of the canonical JSON as ``SeedSequence`` entropy), so that Hypothesis replays and shrinking are
deterministic.

Sample sizes are drawn relative to the interpolation thresholds: ``n = n_base + margin`` with
``n_base = max(max(d_s, d_w) + 1, ceil(n_ratio * max(d_s, d_w)))`` and likewise ``N`` against
``d_s``. The default margins (>= 8) keep every model inside its OLS regime with
``m - d - 1 >= 8`` samples to spare: the per-trial risks then have finite moments up to the
fourth (``E[tr(W^{-1})^k]`` of a ``d x d`` Wishart with ``m`` degrees of freedom is finite iff
``m - d - 1 > 2k - 2``), so their variance is finite and is estimated consistently, and the
normal approximation of the tests applies. The low end is deliberately close to the
thresholds: an off-by-one in a denominator ``n - d - 1`` changes a variance term by
``1/(n - d - 1)``, at least 1/9 here but only 1/13 at the former margin of 12 -- the regions
where formulas are fragile must be inside the domain (``notes/verification-power.md``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
from fractions import Fraction
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import numeric
from numeric.geometry import canonical_bases, derived_geometry
from numeric.laws import LAW_NAMES, parse_law

FEATURES = LAW_NAMES
OVERLAPS = ("random", "integer")
OVERLAP_KINDS = ("random", "integer", "full", "none")


def check_law(law, name: str = "features") -> str:
    """Validate a law name (``gaussian``, ``rademacher`` or ``student-t:<df>`` with finite
    ``df > 2``) with :func:`numeric.laws.parse_law`, the one parser of law names, and return it
    unchanged (configurations keep the name as given: it enters their seed)."""
    parse_law(law, name)
    return law


def _pair(name, v, lo_ok, kind=float):
    if not (isinstance(v, (tuple, list)) and len(v) == 2):
        raise ValueError(f"{name} must be a (low, high) pair, got {v!r}")
    lo, hi = v
    if not (lo_ok(lo) and lo <= hi):
        raise ValueError(f"{name} must satisfy the lower bound and low <= high, got {v!r}")
    if kind is int and not (float(lo).is_integer() and float(hi).is_integer()):
        raise ValueError(f"{name} must be a pair of integers, got {v!r}")
    return (kind(lo), kind(hi))


@dataclass(frozen=True)
class Regime:
    """Ranges from which configurations are drawn.

    Parameters
    ----------
    d_s, d_w : (int, int)
        Ranges of the dimensions (>= 1).
    n_margin, N_margin : (int, int)
        ``n - n_base`` and ``N - N_base`` (>= 0), see the module docstring.
    n_ratio, N_ratio : float
        Minimum ``n / max(d_s, d_w)`` and ``N / d_s`` (0 disables).
    sigma2 : (float, float)
        Range of the noise variance (> 0).
    theta_s, theta_w, theta_o : (float, float)
        Ranges of the target energies along V_s, V_w and the orthogonal direction (>= 0).
    overlap : tuple of {"random", "integer", "full", "none"}
        Cosine kinds: uniform cosines, an integer overlap ``(1, .., 1, 0, .., 0)``, all ones
        (``d_sw = min(d_s, d_w)``) or all zeros (``d_sw = 0``).
    features, noise : str
        Feature law (``gaussian | rademacher | student-t:<df>``) and noise law.
    where : callable, optional
        Predicate on ``config | geometry`` (the config dict updated with the derived geometry
        ``d_sw, rho_s, rho_w, b_w2s, m_sw, t2, c_sw, p_sw``); draws failing it are rejected.
    """

    d_s: tuple = (1, 6)
    d_w: tuple = (1, 6)
    n_margin: tuple = (8, 48)
    N_margin: tuple = (8, 72)
    n_ratio: float = 0.0
    N_ratio: float = 0.0
    sigma2: tuple = (0.1, 2.0)
    theta_s: tuple = (0.0, 1.0)
    theta_w: tuple = (0.0, 1.0)
    theta_o: tuple = (0.0, 1.0)
    overlap: tuple = OVERLAPS
    features: str = "gaussian"
    noise: str = "gaussian"
    where: Callable | None = field(default=None, compare=False)

    def __post_init__(self):
        pos = lambda v: v >= 1  # noqa: E731
        nonneg = lambda v: v >= 0  # noqa: E731
        object.__setattr__(self, "d_s", _pair("d_s", self.d_s, pos, int))
        object.__setattr__(self, "d_w", _pair("d_w", self.d_w, pos, int))
        object.__setattr__(self, "n_margin", _pair("n_margin", self.n_margin, nonneg, int))
        object.__setattr__(self, "N_margin", _pair("N_margin", self.N_margin, nonneg, int))
        object.__setattr__(self, "sigma2", _pair("sigma2", self.sigma2, lambda v: v > 0))
        for nm in ("theta_s", "theta_w", "theta_o"):
            object.__setattr__(self, nm, _pair(nm, getattr(self, nm), nonneg))
        for nm in ("n_ratio", "N_ratio"):
            v = getattr(self, nm)
            if not (isinstance(v, (int, float)) and 0 <= v < math.inf):
                raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}")
        ov = tuple(self.overlap)
        if not ov or any(o not in OVERLAP_KINDS for o in ov):
            raise ValueError(f"overlap must be a non-empty subset of {OVERLAP_KINDS}, got {self.overlap!r}")
        object.__setattr__(self, "overlap", ov)
        check_law(self.features, "features")
        check_law(self.noise, "noise")
        if self.where is not None and not callable(self.where):
            raise ValueError(f"where must be callable or None, got {self.where!r}")

    def replace(self, **kw) -> "Regime":
        return dataclasses.replace(self, **kw)

    def describe(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "where"}
        d = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
        d["where"] = None if self.where is None else getattr(self.where, "__doc__", None) or repr(self.where)
        return d


def as_regime(regime, features: str = "gaussian") -> Regime:
    """A :class:`Regime` from ``None``, a Regime, a dict of Regime fields, or a predicate."""
    if regime is None:
        return Regime(features=features)
    if isinstance(regime, Regime):
        return regime if regime.features == features else regime.replace(features=features)
    if isinstance(regime, dict):
        return Regime(**{"features": features, **regime})
    if callable(regime):
        return Regime(features=features, where=regime)
    raise ValueError(f"regime must be a Regime, a dict, a predicate or None, got {regime!r}")


# --- primitive strategies ---------------------------------------------------------------------

def dimensions(low: int = 1, high: int = 6) -> st.SearchStrategy:
    """Feature dimensions ``(d_s, d_w)``, each in ``[low, high]``."""
    return st.tuples(st.integers(low, high), st.integers(low, high))


def canonical_cosines(k: int, overlap=OVERLAPS) -> st.SearchStrategy:
    """``k`` canonical cosines in ``[0, 1]``: uniform (sorted, descending), an integer overlap,
    all ones (``"full"``) or all zeros (``"none"``)."""
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k!r}")
    if not overlap or any(o not in OVERLAP_KINDS for o in overlap):
        raise ValueError(f"overlap must be a non-empty subset of {OVERLAP_KINDS}, got {overlap!r}")
    options = []
    if "full" in overlap:
        options.append(st.just([1.0] * k))
    if "none" in overlap:
        options.append(st.just([0.0] * k))
    if "random" in overlap:
        options.append(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=k, max_size=k)
                       .map(lambda c: sorted((round(x, 6) for x in c), reverse=True)))
    if "integer" in overlap:
        options.append(st.integers(0, k).map(lambda j: [1.0] * j + [0.0] * (k - j)))
    return st.one_of(*options)


def noise_levels(low: float = 0.1, high: float = 2.0) -> st.SearchStrategy:
    """Noise variances ``sigma2`` in ``[low, high]`` (rounded to 6 digits for canonical JSON)."""
    return st.floats(low, high, allow_nan=False).map(lambda x: round(x, 6))


def target_energies(theta_s=(0.0, 1.0), theta_w=(0.0, 1.0), theta_o=(0.0, 1.0)) -> st.SearchStrategy:
    """Target geometry ``{"s", "w", "o", "seed"}`` (energies along V_s, V_w, orthogonal; seed of
    the random directions)."""
    def energy(r):
        return st.just(0.0) if r[1] == 0 else st.floats(r[0], r[1]).map(lambda x: round(x, 6))
    return st.fixed_dictionaries({"s": energy(theta_s), "w": energy(theta_w), "o": energy(theta_o),
                                  "seed": st.integers(0, 2**31 - 1)})


def base_sizes(d_s: int, d_w: int, regime: Regime | None = None) -> tuple[int, int]:
    """``(n_base, N_base)``: the smallest sample sizes of the regime before its margins,
    ``max(max(d_s, d_w) + 1, ceil(n_ratio max(d_s, d_w)))`` and ``max(d_s + 1, ceil(N_ratio d_s))``."""
    r = regime or Regime()
    dmax = max(d_s, d_w)
    return max(dmax + 1, math.ceil(r.n_ratio * dmax)), max(d_s + 1, math.ceil(r.N_ratio * d_s))


def sample_sizes(d_s: int, d_w: int, regime: Regime | None = None) -> st.SearchStrategy:
    """``(n, N)`` inside the regime's margins above the interpolation thresholds."""
    r = regime or Regime()
    n_base, N_base = base_sizes(d_s, d_w, r)
    return st.tuples(st.integers(n_base + r.n_margin[0], n_base + r.n_margin[1]),
                     st.integers(N_base + r.N_margin[0], N_base + r.N_margin[1]))


@functools.lru_cache(maxsize=None)
def _cached_cosines(k: int, overlap: tuple) -> st.SearchStrategy:
    return canonical_cosines(k, overlap)


@functools.lru_cache(maxsize=None)
def _cached_parts(r: Regime) -> dict:
    # The sub-strategies of a regime that do not depend on the drawn dimensions. Hypothesis
    # works out each new strategy object's properties (emptiness, labels, validation) on its
    # first draw, which cost more than the draw itself when configs() built them afresh for
    # every example; the same objects give the same examples.
    return {"d_s": st.integers(*r.d_s), "d_w": st.integers(*r.d_w),
            "sigma2": noise_levels(*r.sigma2),
            "theta": target_energies(r.theta_s, r.theta_w, r.theta_o)}


@functools.lru_cache(maxsize=None)
def _cached_sizes(d_s: int, d_w: int, r: Regime) -> st.SearchStrategy:
    return sample_sizes(d_s, d_w, r)


@st.composite
def configs(draw, regime: Regime | None = None) -> dict:
    """Configurations (plain dicts, see the module docstring) inside ``regime``."""
    r = regime or Regime()
    parts = _cached_parts(r)
    d_s = draw(parts["d_s"])
    d_w = draw(parts["d_w"])
    n, N = draw(_cached_sizes(d_s, d_w, r))
    cfg = {
        "d_s": d_s, "d_w": d_w, "n": n, "N": N,
        "sigma2": draw(parts["sigma2"]),
        "cosines": draw(_cached_cosines(min(d_s, d_w), r.overlap)),
        "theta": draw(parts["theta"]),
        "features": r.features, "noise": r.noise,
    }
    if r.where is not None:
        # config_geometry: the numbers of geometry(cfg) (the same canonical bases and target)
        # without building a Scenario
        assume(r.where({**cfg, **config_geometry(cfg)}))
    return cfg


def scenarios(regime: Regime | None = None) -> st.SearchStrategy:
    """``numeric.Scenario`` objects inside ``regime`` (built from :func:`configs`)."""
    return configs(regime).map(scenario_from_config)


# --- configuration -> scenario, seeds ---------------------------------------------------------

def canonical_json(obj) -> str:
    """Canonical JSON (sorted keys, no whitespace) used for hashing configurations."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


class _PoolFull(BaseException):
    """Raised inside a Hypothesis test to end its run once the pool is full. A BaseException,
    not an Exception: Hypothesis passes it through instead of recording a failing example."""


def distinct_examples(strategy: st.SearchStrategy, pool: int, seed: int, max_examples: int,
                      key: Callable | None = None) -> list:
    """The first ``pool`` distinct examples (by ``key``, default canonical JSON / ``repr``) of
    one Hypothesis run of ``strategy`` seeded with ``seed``, generating at most ``max_examples``
    examples (fewer are returned if the run ends first, or if the strategy's filters reject
    everything).

    The run stops as soon as the pool is full: the examples a longer run would generate after
    that are never used, so stopping changes no result and saves the rest of the run (two
    thirds of it for :meth:`verify.context.Context.draw`). Deterministic in ``(strategy, seed,
    pool, max_examples)``: Hypothesis' example database and health checks are off."""
    # deliberate: Hypothesis' runner is only needed when drawing, not for the strategies
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis.errors import Unsatisfiable

    key = key or _example_key
    found: dict = {}

    @hseed(int(seed))
    @settings(max_examples=int(max_examples), database=None, derandomize=False, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def collect(x):
        found.setdefault(key(x), x)
        if len(found) >= pool:
            raise _PoolFull

    try:
        with _without_local_constants():
            collect()
    except _PoolFull:
        pass
    except Unsatisfiable:
        pass  # the strategy's filters rejected everything: return what was found (maybe nothing)
    return list(found.values())


@contextlib.contextmanager
def _without_local_constants():
    """Hypothesis (>= 6.131) draws, with a small probability, numeric literals harvested from
    the "local" (non-site-packages) modules loaded at the time: the examples then depend on
    which of this project's modules happen to be imported and on every literal in them, so a
    run's configurations changed with the entry point, the claims selected and unrelated code
    edits. Inside this context that pool is empty (Hypothesis' own global constants stay), so
    the examples depend only on the strategy, the seed and the Hypothesis version. A no-op
    where Hypothesis has no such pool."""
    try:
        from hypothesis.internal.conjecture import providers  # deliberate: internal, optional
        get, cache, empty = providers._get_local_constants, providers.CONSTANTS_CACHE, providers.Constants()
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.cache.clear()  # the cache holds constants allowed per choice kind, local ones included
    try:
        yield
    finally:
        providers._get_local_constants = get
        cache.cache.clear()


def _example_key(x) -> str:
    return canonical_json(x) if isinstance(x, (dict, list)) else repr(x)


def config_seed(config: dict, run_seed: int) -> int:
    """Simulation seed of a configuration: a 128-bit integer drawn from
    ``SeedSequence([run_seed, *sha256(canonical_json(config))])``."""
    if not isinstance(run_seed, (int, np.integer)) or run_seed < 0:
        raise ValueError(f"run_seed must be an integer >= 0, got {run_seed!r}")
    digest = hashlib.sha256(canonical_json(config).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 32, 4)]
    state = np.random.SeedSequence([int(run_seed), *words]).generate_state(4, np.uint32)
    return int(sum(int(w) << (32 * i) for i, w in enumerate(state)))


def validate_config(config: dict) -> None:
    """Raise ``ValueError`` naming the offending key of a malformed configuration."""
    for key in ("d_s", "d_w", "n", "N"):
        v = config.get(key)
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"config[{key!r}] must be an integer >= 1, got {v!r}")
    s2 = config.get("sigma2")
    if not isinstance(s2, (int, float)) or not s2 > 0:
        raise ValueError(f"config['sigma2'] must be > 0, got {s2!r}")
    k = min(config["d_s"], config["d_w"])
    cos = config.get("cosines")
    if not isinstance(cos, (list, tuple)) or len(cos) != k or any(not 0 <= c <= 1 for c in cos):
        raise ValueError(f"config['cosines'] must be {k} numbers in [0, 1], got {cos!r}")
    th = config.get("theta", {})
    for part in ("s", "w", "o"):
        if not th.get(part, 0.0) >= 0:
            raise ValueError(f"config['theta'][{part!r}] must be >= 0, got {th.get(part)!r}")
    check_law(config.get("features", "gaussian"), "config['features']")
    check_law(config.get("noise", "gaussian"), "config['noise']")


def _theta(config: dict, V_s: np.ndarray, V_w: np.ndarray) -> np.ndarray:
    th = config.get("theta") or {}
    D = V_s.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(int(th.get("seed", 0))))
    g_s = rng.standard_normal(V_s.shape[1])
    g_w = rng.standard_normal(V_w.shape[1])
    u_s = V_s @ (g_s / np.linalg.norm(g_s))
    u_w = V_w @ (g_w / np.linalg.norm(g_w))
    e_o = np.zeros(D)
    e_o[D - 1] = 1.0  # canonical basis: the last coordinate is orthogonal to both subspaces
    return (math.sqrt(th.get("s", 0.0)) * u_s + math.sqrt(th.get("w", 0.0)) * u_w
            + math.sqrt(th.get("o", 0.0)) * e_o)


def scenario_from_config(config: dict):
    """The ``numeric.Scenario`` of a configuration (canonical bases, the config's target)."""
    validate_config(config)
    kw = dict(cosines=list(config["cosines"]), features=config.get("features", "gaussian"),
              noise=config.get("noise", "gaussian"))
    base = numeric.Scenario(int(config["d_s"]), int(config["d_w"]), int(config["n"]), int(config["N"]),
                            float(config["sigma2"]), **kw)
    theta = _theta(config, np.asarray(base.V_s), np.asarray(base.V_w))
    return numeric.Scenario(int(config["d_s"]), int(config["d_w"]), int(config["n"]), int(config["N"]),
                            float(config["sigma2"]), theta=theta, **kw)


def config_geometry(config: dict) -> dict:
    """Derived geometry of a configuration, computed directly in the canonical basis.

    The same numbers as :func:`geometry` (``numeric.geometry.derived_geometry`` of the same
    canonical bases and target) without building a ``numeric.Scenario``: about twenty times
    faster, for scoring many candidate configurations (``verify.design``). The configuration
    is not validated.

    Remembered by the configuration's canonical JSON (a run asks for the same corner-grid and
    drawn configurations about four times each: their filters, power-seeking scores, the oracle
    and the simulation); each call returns its own copy of the dict."""
    try:
        key = canonical_json(config)
    except (TypeError, ValueError):       # not plain JSON (e.g. NumPy scalars): not remembered
        return _config_geometry(config)
    g = _GEOMETRY.get(key)
    if g is None:
        if len(_GEOMETRY) >= _GEOMETRY_MAX:
            _GEOMETRY.clear()
        g = _GEOMETRY[key] = _config_geometry(config)
    return dict(g)


_GEOMETRY: dict = {}
_GEOMETRY_MAX = 20_000
"""Configurations remembered at most (a run of all built-in claims asks for about 3,600;
about 1.5 kB each); when full, the memory is cleared and starts again."""


def _config_geometry(config: dict) -> dict:
    d_s, d_w = int(config["d_s"]), int(config["d_w"])
    V_s, V_w = canonical_bases(d_s, d_w, np.asarray(config["cosines"], dtype=float))
    g = derived_geometry(V_s, V_w, _theta(config, V_s, V_w))
    g.update(n=int(config["n"]), N=int(config["N"]), d_s=d_s, d_w=d_w, sigma2=float(config["sigma2"]))
    return g


def geometry(config: dict) -> dict:
    """Derived geometry of a configuration, keyed by the theory symbol names
    (``d_sw, rho_s, rho_w, b_w2s, m_sw, t2, c_sw, p_sw`` plus ``n, N, d_s, d_w, sigma2``)."""
    return dict(scenario_from_config(config).geometry())


# --- exact rational configurations (the complexity claims' exact searches) ---------------------

def pythagorean(t: Fraction) -> tuple[Fraction, Fraction]:
    """Rational point (c, s) on the unit circle: c = (1 - t^2)/(1 + t^2), s = 2t/(1 + t^2)."""
    return (1 - t * t) / (1 + t * t), 2 * t / (1 + t * t)


def rational_geometry(d_s_, d_w_, ts, x, y, z_s, z_w, z_o) -> dict:
    r"""Exact geometry scalars of the canonical basis with rational cosines and target.

    Block i < k = min(d_s, d_w) spans :math:`e_i` (strong) and :math:`e_{d_s + i}`; the weak
    direction is :math:`(c_i, s_i)` with :math:`(c_i, s_i)` from ``ts[i]``; the target has
    coordinates ``(x[i], y[i])`` there, ``z_s`` on strong-only, ``z_w`` on weak-only and ``z_o``
    on the orthogonal coordinate. Returns ``d_sw, rho_s, rho_w, b_w2s, m_sw`` as Fractions.
    """
    k = min(d_s_, d_w_)
    out = dict(d_sw=Fraction(0), rho_s=Fraction(0), rho_w=Fraction(0), b_w2s=Fraction(0),
               m_sw=Fraction(0))
    for i in range(k):
        c, s = pythagorean(ts[i])
        p = c * x[i] + s * y[i]  # coordinate of theta along the weak direction
        out["d_sw"] += c * c
        out["rho_s"] += y[i] ** 2
        out["rho_w"] += x[i] ** 2 + y[i] ** 2 - p * p
        out["b_w2s"] += (x[i] - c * p) ** 2 + y[i] ** 2
        out["m_sw"] += (s * p) ** 2
    for z in z_s:  # in V_s, orthogonal to V_w
        out["rho_w"] += z * z
        out["b_w2s"] += z * z
    for z in z_w:  # in V_w, orthogonal to V_s
        out["rho_s"] += z * z
        out["b_w2s"] += z * z
        out["m_sw"] += z * z
    out["rho_s"] += z_o * z_o
    out["rho_w"] += z_o * z_o
    out["b_w2s"] += z_o * z_o
    return out


def _exact_coordinates(size: Fraction):
    """Rational target coordinates in [-size, size], multiples of 1/16."""
    k = int(size * 16)
    return st.integers(-k, k).map(lambda j: Fraction(j, 16))


@st.composite
def exact_points(draw, bias=True, max_dim=8, max_n=300, max_N=400, size=Fraction(3)):
    """Geometrically consistent exact configurations (a dict of Fractions / ints).

    Shrinks towards small dimensions, small ``n`` and ``N`` just above the OLS thresholds,
    full overlap and a zero target: ``hypothesis.find`` returns minimal counterexamples. The
    built-in exact searches draw the same family directly (:mod:`verify.exact_sampler`, about a
    thousand times faster a point); this strategy stays for users' own Hypothesis tests.
    """
    ds = draw(st.integers(1, max_dim))
    dw = draw(st.integers(1, max_dim))
    k = min(ds, dw)
    ts = [Fraction(draw(st.integers(0, 10)), 10) for _ in range(k)]
    coord = (st.one_of(st.just(Fraction(0)), _exact_coordinates(size)) if bias else st.just(Fraction(0)))
    x = [draw(coord) for _ in range(k)]
    y = [draw(coord) for _ in range(k)]
    z_s = [draw(coord) for _ in range(max(0, ds - dw))]
    z_w = [draw(coord) for _ in range(max(0, dw - ds))]
    z_o = draw(coord)
    g = rational_geometry(ds, dw, ts, x, y, z_s, z_w, z_o)
    # Half the draws put n and N within a few dimensions of the OLS thresholds and of
    # N = 2 d_s + 1, where the bounds are tightest; the rest range widely.
    nn = max(ds, dw) + 2 + draw(st.one_of(st.integers(0, 2 * dw + 2), st.integers(0, max_n)))
    NN = ds + 2 + draw(st.one_of(st.integers(0, 2 * ds + 2), st.integers(0, max_N)))
    s2 = Fraction(draw(st.integers(1, 64)), 16)
    return dict(n=nn, N=NN, d_s=ds, d_w=dw, sigma2=s2, **g, cos_t=[str(t) for t in ts])


GAP = 8
"""Default minimum distance (in samples) of every checked fit from its threshold."""


# --- configurations with each fit in a given regime (verify.claimsets.regimes) ---------------------------------------------------------------------------
def _regime_sizes(draw, regime: str, gap: int, small=(2, 6), span=24):
    """(dimension, samples) with samples in ``regime`` at least ``gap`` from the threshold.

    Dimensions >= 2 and at least 3 samples in an interpolating fit: with one feature or one
    sample the per-trial risks are products of chi-squares with one degree of freedom, whose
    spread makes a 10 % resolution unaffordable within the trial budget.
    """
    if regime == "ols":
        d = draw(st.integers(*small))
        return d, draw(st.integers(d + gap, d + gap + span))
    d = draw(st.integers(gap + 3, gap + 12))
    return d, draw(st.integers(3, d - gap))


@st.composite
def regime_configs(draw, teacher: str = "ols", student: str = "ols", gap: int = GAP,
                   theta_s=(0.0, 1.0), theta_w=(0.0, 1.0), theta_o=(0.0, 1.0),
                   overlap=("random", "integer")) -> dict:
    """Configurations with the teacher (``n`` vs ``d_w``) and student (``N`` vs ``d_s``) in the
    given regimes, each at least ``gap`` samples from its threshold."""
    d_w_, n_ = _regime_sizes(draw, teacher, gap)
    d_s_, N_ = _regime_sizes(draw, student, gap, span=40)
    return _finish(draw, d_s_, d_w_, n_, N_, theta_s, theta_w, theta_o, overlap)


@st.composite
def single_interp_configs(draw, model: str, gap: int = GAP) -> dict:
    """Configurations where ``model`` (weak, strong, ceiling) interpolates, ``gap`` samples below
    its threshold (at least 3 samples; the ceiling's ``n + N`` at least 4)."""
    if model == "weak":
        return draw(regime_configs("interp", "ols", gap))
    d_s_ = draw(st.integers(gap + 4, gap + 12))
    d_w_ = draw(st.integers(2, 6))
    if model == "strong":
        n_ = draw(st.integers(3, d_s_ - gap))
        N_ = draw(st.integers(d_s_ + gap, d_s_ + gap + 40))
    else:                                            # ceiling: n + N <= d_s - gap
        n_ = draw(st.integers(2, d_s_ - gap - 2))
        N_ = draw(st.integers(2, d_s_ - gap - n_))
    return _finish(draw, d_s_, d_w_, n_, N_, (0.0, 1.0), (0.0, 1.0), (0.0, 1.0),
                   ("random", "integer"))


def _finish(draw, d_s_, d_w_, n_, N_, theta_s, theta_w, theta_o, overlap):
    return {"d_s": d_s_, "d_w": d_w_, "n": n_, "N": N_, "sigma2": draw(noise_levels(0.1, 1.0)),
            "cosines": draw(canonical_cosines(min(d_s_, d_w_), overlap)),
            "theta": draw(target_energies(theta_s, theta_w, theta_o)),
            "features": "gaussian", "noise": "gaussian"}
