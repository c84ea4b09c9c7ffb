r"""Simulation results: per-trial risks, summary statistics and ratio-of-means estimators.

Per trial: excess risks ``weak, strong, ceiling, w2s``, ``misfit``, and
:math:`\mathrm{PGR} = (ER_w - ER_{w2s})/(ER_w - ER_c)`, :math:`\mathrm{OPR} = ER_s/ER_{w2s}`.
Ratio-of-means estimators use the sample means :math:`\bar a` and a delta-method standard error
:math:`\sqrt{\nabla g^\top \hat\Sigma \nabla g / T}` with :math:`\hat\Sigma` the sample
covariance of the per-trial risks entering :math:`g`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SimulationResult", "RISK_KEYS", "PER_TRIAL_KEYS", "summarise"]

RISK_KEYS = ("weak", "strong", "ceiling", "w2s", "misfit")
PER_TRIAL_KEYS = RISK_KEYS + ("pgr", "opr")


def _delta_se(grad: np.ndarray, X: np.ndarray) -> float:
    T = X.shape[0]
    if T < 2 or not np.all(np.isfinite(grad)):
        return math.nan
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    return float(math.sqrt(max(grad @ cov @ grad, 0.0) / T))


def summarise(per_trial: dict) -> dict:
    """Means, standard errors and ratio-of-means estimators from per-trial risks."""
    T = per_trial["weak"].shape[0]
    # A per-trial ratio can be infinite: under Rademacher features a student risk is exactly 0
    # with positive probability (a sum of +-1 products hits 0), and then OPR = ER_s / 0. The
    # mean of per-trial ratios is then inf and its standard error undefined (nan): that is the
    # honest value of the notebook's statistic, so it is returned without a warning.
    with np.errstate(invalid="ignore", over="ignore"):
        mean = {k: float(np.mean(v)) for k, v in per_trial.items()}
        stderr = {k: (float(np.std(v, ddof=1) / math.sqrt(T)) if T > 1 else math.nan)
                  for k, v in per_trial.items()}
    a, b, c = mean["weak"], mean["w2s"], mean["ceiling"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pgr = (a - b) / (a - c) if a != c else math.nan
        grad = np.array([(b - c) / (a - c) ** 2, -1.0 / (a - c), (a - b) / (a - c) ** 2]) \
            if a != c else np.full(3, np.nan)
    pgr_se = _delta_se(grad, np.column_stack([per_trial["weak"], per_trial["w2s"],
                                              per_trial["ceiling"]]))
    s = mean["strong"]
    opr = s / b if b != 0 else math.nan
    grad_o = np.array([1.0 / b, -s / b ** 2]) if b != 0 else np.full(2, np.nan)
    opr_se = _delta_se(grad_o, np.column_stack([per_trial["strong"], per_trial["w2s"]]))
    return dict(mean=mean, stderr=stderr, pgr_of_means=float(pgr), pgr_of_means_se=pgr_se,
                opr_of_means=float(opr), opr_of_means_se=opr_se, mean_of_pgr=mean["pgr"],
                mean_of_opr=mean["opr"])


@dataclass
class SimulationResult:
    """Output of :func:`numeric.simulate`.

    Attributes
    ----------
    per_trial : dict of str to ndarray
        Keys ``weak, strong, ceiling, w2s, misfit, pgr, opr``, each of length ``trials``.
    mean, stderr : dict of str to float
        Sample mean and standard error (``std(ddof=1)/sqrt(trials)``) of each per-trial key.
    pgr_of_means, pgr_of_means_se : float
        :math:`(\\bar{ER}_w - \\bar{ER}_{w2s})/(\\bar{ER}_w - \\bar{ER}_c)` and its delta-method SE.
    opr_of_means, opr_of_means_se : float
        :math:`\\bar{ER}_s / \\bar{ER}_{w2s}` and its delta-method SE.
    mean_of_pgr, mean_of_opr : float
        Means of the per-trial ratios (the notebook's Jensen-biased quantities).
    seed : list of int or int
        Entropy of the root ``SeedSequence``.
    spawn_key : tuple of int
        Spawn key of the root ``SeedSequence`` (empty unless a spawned sequence was passed).
        ``numpy.random.SeedSequence(seed, spawn_key=spawn_key)`` reproduces the run.
    engine : str
        Engine used; ``engine_reason`` says why.
    """

    per_trial: dict
    mean: dict
    stderr: dict
    pgr_of_means: float
    pgr_of_means_se: float
    opr_of_means: float
    opr_of_means_se: float
    mean_of_pgr: float
    mean_of_opr: float
    seed: object
    engine: str
    engine_reason: str
    trials: int
    scenario: object = field(repr=False)
    spawn_key: tuple = ()

    @classmethod
    def from_per_trial(cls, per_trial, *, seed, engine, engine_reason, scenario, spawn_key=()):
        return cls(per_trial=per_trial, seed=seed, engine=engine, engine_reason=engine_reason,
                   trials=int(per_trial["weak"].shape[0]), scenario=scenario,
                   spawn_key=tuple(int(k) for k in spawn_key), **summarise(per_trial))

    def to_dict(self) -> dict:
        """JSON-serialisable dict (per-trial arrays as lists, the scenario as its file form)."""
        return {
            "per_trial": {k: v.tolist() for k, v in self.per_trial.items()},
            "mean": dict(self.mean), "stderr": dict(self.stderr),
            "pgr_of_means": self.pgr_of_means, "pgr_of_means_se": self.pgr_of_means_se,
            "opr_of_means": self.opr_of_means, "opr_of_means_se": self.opr_of_means_se,
            "mean_of_pgr": self.mean_of_pgr, "mean_of_opr": self.mean_of_opr,
            "seed": self.seed, "spawn_key": list(self.spawn_key),
            "engine": self.engine, "engine_reason": self.engine_reason,
            "trials": self.trials, "scenario": self.scenario.to_dict(),
        }
