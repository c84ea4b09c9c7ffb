"""Simulation engines: ``samples`` (draws the data) and ``wishart`` (draws sufficient statistics).

Each engine is a host (NumPy) module with a device variant (``*_xp``) that depends on it;
:func:`run_engine` picks the variant from the backend.
"""
from numeric.engines import samples_xp, wishart_xp
from numeric.engines.samples import run_samples
from numeric.engines.wishart import run_wishart

ENGINES = {"samples": run_samples, "wishart": run_wishart}
"""The host engines: ``ENGINES[name](design, gens, n, N) -> per-trial dict``."""

__all__ = ["ENGINES", "run_engine", "run_samples", "run_wishart"]


def run_engine(name: str, design, gens, n: int, N: int, backend=None) -> dict:
    """Run ``len(gens)`` trials of engine ``name``; returns its per-trial arrays.

    ``backend`` (a :class:`numeric.xp.Backend`, e.g. PyTorch on CUDA) other than NumPy runs the
    engine's heavy linear algebra on that device: the wishart engine's labelled Bartlett side
    (:func:`numeric.engines.wishart_xp.run_wishart_device`), the samples engine's Gram and
    moment accumulation (:func:`numeric.engines.samples_xp.run_samples_device`). The random
    numbers are the host's either way.
    """
    if backend is None or backend.name == "numpy":
        return ENGINES[name](design, gens, n, N)
    # Looked up on the module at call time (tests watch these functions with monkeypatch).
    if name == "samples":
        return samples_xp.run_samples_device(design, gens, n, N, backend)
    return wishart_xp.run_wishart_device(design, gens, n, N, backend)
