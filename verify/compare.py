r"""Every form of the theory next to the simulation, for one scenario.

:func:`compare` is what ``python -m verify point`` prints and what ``python -m verify paper``
records at each grid point. The theory is evaluated by :func:`theory_values`, which is vectorised
(broadcasting NumPy through :func:`theory.lambdify_numpy`) and returns NaN, never garbage, wherever
an expression's validity conditions fail; :func:`violated_conditions` says which.

Quantities: the expected excess risks ``weak, strong, ceiling, w2s`` and the ratios of expected
risks

.. math::
    \mathrm{PGR} = \frac{E\,\mathrm{ER}_w - E\,\mathrm{ER}_{w2s}}{E\,\mathrm{ER}_w - E\,\mathrm{ER}_c},
    \qquad
    \mathrm{OPR} = \frac{E\,\mathrm{ER}_s}{E\,\mathrm{ER}_{w2s}},

in the ``exact`` form and the ``paper`` form, plus the paper's PGR/OPR lower bounds. The
``exact`` risks are the piecewise forms of :mod:`theory.regimes` (``risk.<model>.piecewise``:
OLS or interpolating, whichever regime applies; ``notes/regimes.md``); within one sample of an
interpolation threshold the expectation is infinite, which :func:`infinite_mask` marks (the value
is NaN there, never a number). The exact PGR/OPR are the ratios of the exact risks. All exact
values assume Gaussian features (:func:`caveats`). The simulation reports the same ratios in two senses: the ratio of the mean
risks (``pgr_of_means``, an estimate of the quantity above) and the mean of per-trial ratios
(``mean_of_pgr``, what the authors' notebook plots; Jensen-biased).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp

import numeric
import theory
from numeric.validation import check_scalar
from theory.formulas import MEANS as SIM_MEANS, MODELS as RISKS, QUANTITIES
from verify import stats as vstats
from verify.jsonsafe import jsonable
from verify.observation import NUMERICAL_FLOOR

FORMS = ("exact", "paper")
BOUNDS = {"pgr": "pgr.lower_bound", "opr": "opr.lower_bound"}

# d_sw is a float sum of squared cosines; an excess over min(d_s, d_w) this small is rounding.
_REL_TOL = 1e-9


def formula_name(quantity: str, form: str) -> str:
    """Registered theory name of ``quantity`` in ``form`` (``"bound"`` for the lower bounds).

    The exact risks are ``risk.<model>.piecewise`` (every regime); the exact PGR/OPR have no
    single registered name in every regime (they are ratios of the exact risks, see
    :func:`theory_values`) and map to ``pgr.exact``/``opr.exact``, the OLS-regime forms.
    """
    if form == "bound":
        if quantity not in BOUNDS:
            raise ValueError(f"quantity must be one of {tuple(BOUNDS)} for bounds, got {quantity!r}")
        return BOUNDS[quantity]
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS} or 'bound', got {form!r}")
    if quantity in RISKS:
        return f"risk.{quantity}.{'piecewise' if form == 'exact' else form}"
    if quantity in ("pgr", "opr"):
        return f"{quantity}.{form}"
    raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")


# Fits behind each model's risk: (samples, dimension) names; the W2S student's fit is the second.
_FITS = {"weak": (("n", "d_w"),), "strong": (("n", "d_s"),), "ceiling": (("n+N", "d_s"),),
         "w2s": (("n", "d_w"), ("N", "d_s"))}
# Which risks each ratio is made of.
_RATIO_PARTS = {"pgr": ("weak", "w2s", "ceiling"), "opr": ("strong", "w2s")}


def _samples(name: str, values: dict):
    if name == "n+N":
        return np.asarray(values["n"], dtype=float) + np.asarray(values["N"], dtype=float)
    return np.asarray(values[name], dtype=float)


def infinite_mask(model: str, values: dict) -> np.ndarray:
    r"""Where the exact expectation of ``model``'s risk (or of a ratio made of it) is infinite.

    A min-norm fit on :math:`m` samples of :math:`d` features has an inverse-Wishart factor
    with no finite mean when :math:`|m - d| \le 1` (``theory.regimes``); the W2S student's band
    is finite in the degenerate case :math:`d_{sw} = d_w` (exactly representable pseudo-labels).
    """
    if model in _RATIO_PARTS:
        out = False
        for part in _RATIO_PARTS[model]:
            out = out | infinite_mask(part, values)
        return np.asarray(out)
    if model not in _FITS:
        raise ValueError(f"model must be one of {QUANTITIES}, got {model!r}")
    values = _clean(values)
    masks = [np.abs(_samples(m, values) - np.asarray(values[d], dtype=float)) <= 1
             for m, d in _FITS[model]]
    if model == "w2s":
        degenerate = np.asarray(values["d_sw"], dtype=float) == np.asarray(values["d_w"], dtype=float)
        return masks[0] | (masks[1] & ~degenerate)
    return masks[0]


def regimes(values: dict) -> dict:
    """Which regime of :mod:`theory.regimes` applies to each model at scalar ``values``.

    Returns
    -------
    dict
        ``{model: text}``, e.g. ``"OLS (n > d_w + 1)"``, ``"interpolating (n < d_w - 1)"``,
        ``"infinite expectation (|n - d_w| <= 1)"``; for ``w2s`` the teacher's and the
        student's regimes joined by ``"; "``.
    """
    def one(m, d, who=""):
        ms, dv = float(_samples(m, values)), float(values[d])
        label = m.replace("+", " + ")
        if ms > dv + 1:
            text = f"OLS ({label} > {d} + 1)"
        elif ms < dv - 1:
            text = f"interpolating ({label} < {d} - 1)"
        else:
            text = f"infinite expectation (|{label} - {d}| <= 1)"
        return who + text

    out = {model: one(*fits[0]) for model, fits in _FITS.items() if model != "w2s"}
    teacher, student = _FITS["w2s"]
    s = one(*student, "student ")
    if float(values["d_sw"]) == float(values["d_w"]) and "infinite" in s:
        s = "student at its threshold, finite since d_sw = d_w (exactly representable labels)"
    out["w2s"] = one(*teacher, "teacher ") + "; " + s
    return out


def caveats(features: str | None) -> list[str]:
    """What the exact values assume that a scenario may not satisfy (today: Gaussian features)."""
    if features in (None, "gaussian"):
        return []
    return [f"the exact and paper values are derived for Gaussian features; these features are "
            f"{features}, so they are the Gaussian-feature values, not this scenario's "
            f"expectations, and a deviation from them need not mean a wrong formula"]


@lru_cache(maxsize=None)
def _compiled(name: str):
    func = theory.lambdify_numpy(name)
    checks = []
    for cond in func.conditions:
        syms = sorted(cond.free_symbols, key=lambda s: s.name)
        if not isinstance(cond, sp.core.relational.Relational):
            # A compound condition (Or/And, e.g. the piecewise W2S risk's finiteness): NumPy's
            # logical functions evaluate it elementwise.
            checks.append((cond, [s.name for s in syms], sp.lambdify(syms, cond, "numpy", docstring_limit=0)))
            continue
        diff = sp.lambdify(syms, cond.lhs - cond.rhs, "numpy", docstring_limit=0)
        checks.append((cond, [s.name for s in syms], diff))
    return func, [s.name for s in func.symbols], checks


def _inputs(names, values) -> dict:
    missing = [k for k in names if k not in values]
    if missing:
        raise ValueError(f"theory values need {', '.join(missing)}")
    return {k: np.asarray(values[k], dtype=float) for k in names}


def _clean(values: dict) -> dict:
    """Clip d_sw onto min(d_s, d_w) where it exceeds it by rounding only (it is a float sum of
    squared cosines; the theory checks d_sw <= d_s exactly)."""
    if not all(k in values for k in ("d_sw", "d_s", "d_w")):
        return values
    d_sw = np.asarray(values["d_sw"], dtype=float)
    cap = np.minimum(np.asarray(values["d_s"], dtype=float), np.asarray(values["d_w"], dtype=float))
    rounding = (d_sw > cap) & (d_sw - cap <= _REL_TOL * cap)
    if not np.any(rounding):
        return values
    return {**values, "d_sw": np.where(rounding, cap, d_sw)}


def _holds(cond, diff, args) -> np.ndarray:
    if not isinstance(cond, sp.core.relational.Relational) and args:
        # SymPy's Or/And reduce over a tuple of their operands' arrays: broadcast them first.
        args = dict(zip(args, np.broadcast_arrays(*args.values())))
    with np.errstate(all="ignore"):
        d = np.asarray(diff(**args))
    if not isinstance(cond, sp.core.relational.Relational):
        return d.astype(bool)
    d = d.astype(float)
    if isinstance(cond, sp.StrictGreaterThan):
        return d > 0
    if isinstance(cond, sp.StrictLessThan):
        return d < 0
    if isinstance(cond, sp.GreaterThan):
        return d >= 0
    if isinstance(cond, sp.LessThan):
        return d <= 0
    if isinstance(cond, sp.Equality):
        return d == 0
    return d != 0  # sp.Unequality


def valid_mask(name: str, values: dict) -> np.ndarray:
    """Boolean array: where every validity condition of formula ``name`` holds
    (``theory.conditions(name)``, the conditions :func:`theory.lambdify_numpy` checks)."""
    func, names, checks = _compiled(name)
    values = _clean(values)
    args = _inputs(names, values)
    mask = np.ones(np.broadcast_shapes(*(a.shape for a in args.values())), dtype=bool)
    for cond, ns, diff in checks:
        mask = mask & _holds(cond, diff, {k: args[k] for k in ns})
    return mask


def violated_conditions(name: str, values: dict) -> list[str]:
    """Conditions of formula ``name`` that fail for scalar ``values`` (as text, e.g. ``N > d_s + 1``)."""
    func, names, checks = _compiled(name)
    args = _inputs(names, _clean(values))
    return [str(cond) for cond, ns, diff in checks
            if not bool(np.all(_holds(cond, diff, {k: args[k] for k in ns})))]


def evaluate(name: str, values: dict) -> np.ndarray:
    """Formula ``name`` at (broadcast) ``values``, NaN wherever its conditions fail.

    Parameters
    ----------
    name : str
        A registered theory name, e.g. ``"risk.w2s.exact"`` or ``"pgr.lower_bound"``.
    values : dict
        Arrays or scalars keyed by theory symbol names (``scenario.geometry()`` has them all).

    Returns
    -------
    numpy.ndarray
        Float array of the broadcast shape, NaN where the expression is undefined (a violated
        condition, or a denominator such as ``ER_w - ER_c`` vanishing to float precision).
    """
    func, names, _ = _compiled(name)
    values = _clean(values)
    args = _inputs(names, values)
    shape = np.broadcast_shapes(*(a.shape for a in args.values()))
    mask = np.broadcast_to(valid_mask(name, values), shape)
    out = np.full(shape, np.nan)
    if not mask.any():
        return out
    sub = {k: np.broadcast_to(a, shape)[mask] for k, a in args.items()}
    try:
        out[mask] = func(**sub)
    except ValueError:
        # A vanishing denominator somewhere: evaluate point by point, NaN where it fails.
        flat = np.flatnonzero(mask.ravel())
        vals = out.reshape(-1)
        for j, i in enumerate(flat):
            try:
                vals[i] = func(**{k: v[j] for k, v in sub.items()})
            except ValueError:
                vals[i] = np.nan
        out = vals.reshape(shape)
    return out


def theory_values(values: dict, forms=FORMS) -> dict:
    """Every quantity in every form, plus the paper's bounds, at (broadcast) ``values``.

    Returns
    -------
    dict
        ``{form: {quantity: ndarray}}`` for each form in ``forms`` and
        ``{"bound": {"pgr": ndarray, "opr": ndarray}}``; NaN where undefined.
    """
    # Every output gets the shape of all inputs, also where a formula ignores some of them.
    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))

    def ev(q, form):
        return np.broadcast_to(evaluate(formula_name(q, form), values), shape).copy()

    out = {}
    for form in forms:
        out[form] = {q: ev(q, form) for q in RISKS}
        if form == "exact":
            # Ratios of the exact (piecewise) risks: defined in every regime, not only OLS.
            r = out[form]
            with np.errstate(divide="ignore", invalid="ignore"):
                out[form]["pgr"] = (r["weak"] - r["w2s"]) / (r["weak"] - r["ceiling"])
                out[form]["opr"] = r["strong"] / r["w2s"]
            for q in ("pgr", "opr"):
                v = np.asarray(out[form][q], dtype=float)
                out[form][q] = np.where(np.isfinite(v), v, np.nan)
        else:
            out[form].update({q: ev(q, form) for q in ("pgr", "opr")})
    out["bound"] = {q: ev(q, "bound") for q in BOUNDS}
    return out


def _float(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _seed_json(seed):
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy) if np.ndim(seed.entropy) == 0 else
                [int(e) for e in seed.entropy], "spawn_key": [int(k) for k in seed.spawn_key]}
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    return seed


def scenario_summary(scenario) -> dict:
    """Inputs and derived geometry of a scenario (JSON-ready)."""
    geometry = {k: (int(v) if k in ("n", "N", "d_s", "d_w") else float(v))
                for k, v in scenario.geometry().items()}
    for key in ("features", "noise"):
        value = getattr(scenario, key, None)
        if value is not None:
            geometry[key] = value if isinstance(value, (str, int, float)) else str(value)
    geometry["D"] = int(np.shape(scenario.V_s)[0])
    return geometry


def _skewness(result) -> dict | None:
    """Sample skewness of what each test studentises (per-trial risks; the influence values of
    PGR/OPR of means), or None when the per-trial values were not kept."""
    pt = getattr(result, "per_trial", None)
    if pt is None:
        return None
    pt = {k: np.asarray(v, dtype=float) for k, v in pt.items()}
    out = {k: vstats.mean_estimate(pt[k]).skewness for k in SIM_MEANS}
    with np.errstate(all="ignore"):
        for q, (a, b) in (("pgr", (pt["weak"] - pt["w2s"], pt["weak"] - pt["ceiling"])),
                          ("opr", (pt["strong"], pt["w2s"]))):
            try:
                out[q] = vstats.ratio_estimate(a, b).skewness
            except ValueError:      # a zero denominator: the ratio is undefined, not tested
                out[q] = None
    return {k: (None if v is None or not math.isfinite(v) else float(v)) for k, v in out.items()}


def simulation_summary(result) -> dict:
    """The simulation half of :func:`compare` (JSON-ready except NaN, which :func:`compare` maps
    to ``None``). ``skewness`` (per quantity, when the per-trial values are at hand) makes the
    tests of :func:`deviations` Hall's skewness-corrected ones."""
    return {
        "skewness": _skewness(result),
        "engine": result.engine,
        "trials": int(result.trials),
        "seed": _seed_json(result.seed),
        "mean": {k: float(result.mean[k]) for k in SIM_MEANS},
        "stderr": {k: float(result.stderr[k]) for k in SIM_MEANS},
        "pgr_of_means": float(result.pgr_of_means),
        "pgr_of_means_se": float(result.pgr_of_means_se),
        "opr_of_means": float(result.opr_of_means),
        "opr_of_means_se": float(result.opr_of_means_se),
        "mean_of_pgr": float(result.mean_of_pgr),
        "mean_of_pgr_se": float(result.stderr["pgr"]),
        "mean_of_opr": float(result.mean_of_opr),
        "mean_of_opr_se": float(result.stderr["opr"]),
    }


def simulated(sim: dict, quantity: str) -> tuple[float, float]:
    """(estimate, standard error) of the expectation-level ``quantity`` from a simulation summary:
    the mean risk, or for PGR/OPR the ratio of mean risks (delta-method SE)."""
    if quantity in SIM_MEANS:
        return sim["mean"][quantity], sim["stderr"][quantity]
    return sim[f"{quantity}_of_means"], sim[f"{quantity}_of_means_se"]


def t_test(estimate: float, se: float, target: float, df: int | None,
           scale: float | None = None) -> tuple[float, float]:
    """Two-sided test of ``E[estimate] = target``: (statistic, p) by :func:`verify.stats.t_test`
    -- Student t with ``df`` degrees of freedom for a sample mean, normal (``df=None``) for a
    delta-method ratio.

    The SE gets the claims' relative floor (:data:`verify.observation.NUMERICAL_FLOOR` times
    ``scale``, default ``|target|`` or 1): a quantity that is exactly 0 in theory (PGR when the
    student copies its teacher) comes out as about 1e-15 from float geometry while its
    simulated SE is at rounding level too; without the floor that tie reads as z = 3000.
    """
    if not (math.isfinite(target) and math.isfinite(estimate) and se >= 0):
        return math.nan, math.nan
    if scale is None:
        scale = abs(target) or 1.0
    return vstats.t_test(estimate, math.hypot(se, NUMERICAL_FLOOR * scale), target, df)


def hall_test(estimate: float, se: float, target: float, skewness: float, trials: int,
              scale: float | None = None) -> tuple[float, float]:
    """Two-sided test of ``E[estimate] = target`` by Hall's skewness-corrected statistic
    (:func:`verify.stats.p_value`): (studentised statistic, p), the SE with the same floor as
    :func:`t_test`; ``(z, nan)`` -- not tested -- below :data:`verify.stats.MIN_TRIALS` trials."""
    if not (math.isfinite(target) and math.isfinite(estimate) and se >= 0):
        return math.nan, math.nan
    if scale is None:
        scale = abs(target) or 1.0
    se_f = math.hypot(se, NUMERICAL_FLOOR * scale)
    z = (estimate - target) / se_f
    if not vstats.valid_sample(trials):
        return float(z), math.nan
    return float(z), vstats.p_value(estimate, se_f, target, "two-sided", skewness=skewness, trials=trials)


def deviations(theory_scalars: dict, sim: dict) -> dict:
    """Per quantity: theory values, the simulation estimate and its SE, relative errors, and the
    two-sided test of the simulation against each form: Hall's skewness-corrected test when the
    simulation summary has the skewness (:func:`hall_test`; not run below
    :data:`verify.stats.MIN_TRIALS` trials), else the t test (:func:`t_test`)."""
    out = {}
    skew = sim.get("skewness") or {}
    for q in QUANTITIES:
        est, se = simulated(sim, q)
        exact, paper = theory_scalars["exact"][q], theory_scalars["paper"][q]
        df = sim["trials"] - 1 if q in RISKS else None
        if skew.get(q) is not None:
            def test(e, s, target, _df, unit, g=skew[q]):
                return hall_test(e, s, target, g, sim["trials"], unit)
        else:
            test = t_test
        row = {
            "exact": exact,
            "paper": paper,
            "simulated": est,
            "se": se,
            "paper_minus_exact": paper - exact,
            "sim_minus_exact": est - exact,
            "rel_paper_vs_exact": (paper - exact) / exact if exact else math.nan,
            "rel_sim_vs_exact": (est - exact) / exact if exact else math.nan,
            "rel_se": se / abs(exact) if exact else math.nan,
        }
        # PGR and OPR are ratios of scale 1 (PGR may be 0); a risk's scale is its value.
        unit = 1.0 if q in ("pgr", "opr") else None
        row["z_vs_exact"], row["p_vs_exact"] = test(est, se, exact, df, unit)
        row["z_vs_paper"], row["p_vs_paper"] = test(est, se, paper, df, unit)
        if q in BOUNDS:
            bound = theory_scalars["bound"][q]
            row["lower_bound"] = bound
            row["bound_minus_exact"] = bound - exact  # > 0: the bound fails
            row["mean_of_ratios"] = sim[f"mean_of_{q}"]
            row["mean_of_ratios_se"] = sim[f"mean_of_{q}_se"]
        out[q] = row
    return out


def build_record(scenario_info: dict, values: dict, sim: dict, theory_scalars=None) -> dict:
    """Assemble a :func:`compare` record from its parts (the paper study evaluates the theory
    for all grid points at once and passes each point's ``theory_scalars``).

    Parameters
    ----------
    scenario_info : dict
        :func:`scenario_summary` of the scenario.
    values : dict
        Theory inputs (``scenario.geometry()``).
    sim : dict
        :func:`simulation_summary` of the simulation.
    theory_scalars : dict, optional
        ``{form: {quantity: float}}`` as from :func:`theory_values` at ``values``.
    """
    if theory_scalars is None:
        theory_scalars = theory_values(values)
    scalars = {form: {q: float(v) for q, v in d.items()} for form, d in theory_scalars.items()}
    infinite = {q: bool(infinite_mask(q, values)) for q in QUANTITIES}
    undefined = {}
    for form in (*FORMS, "bound"):
        names = tuple(BOUNDS) if form == "bound" else QUANTITIES
        undefined[form] = {}
        for q in names:
            if math.isfinite(scalars[form][q]) or (form == "exact" and infinite[q]):
                continue
            if form == "exact" and q in _RATIO_PARTS:
                conds = []
                for part in _RATIO_PARTS[q]:
                    conds += [c for c in violated_conditions(formula_name(part, form), values)
                              if c not in conds]
                undefined[form][q] = conds or ["a nonzero denominator"]
            else:
                undefined[form][q] = violated_conditions(formula_name(q, form), values)
    rec = jsonable({
        "scenario": scenario_info,
        "regime": regimes(values),
        "infinite": [q for q in QUANTITIES if infinite[q]],
        "caveats": caveats(scenario_info.get("features")),
        "theory": scalars,
        "undefined": undefined,
        "simulation": sim,
        "deviation": deviations(scalars, sim),
    })
    for q in rec["infinite"]:
        rec["deviation"][q]["infinite"] = True
    return rec


def compare(scenario, *, trials: int | None = None, seed=None, engine: str = "wishart",
            result=None) -> dict:
    """Every theory form next to the simulation, for one scenario.

    Parameters
    ----------
    scenario : numeric.Scenario
    trials, seed, engine
        Passed to :func:`numeric.simulate` when ``result`` is not given.
    result : numeric.SimulationResult, optional
        An existing simulation of ``scenario`` (then ``trials``/``seed``/``engine`` are ignored).

    Returns
    -------
    dict
        JSON-ready (undefined values are ``None``):

        - ``scenario``: inputs and derived geometry (``d_sw, rho_s, rho_w, b_w2s, m_sw, ...``);
        - ``theory``: ``exact``, ``paper`` (each keyed by ``weak, strong, ceiling, w2s, pgr, opr``)
          and ``bound`` (the paper's ``pgr``/``opr`` lower bounds);
        - ``regime``: per model, the regime of :mod:`theory.regimes` that applies
          (:func:`regimes`);
        - ``infinite``: the quantities whose exact expectation is infinite (their ``exact``
          value is ``None``; a simulated mean there estimates nothing);
        - ``caveats``: what the exact values assume that the scenario does not satisfy
          (:func:`caveats`, e.g. non-Gaussian features);
        - ``undefined``: per form, the violated conditions of each undefined quantity (an
          infinite exact expectation is listed under ``infinite`` instead);
        - ``simulation``: ``engine, trials, seed, mean, stderr`` (keys ``weak, strong, ceiling,
          w2s, misfit``), ``pgr_of_means(_se)``, ``opr_of_means(_se)``, ``mean_of_pgr(_se)``,
          ``mean_of_opr(_se)``;
        - ``deviation``: per quantity, relative errors and tests of the simulation against each
          form (:func:`deviations`).

    Raises
    ------
    ValueError
        Bad ``trials``, ``seed`` or ``engine`` (from :func:`numeric.simulate`).
    """
    if result is None:
        trials = check_scalar(trials, "trials", int, min_val=2)     # a standard error needs 2
        result = numeric.simulate(scenario, trials, seed=seed, engine=engine)
    return build_record(scenario_summary(scenario), scenario.geometry(), simulation_summary(result))
