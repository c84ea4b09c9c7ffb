r"""Double descent of W2S: exact curves (``theory.regimes``) and simulated points (``numeric``).

Two sweeps, each a list of *panels* (one geometry, one swept sample size):

* ``n``: the labelled sample size ``n``, at fixed ``N``, one panel per ``d_w``. The teacher peaks
  at ``n = d_w``, the strong baseline at ``n = d_s``.
* ``N``: the pseudo-label count ``N``, one panel per ``(d_s, teacher)``: the teacher fixed at an
  OLS size and at an interpolating size. The student peaks at ``N = d_s``.

Exact curves are evaluated at every integer of the sweep; within one sample of a fit's threshold
the expectation is infinite (``theory.regimes.InfiniteExpectation``) and the curve is ``NaN``
(a gap). Simulated points (mean +- SE over ``trials`` trials, exact ``wishart`` engine) are
shown for a model only where each fit it depends on is at least :data:`SIM_GAP` samples from its
threshold: closer, the per-trial risk has infinite variance and mean +- SE means nothing.
Every shown point is also a two-sided z-test against the exact value; the tests form one Holm
family at ``alpha``.

Seeds: point ``i`` (in the fixed order of :func:`points`) simulates from
``SeedSequence(seed).spawn(len(points))[i]``, and each of its trial blocks (a task of
``numeric.executors``) from that block's child, so results are bit-identical whatever the
executor, the number of workers, or which tasks a run folder already held.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from numeric import simulate_many
import theory
from theory.regimes import InfiniteExpectation, regime
from verify.strategies import scenario_from_config

MODELS = ("weak", "strong", "w2s")
SIM_GAP = 4
"""Minimum distance from a threshold of every fit behind a simulated point."""
DEFAULT_SEED = 20250205
THETA = {"s": 0.4, "w": 0.4, "o": 0.05, "seed": 1}
SIGMA2 = 1.0


@dataclass(frozen=True)
class Panel:
    """One geometry and one swept sample size (``sweep`` in ``n|N``)."""

    sweep: str
    d_s: int
    d_w: int
    n: int          # fixed n (N sweep) or ignored (n sweep)
    N: int          # fixed N (n sweep) or ignored (N sweep)
    lo: int
    hi: int
    label: str = ""

    def config(self, x: int | None = None) -> dict:
        n, N = self.n, self.N
        if x is not None:
            n, N = (x, N) if self.sweep == "n" else (n, x)
        k = min(self.d_s, self.d_w)
        # Every canonical cosine sqrt(1/2): d_sw = min(d_s, d_w)/2, partial overlap.
        return {"d_s": self.d_s, "d_w": self.d_w, "n": int(n), "N": int(N), "sigma2": SIGMA2,
                "cosines": [math.sqrt(0.5)] * k, "theta": dict(THETA),
                "features": "gaussian", "noise": "gaussian"}

    @property
    def xs(self) -> np.ndarray:
        return np.arange(self.lo, self.hi + 1)


@dataclass
class Layout:
    """The panels of both sweeps."""

    n_panels: list = field(default_factory=list)
    N_panels: list = field(default_factory=list)


def point_count(quick: bool = False) -> int:
    """About how many simulated points per panel the command uses (:func:`sim_xs`)."""
    return 6 if quick else 9


def layout(quick: bool = False) -> Layout:
    """Default panels. ``n`` sweep: ``d_s = 20``, ``N = 120``, ``d_w`` in 10, 30, 50 (quick: 10,
    30). ``N`` sweep: ``d_w = 30``, ``d_s`` in 10, 20, 40 (quick: 10, 20), teacher OLS
    (``n = 90``) and interpolating (``n = 12``)."""
    d_ws = (10, 30) if quick else (10, 30, 50)
    d_ss = (10, 20) if quick else (10, 20, 40)
    out = Layout()
    for d_w in d_ws:
        out.n_panels.append(Panel("n", 20, d_w, 0, 120, 2, 3 * max(d_w, 20),
                                  f"d_w = {d_w} (d_s = 20, N = 120)"))
    for n, kind in ((90, "OLS"), (12, "interpolating")):
        for d_s in d_ss:
            out.N_panels.append(Panel("N", d_s, 30, n, 0, 2, 6 * d_s,
                                      f"d_s = {d_s}, {kind} teacher (n = {n}, d_w = 30)"))
    return out


# --- exact curves ------------------------------------------------------------------------------
def _fits(model: str):
    """Fits (samples-name, dimension-name) behind a model's risk."""
    return {"weak": (("n", "d_w"),), "strong": (("n", "d_s"),),
            "w2s": (("n", "d_w"), ("N", "d_s"))}[model]


def _regime(m, d) -> np.ndarray:
    """:func:`theory.regimes.regime` of each sample size in ``m`` against dimension ``d``,
    ``"band"`` where the expectation is infinite (within one sample of the threshold)."""
    def one(samples):
        try:
            return regime(samples, d)
        except InfiniteExpectation:
            return "band"
    return np.array([one(int(v)) for v in np.ravel(m)]).reshape(np.shape(m))


@lru_cache(maxsize=None)
def _lambda(name: str):
    return theory.lambdify_numpy(name)


def _eval(name: str, values: dict, mask: np.ndarray) -> np.ndarray:
    """The registered formula ``name`` at the sweep points ``mask`` selects (those of its
    regime), through :func:`theory.lambdify_numpy`, which checks the formula's conditions."""
    return _lambda(name)(**{k: (v[mask] if np.ndim(v) else v) for k, v in values.items()})


def exact_curve(model: str, geometry: dict, sweep: str, xs: np.ndarray) -> np.ndarray:
    """Exact expected risk of ``model`` along the sweep; ``NaN`` where it is infinite."""
    xs = np.asarray(xs)
    vals = {k: v for k, v in geometry.items()}
    vals[sweep] = xs.astype(float)
    size = {k: (xs if k == sweep else np.full(xs.shape, geometry[k])) for k in ("n", "N")}
    dims = {"d_s": geometry["d_s"], "d_w": geometry["d_w"]}
    regs = [_regime(size[m], dims[d]) for m, d in _fits(model)]
    out = np.full(xs.shape, np.nan)
    if model == "w2s":
        if geometry["d_sw"] == geometry["d_w"]:
            raise ValueError("d_sw = d_w (V_w inside V_s) is not supported by the double-descent "
                             "figures (the student's band is finite there)")
        for t in ("ols", "interp"):
            for s in ("ols", "interp"):
                mask = (regs[0] == t) & (regs[1] == s)
                if mask.any():
                    out[mask] = _eval(f"risk.w2s.regime.{t}_{s}", vals, mask)
        return out
    for r in ("ols", "interp"):
        mask = regs[0] == r
        if mask.any():
            out[mask] = _eval(f"risk.{model}.regime.{r}", vals, mask)
    return out


def distance(model: str, config: dict) -> int:
    """Smallest ``|samples - dim|`` over the fits behind ``model``'s risk at ``config``."""
    return min(abs(config[m] - config[d]) for m, d in _fits(model))


# --- simulated points ----------------------------------------------------------------------------
def sim_xs(panel: Panel, count: int) -> list[int]:
    """About ``count`` sweep values, log-spaced, at least :data:`SIM_GAP` from the swept fit's
    thresholds (the other fits may still rule a model out at a point)."""
    raw = np.unique(np.round(np.geomspace(panel.lo, panel.hi, 4 * count)).astype(int))
    thresholds = [panel.d_w, panel.d_s] if panel.sweep == "n" else [panel.d_s]
    ok = [int(x) for x in raw if all(abs(x - t) >= SIM_GAP for t in thresholds)]
    idx = np.unique(np.round(np.linspace(0, len(ok) - 1, min(count, len(ok)))).astype(int))
    return [ok[i] for i in idx]


def points(lay: Layout, count: int) -> list[tuple[Panel, int]]:
    """All simulated points, in the fixed order that defines their seeds."""
    return [(p, x) for p in lay.n_panels + lay.N_panels for x in sim_xs(p, count)]


def simulate_points(lay: Layout, count: int, trials: int, seed: int, *, executor=None,
                    store=None, device: str | None = None, progress: bool = False) -> list[dict]:
    """Simulate every point; one record per (point, model) shown.

    Every point is cut into tasks of one seed block and all tasks go to one executor together
    (:func:`numeric.simulate_many`), so the numbers do not depend on the executor, the number
    of workers or what the run folder already held.

    Parameters
    ----------
    lay : Layout
    count : int
        About how many points per panel (:func:`sim_xs`).
    trials : int
        Trials per point.
    seed : int
        Root seed; point ``i`` (in :func:`points` order) uses ``SeedSequence(seed).spawn()[i]``.
    executor : numeric.executors.Executor, optional
        Default: this process (:class:`numeric.executors.SerialExecutor`). Not closed here.
    store : numeric.store.RunStore or path, optional
        Resumable run folder: finished tasks are read back, new ones written as they finish.
    device : str, optional
        Array-API device of the engine (``numeric.simulate``'s ``device``).
    progress : bool
        Show a progress bar on a terminal.

    Returns
    -------
    list of dict
        One record per (point, model) shown. How the tasks ran (read back, run, retried) is
        in ``executor.totals``.
    """
    pts = points(lay, count)
    seqs = np.random.SeedSequence(seed).spawn(len(pts))
    configs = [panel.config(x) for panel, x in pts]
    jobs = [(scenario_from_config(cfg), trials, ss, "auto") for cfg, ss in zip(configs, seqs)]
    summaries = [None] * len(pts)

    def keep(j, res):                    # keep the means, drop the per-trial arrays
        summaries[j] = (res.engine, {m: (float(res.mean[m]), float(res.stderr[m]))
                                     for m in MODELS})

    simulate_many(jobs, executor=executor, store=store, quiet=not progress, on_result=keep,
                  device=device)
    records = []
    geo_cache = {}
    for (panel, x), cfg, (engine, summary) in zip(pts, configs, summaries):
        key = panel.label       # the geometry holds the panel's fixed sample size too
        if key not in geo_cache:
            geo_cache[key] = geometry_of(panel)
        g = geo_cache[key]
        for model in MODELS:
            if distance(model, cfg) < SIM_GAP:
                continue
            exact = float(exact_curve(model, g, panel.sweep, np.array([x]))[0])
            mean, se = summary[model]
            z = (mean - exact) / se if se > 0 else math.nan
            records.append({"sweep": panel.sweep, "panel": panel.label, "d_s": panel.d_s,
                            "d_w": panel.d_w, "n": cfg["n"], "N": cfg["N"], "x": x,
                            "model": model, "exact": exact, "mean": mean, "se": se, "z": z,
                            "trials": trials, "engine": engine})
    return records


def geometry_of(panel: Panel) -> dict:
    """Theory symbol values of a panel's geometry (independent of ``n`` and ``N``)."""
    g = scenario_from_config(panel.config(panel.lo)).geometry()
    return {k: (int(v) if k in ("n", "N", "d_s", "d_w") else float(v)) for k, v in g.items()}
