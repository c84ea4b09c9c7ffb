r"""Claims beyond the paper (issue 8): every parameterization regime and the finite-N misfit
identity (theory.md sections 6-7; derivations in notes/regimes.md).

* ``regimes.w2s.<teacher>_<student>``: the exact W2S risk and misfit in each of the four regimes
  (``ols``: samples > dimension + 1; ``interp``: samples < dimension - 1), against
  ``risk.w2s.regime.*`` and ``misfit.regime.*``.
* ``regimes.<model>.interp``: the single models (weak, strong baseline, ceiling) when they
  interpolate, against ``risk.<model>.regime.interp``.
* ``regimes.misfit_identity.r_sw0``: :math:`E[\mathrm{gain}] = E[\mathrm{misfit}]
  (N - 2d_s - 1)/(N - 1)` whenever :math:`r_{sw} = \theta^\top (I - P_s) P_w \theta = 0`, with an
  OLS or interpolating teacher; targets :math:`\theta = a u_s + c e_o` (realizable when
  ``c = 0``; for ``c > 0`` not realizable, yet :math:`r_{sw} = 0`).
* ``regimes.misfit_gap.exact``: without realizability the defect is exactly
  ``theory.regimes.gain_misfit_gap`` (:math:`-2k r_{sw}` for an OLS student), in all four regimes;
  ``regimes.misfit_gap.zero`` is the KNOWN-FALSE claim that the defect is 0 there.
* Symbolic: the OLS/OLS regime and the OLS single models are the paper-era exact forms; the
  defect of the identity; its ``N -> oo`` limit (Charikar et al.'s equality); the discrepancy
  virtue with an interpolating teacher.

Statistical claims test every fit they check at least :data:`GAP` samples away from its
threshold. Within one sample the expectation is infinite (``theory.regimes.InfiniteExpectation``):
explicit configurations there are rejected when the claim is built, and, if a claim is built
with ``on_infinite="report"``, reported by an inconclusive deterministic observation that says
so and carries no number. Between 2 and ``MIN_GAP - 1`` samples the expectation is finite but the
per-trial risk has infinite variance (the inverse-Wishart second moment needs
``|m - d| >= 4``), so a z-test would not be valid; such gaps are rejected too.

Simulations: small dimensions (``<= 2 GAP + 10`` features), ``ctx.simulate`` (the exact
``wishart`` engine for these Gaussian configurations).
"""
from __future__ import annotations

import sympy as sp

import theory
from theory import regimes as R
from theory.symbols import N, c_sw, d_s, d_sw, d_w, p_sw, rho_w, t2
from verify import measurement, stats
from verify.claims import CustomClaim, Observation, SymbolicClaim
# The regime strategies live with the other strategies (verify.symbolic draws them too); GAP,
# regime_configs and single_interp_configs stay importable from here.
from verify.strategies import GAP, regime_configs, single_interp_configs  # noqa: F401

S = "theory.md"
MIN_GAP = 4
"""Smallest accepted gap: below it the per-trial risks have infinite variance."""
_FITS = {  # fit -> (samples, dimension) as functions of a configuration
    "teacher": lambda c: (c["n"], c["d_w"]),
    "strong": lambda c: (c["n"], c["d_s"]),
    "student": lambda c: (c["N"], c["d_s"]),
    "ceiling": lambda c: (c["n"] + c["N"], c["d_s"]),
}
_MODEL_FIT = {"weak": "teacher", "strong": "strong", "ceiling": "ceiling"}


def _check_gap(gap) -> int:
    if not isinstance(gap, int) or isinstance(gap, bool) or gap < MIN_GAP:
        raise ValueError(f"gap must be an integer >= {MIN_GAP} (per-trial risks need finite "
                         f"variance for the z-tests), got {gap!r}")
    return gap


def fit_regime(config: dict, fit: str) -> str:
    """``"ols"`` or ``"interp"`` for ``fit`` in ``teacher|strong|student|ceiling``.

    Raises
    ------
    theory.regimes.InfiniteExpectation
        Within one sample of the fit's threshold.
    """
    m, d = _FITS[fit](config)
    try:
        return R.regime(m, d)
    except R.InfiniteExpectation as exc:
        raise R.InfiniteExpectation(f"{fit}: {exc}") from None


def check_config(config: dict, fits, gap: int) -> None:
    """Raise if a fit in ``fits`` is within one sample (``InfiniteExpectation``) or closer than
    ``gap`` samples (``ValueError``) to its threshold."""
    for fit in fits:
        fit_regime(config, fit)
        m, d = _FITS[fit](config)
        if abs(m - d) < gap:
            raise ValueError(f"config {fit}: |samples - dim| = |{m} - {d}| must be >= gap = {gap} "
                             "(finite variance of the per-trial risk)")


# --- configurations -----------------------------------------------------------------------------
class _RegimeClaim(CustomClaim):
    """Shared machinery: draw (or take) configurations, reject or report infinite expectations,
    and test per-trial means with adaptive trials."""

    fits: tuple = ()

    def __init__(self, name, *, configs=None, gap=GAP, on_infinite="reject", source=f"{S} §6",
                 description="", expect="pass"):
        super().__init__(name, source=source, description=description, expect=expect)
        self.gap = _check_gap(gap)
        if on_infinite not in ("reject", "report"):
            raise ValueError(f"on_infinite must be 'reject' or 'report', got {on_infinite!r}")
        self.on_infinite = on_infinite
        self.configs = None if configs is None else [dict(c) for c in configs]
        for i, cfg in enumerate(self.configs or ()):
            try:
                check_config(cfg, self.fits, self.gap)
            except R.InfiniteExpectation as exc:
                if on_infinite == "reject":
                    raise R.InfiniteExpectation(f"configs[{i}]: {exc}") from None
            except ValueError as exc:
                raise ValueError(f"configs[{i}]: {exc}") from None

    def strategy(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def per_config(self) -> int:
        return 1

    @staticmethod
    def count(ctx) -> int:
        """Configurations per claim: ``ctx.examples``, one in a quick run (the quick run's
        budget is shared by every claim set; the default run draws several)."""
        return 1 if ctx.quick else int(ctx.examples)

    def threshold_config(self) -> dict | None:
        """A configuration where a slip in the interpolating fits' formulas shows most, or
        ``None`` (see :func:`threshold_config`)."""
        return None

    def plan(self, ctx) -> int:
        if self.configs is not None:
            return len(self.configs) * self.per_config()
        k = self.count(ctx) + (self.threshold_config() is not None)
        return k * self.per_config()

    def _configs(self, ctx):
        if self.configs is not None:
            return self.configs
        drawn = ctx.draw(self.strategy(), self.count(ctx), "regimes", self.name, self.gap)
        extra = self.threshold_config()
        return drawn + ([extra] if extra is not None else [])

    def run(self, ctx):
        out = []
        for cfg in self._configs(ctx):
            try:
                check_config(cfg, self.fits, 2)       # the bands only; gap checked at build
                out += self.observe(ctx, cfg)
            except R.InfiniteExpectation as exc:
                out.append(infinite_observation(cfg, exc))
        return out

    def _test(self, ctx, cfg, label, per_trial, theory_value, scale, details):
        def measure(t):
            return stats.mean_estimate(per_trial(ctx.simulate(cfg, t)))

        if cfg.get("chosen_by") == THRESHOLD:
            # aim below the resolution, within the power budget (given up for the resolution
            # where the measured SE says the budget cannot reach it), as power-seeking
            # configurations of expectation claims do (verify.planning.plan_configs)
            e, t = measurement.adaptive_estimate(ctx, measure, scale, "two-sided",
                                                 THRESHOLD_TARGET * ctx.resolution,
                                                 budget=ctx.power_budget, fallback=ctx.resolution)
            details = {**details, "role": {"chosen_by": "formula (power-seeking): interpolating "
                                                        "fits at the threshold, no target"}}
        else:
            # up to the power budget, sized from the SE alone (the adaptive rule stops at the
            # resolution): with the skewness-aware MDE the interpolating fits' per-trial risks
            # ended at MDE 0.205-0.257 on the run budget (quick seeds 7 and 27 of 40)
            e, t = measurement.adaptive_estimate(ctx, measure, scale, "two-sided",
                                                 budget=ctx.power_budget)
        return Observation.test(label, e.estimate, e.se, theory_value, "two-sided", config=cfg,
                                scale=scale, resolution=ctx.resolution, trials=t, details=details,
                                skewness=e.skewness)


THRESHOLD = "threshold"
THRESHOLD_TARGET = 0.4
"""A threshold configuration aims at an MDE of 0.4 x the run's resolution (quick 0.08): a slip
in an interpolating fit's inverse-Gram trace :math:`m/(d - m - 1)` moves its noise term by
:math:`1/(d - m)`, 1/10 here."""


def threshold_config(fits: dict[str, str], gap: int) -> dict:
    """Issue 16: a deterministic configuration where the interpolating fits' formulas are most
    fragile -- each interpolating fit ``gap + 2`` samples below its threshold (finite
    variance with room: ``|m - d| >= 4`` is needed), each OLS fit ``gap + 2`` above it, no target
    (the noise terms, which hold the inverse-Gram traces, are the whole risk), unit noise,
    integer overlap. A random draw rarely lands there (the mutation test of
    ``theory.haar.inverse_gram_trace``, off by one, passed ``--quick``). Chosen from the
    formulas' structure alone, no simulated number: no re-simulation needed.

    ``fits`` maps ``teacher``, ``student``, ``strong``, ``ceiling`` to ``ols`` or ``interp``
    (absent: the fit is not checked; its sizes are then OLS with room)."""
    g = gap + 2
    big = g + 6                 # the interpolating dimension: per-trial spread falls with it
    if fits.get("ceiling") == "interp":
        d_s_, n_, N_ = big, 3, big - g - 3
        d_w_ = 2
    else:
        d_w_, n_ = (big, big - g) if fits.get("teacher") == "interp" else (4, 4 + g)
        if fits.get("strong") == "interp":
            d_s_, n_ = big, big - g
            d_w_ = 2
            N_ = d_s_ + g
        elif fits.get("student") == "interp":
            d_s_, N_ = big, big - g
        else:
            d_s_, N_ = 4, 4 + g
    k = min(d_s_, d_w_)
    return {"d_s": d_s_, "d_w": d_w_, "n": n_, "N": N_, "sigma2": 1.0,
            "cosines": [1.0] * ((k + 1) // 2) + [0.0] * (k - (k + 1) // 2),
            "theta": {"s": 0.0, "w": 0.0, "o": 0.0, "seed": 1}, "features": "gaussian",
            "noise": "gaussian", "chosen_by": THRESHOLD}


def infinite_observation(cfg: dict, exc: Exception) -> Observation:
    """Deterministic, inconclusive observation for a configuration whose expectation is
    infinite: it says so and carries no estimate and no theory value."""
    return Observation.check(f"expectation infinite: {exc}", "inconclusive", config=cfg,
                             details={"infinite_expectation": True, "message": str(exc)})


def _sym(g: dict) -> dict:
    return {k: v for k, v in g.items() if k in theory.symbols.BY_NAME}


def _value(expr, g) -> float:
    return float(R.evaluate(expr, prec=30, **_sym(g)))


class RegimeW2S(_RegimeClaim):
    """E[ER_w2s] and E[misfit] in one of the four regimes (two observations per configuration)."""

    fits = ("teacher", "student")

    def __init__(self, teacher, student, **kw):
        self.teacher, self.student = R.check_regime(teacher, "teacher"), R.check_regime(student, "student")
        kw.setdefault("description",
                      f"exact W2S risk and misfit, {teacher} teacher, {student} student "
                      f"(each fit >= {kw.get('gap', GAP)} samples from its threshold)")
        super().__init__(f"regimes.w2s.{teacher}_{student}", **kw)

    def strategy(self):
        return regime_configs(self.teacher, self.student, self.gap)

    def threshold_config(self):
        if "interp" not in (self.teacher, self.student):
            return None
        return threshold_config({"teacher": self.teacher, "student": self.student}, self.gap)

    def per_config(self):
        return 2

    def observe(self, ctx, cfg):
        g = ctx.geometry(cfg)
        reg = f"{fit_regime(cfg, 'teacher')}_{fit_regime(cfg, 'student')}"
        out = []
        # The misfit can be exactly 0 (V_w = V_s), where |theory| is rounding noise: its scale
        # is never below the W2S risk, the natural size of a squared prediction error here.
        risk = abs(_value(f"risk.w2s.regime.{reg}", g))
        for q, name in (("w2s", f"risk.w2s.regime.{reg}"), ("misfit", f"misfit.regime.{reg}")):
            v = _value(name, g)
            out.append(self._test(ctx, cfg, f"E[{q}] = {name}", lambda pt, q=q: pt[q], v,
                                  max(abs(v), risk) or 1.0, {"formula": name}))
        return out


class RegimeSingle(_RegimeClaim):
    """E[ER] of a single model (weak, strong or ceiling) in its interpolating regime."""

    def __init__(self, model, **kw):
        if model not in R.SINGLE_MODELS:
            raise ValueError(f"model must be one of {R.SINGLE_MODELS}, got {model!r}")
        self.model = model
        self.fits = (_MODEL_FIT[model],)
        kw.setdefault("description", f"exact {model} risk when it interpolates (min-norm fit, "
                                     f">= {kw.get('gap', GAP)} samples below its threshold)")
        super().__init__(f"regimes.{model}.interp", **kw)

    def strategy(self):
        return single_interp_configs(self.model, self.gap)

    def threshold_config(self):
        return threshold_config({self.fits[0]: "interp"}, self.gap)

    def observe(self, ctx, cfg):
        reg = fit_regime(cfg, self.fits[0])
        name = f"risk.{self.model}.regime.{reg}"
        v = _value(name, ctx.geometry(cfg))
        return [self._test(ctx, cfg, f"E[{self.model}] = {name}", lambda pt: pt[self.model], v,
                           abs(v) or 1.0, {"formula": name})]


def _gap_factor(cfg) -> float:
    """c in the tested combination gain - c misfit: the finite-N ratio (OLS student) or 1."""
    if fit_regime(cfg, "student") == "ols":
        return (cfg["N"] - 2 * cfg["d_s"] - 1) / (cfg["N"] - 1)
    return 1.0


class MisfitGap(_RegimeClaim):
    r"""Mean of the per-trial :math:`\mathrm{ER}_w - \mathrm{ER}_{w2s} - c\,\mathrm{misfit}`
    against ``gain_misfit_gap`` (or against 0 with ``against="zero"``), where
    :math:`c = (N - 2d_s - 1)/(N - 1)` for an OLS student and 1 for an interpolating one.
    Configurations cycle through ``regimes`` (teacher, student pairs), ``per_regime`` each.
    Scale: the larger of the exact E[ER_w] and the gap."""

    fits = ("teacher", "student")

    def __init__(self, name, *, regimes=(("ols", "ols"), ("interp", "ols")), against="formula",
                 theta_s=(0.0, 1.0), theta_w=(0.3, 1.0), theta_o=(0.0, 0.5),
                 overlap=("random", "integer"), per_regime=None, **kw):
        if against not in ("formula", "zero"):
            raise ValueError(f"against must be 'formula' or 'zero', got {against!r}")
        self.regimes = tuple((R.check_regime(t, "teacher"), R.check_regime(s, "student"))
                             for t, s in regimes)
        self.against, self.per_regime = against, per_regime
        self.energies = dict(theta_s=theta_s, theta_w=theta_w, theta_o=theta_o, overlap=overlap)
        kw.setdefault("source", f"{S} §7, notes/regimes.md §4")
        super().__init__(name, **kw)

    def _k(self, ctx):
        if self.per_regime is not None:
            return self.per_regime
        return 1 if ctx.quick else max(1, int(ctx.examples) // 2)

    def plan(self, ctx):
        if self.configs is not None:
            return len(self.configs)
        return self._k(ctx) * len(self.regimes)

    def _configs(self, ctx):
        if self.configs is not None:
            return self.configs
        out = []
        for t, s in self.regimes:
            out += ctx.draw(regime_configs(t, s, self.gap, **self.energies), self._k(ctx),
                            "regimes", self.name, t, s, self.gap)
        return out

    def observe(self, ctx, cfg):
        g = ctx.geometry(cfg)
        t, s = fit_regime(cfg, "teacher"), fit_regime(cfg, "student")
        c = _gap_factor(cfg)
        gap = _value(R.gain_misfit_gap(t, s), g)
        r_sw = _value(R.R_SW, g)
        target = gap if self.against == "formula" else 0.0
        # Unit: the larger of E[ER_w] and |gap| (the gain and the misfit are of the order of
        # the weak risk; the gap can exceed it when the teacher is nearly exact).
        scale = max(abs(_value(f"risk.weak.regime.{t}", g)), abs(gap)) or 1.0
        label = (f"E[ER_w - ER_w2s - {c:.4g} misfit] = "
                 + ("gain_misfit_gap" if self.against == "formula" else "0") + f" ({t}_{s})")
        return [self._test(ctx, cfg, label, lambda pt: pt["weak"] - pt["w2s"] - c * pt["misfit"],
                           target, scale, {"factor": c, "gap_formula": gap, "r_sw": r_sw,
                                           "regime": f"{t}_{s}"})]


_RSW0 = dict(theta_s=(0.2, 1.0), theta_w=(0.0, 0.0), theta_o=(0.0, 1.0))
STATISTICAL = [
    *(RegimeW2S(t, s) for t in R.REGIMES for s in R.REGIMES),
    *(RegimeSingle(m) for m in R.SINGLE_MODELS),
    MisfitGap("regimes.misfit_identity.r_sw0", regimes=(("ols", "ols"), ("interp", "ols")), **_RSW0,
              description="finite-N misfit identity E[gain] = E[misfit](N - 2 d_s - 1)/(N - 1) "
                          "when r_sw = 0: theta = a u_s + c e_o (realizable iff c = 0), OLS or "
                          "interpolating teacher, OLS student (tested against gain_misfit_gap, "
                          "which is 0 here)"),
    MisfitGap("regimes.misfit_gap.exact", regimes=tuple((t, s) for t in R.REGIMES for s in R.REGIMES),
              per_regime=1,
              description="without realizability (theta with a V_w component), E[gain] - "
                          "c E[misfit] equals theory.regimes.gain_misfit_gap exactly (-2 k r_sw "
                          "for an OLS student), in all four regimes"),
    MisfitGap("regimes.misfit_gap.zero", regimes=(("ols", "ols"), ("interp", "ols")),
              against="zero", theta_s=(0.0, 0.0), theta_w=(0.5, 1.0), theta_o=(0.0, 0.0),
              overlap=("none",), per_regime=1, expect="fail",
              description="KNOWN FALSE: the finite-N identity without realizability (theta in "
                          "V_w, V_w orthogonal to V_s: r_sw = ||theta||^2 >= 0.5, defect -2 k r_sw)"),
]

_k_ols, _k_int = R.teacher_moments("ols").mean_factor, R.teacher_moments("interp").mean_factor
_zero_target = {t2: 0, rho_w: 0, c_sw: 0, p_sw: 0}
SYMBOLIC = [
    SymbolicClaim("regimes.ols_ols.paper", "risk.w2s.regime.ols_ols",
                  theory.risk("w2s").subs(R.TARGET_SUBS), source=f"{S} §2, §6",
                  description="the OLS/OLS regime is the paper-era exact W2S risk (b_w2s, m_sw "
                              "written through t2, c_sw, p_sw, rho_w)"),
    *(SymbolicClaim(f"regimes.{m}.ols.paper", f"risk.{m}.regime.ols", f"risk.{m}.exact",
                    source=f"{S} §2, §6",
                    description=f"the OLS regime of the {m} model is the exact form of §2")
      for m in R.SINGLE_MODELS),
    *(SymbolicClaim(f"regimes.misfit_identity.gap.{t}_teacher",
                    R.gain(t, "ols") - R.misfit_identity_ratio() * R.misfit(t, "ols"),
                    -2 * k * R.R_SW, spot_checks=0 if t == "interp" else 5, source=f"{S} §7",
                    description=f"E[gain] - E[misfit](N - 2 d_s - 1)/(N - 1) = -2 k r_sw, {t} "
                                "teacher, OLS student (the identity iff r_sw = 0)")
      for t, k in (("ols", _k_ols), ("interp", _k_int))),
    SymbolicClaim("regimes.misfit_identity.N_inf.ratio", R.misfit_identity_ratio(), 1, "limit",
                  variable=N, point=sp.oo, source=f"{S} §7",
                  description="(N - 2 d_s - 1)/(N - 1) -> 1: Charikar et al.'s gain = misfit as N -> oo"),
    SymbolicClaim("regimes.misfit_identity.N_inf.misfit", R.misfit("ols", "ols"),
                  R.teacher_moments("ols").residual, "limit", variable=N, point=sp.oo,
                  source=f"{S} §7",
                  description="E[misfit] -> E||(I - P_s) beta_w||^2 as N -> oo (population misfit)"),
    SymbolicClaim("regimes.virtue.interp_teacher",
                  R.w2s_risk("interp", "ols").subs(_zero_target)
                  / R.single_risk("weak", "interp").subs(_zero_target),
                  d_sw / d_w + (1 - d_sw / d_w) * d_s / (N - d_s - 1), spot_checks=0,
                  source=f"{S} §6",
                  description="theta = 0, interpolating teacher: Var_w2s / Var_w = d_sw/d_w + "
                              "(1 - d_sw/d_w) d_s/(N - d_s - 1), as with an OLS teacher"),
]

CLAIMS = STATISTICAL + SYMBOLIC
