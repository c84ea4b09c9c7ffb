"""Which engine runs a scenario, and why (:func:`choose_engine`)."""
from __future__ import annotations

from functools import partial

from numeric.design import build_design
from numeric.engines.wishart import wishart_plan
from numeric.memory import check_fits, simulation_bytes
from numeric.scenario import Scenario

__all__ = ["ENGINE_NAMES", "choose_engine", "engine_name"]

ENGINE_NAMES = ("auto", "samples", "wishart")


def _regimes(scenario) -> str:
    """Which side of its interpolation threshold each fit is on (for the engine reason)."""
    n, N, d_s, d_w = scenario.n, scenario.N, scenario.d_s, scenario.d_w
    parts = []
    for fit, m, d, ms, ds in (("teacher", n, d_w, "n", "d_w"), ("strong", n, d_s, "n", "d_s"),
                              ("student", N, d_s, "N", "d_s"),
                              ("ceiling", n + N, d_s, "n+N", "d_s")):
        if abs(m - d) <= 1:
            parts.append(f"{fit} at its threshold (|{ms}-{ds}|={abs(m - d)} <= 1: per-trial "
                         "risks are finite, their expectation is infinite)")
        elif m < d:
            parts.append(f"{fit} interpolating ({ms}={m} < {ds}={d})")
    return "; ".join(parts) if parts else "all fits OLS"


def _wishart_paths(scenario) -> str:
    plan = wishart_plan(build_design(scenario))
    p, q = plan.p, plan.q
    n, N, d_s = scenario.n, scenario.N, scenario.d_s
    idle = f", {q} idle weak directions marginalised" if q else ""
    lab = (f"labelled: Bartlett factor (n={n} >= p={p}{idle})" if n >= p
           else f"labelled: the n={n} < p={p} Gaussian rows")
    unl = (f"unlabelled: d_s x d_s Bartlett factor (N={N} >= d_s={d_s})" if N >= d_s
           else f"unlabelled: the N={N} < d_s={d_s} strong rows")
    return f"{lab}; {unl}; wide fits by QR of X^T"


def engine_name(scenario, engine: str) -> str:
    """:func:`choose_engine`'s name without its reason (which costs more than a small block)."""
    if engine == "auto":
        gauss = scenario.feature_law.is_gaussian and scenario.noise_law.is_gaussian
        return "wishart" if gauss else "samples"
    return choose_engine(scenario, engine)[0]


def choose_engine(scenario, engine: str = "auto") -> tuple[str, str]:
    """Resolve ``engine`` to ``(name, reason)``.

    ``"auto"`` picks ``"wishart"`` when features and noise are Gaussian (it is exact in every
    regime, interpolating ones included: ``notes/wishart-engine.md``), else ``"samples"``. The
    reason names the law, the wishart paths taken (Bartlett factor or rows) and the regime of
    each fit, flagging fits within one sample of their threshold (finite per-trial risks,
    infinite expectation).

    Raises
    ------
    ValueError
        For an unknown engine, or ``"wishart"`` with a non-Gaussian law.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a numeric.Scenario, got {scenario!r}")
    if engine not in ENGINE_NAMES:
        raise ValueError(f"engine must be one of {ENGINE_NAMES}, got {engine!r}")
    gauss = scenario.feature_law.is_gaussian and scenario.noise_law.is_gaussian
    # Refuse, before allocating, a size that cannot fit in memory (numeric.memory).
    heavy = "samples" if engine == "samples" or (engine == "auto" and not gauss) else "wishart"
    check_fits(f"a simulation ({heavy} engine)", scenario.d_s, scenario.d_w,
               partial(simulation_bytes, engine=heavy))
    if engine == "wishart" and not gauss:
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian', got "
                         f"features={scenario.features!r}, noise={scenario.noise!r}")
    regimes = _regimes(scenario)
    if engine == "auto":
        if gauss:
            return "wishart", ("auto: Gaussian features and noise, sufficient statistics are "
                               f"exact in every regime ({_wishart_paths(scenario)}); {regimes}")
        return "samples", (f"auto: non-Gaussian law (features={scenario.features!r}, "
                           f"noise={scenario.noise!r}) needs actual samples; {regimes}")
    return engine, f"requested; {regimes}"
