"""Simulation engines: ``samples`` (draws the data) and ``wishart`` (draws sufficient statistics)."""
from numeric.engines.samples import run_samples
from numeric.engines.wishart import run_wishart

ENGINES = {"samples": run_samples, "wishart": run_wishart}

__all__ = ["ENGINES", "run_samples", "run_wishart"]
