"""Entry points: :func:`simulate` and :func:`simulate_block`."""
from __future__ import annotations

import contextlib
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from numeric.design import build_design
from numeric.engines import ENGINES
from numeric.result import SimulationResult
from numeric.seeding import (
    TRIAL_BLOCK, as_seed_sequence, child, trial_generator, trial_seed_sequences,
)
from numeric.validation import as_count

__all__ = ["simulate", "simulate_block", "choose_engine", "TRIAL_BLOCK"]

_ENGINE_NAMES = ("auto", "samples", "wishart")
_CONTROLLER = None
# Trials processed together: enough to amortise Python overhead, small enough for memory.
_DEFAULT_BATCH = {"samples": 4, "wishart": 64}
_WISHART_BATCH_BYTES = 64 * 2**20


def _default_batch(name, design) -> int:
    if name == "wishart":
        per_trial = 8 * (design.m + 1) ** 2          # the labelled Bartlett factor
        return int(max(1, min(_DEFAULT_BATCH[name], _WISHART_BATCH_BYTES // per_trial)))
    return _DEFAULT_BATCH[name]


def choose_engine(scenario, engine: str = "auto") -> tuple[str, str]:
    """Resolve ``engine`` to ``(name, reason)``.

    ``"auto"`` picks ``"wishart"`` when features and noise are Gaussian, else ``"samples"``.

    Raises
    ------
    ValueError
        For an unknown engine, or ``"wishart"`` with a non-Gaussian law.
    """
    if engine not in _ENGINE_NAMES:
        raise ValueError(f"engine must be one of {_ENGINE_NAMES}, got {engine!r}")
    gauss = scenario.feature_law.is_gaussian and scenario.noise_law.is_gaussian
    if engine == "wishart" and not gauss:
        raise ValueError("engine='wishart' needs features='gaussian' and noise='gaussian', got "
                         f"features={scenario.features!r}, noise={scenario.noise!r}")
    if engine == "auto":
        if gauss:
            return "wishart", "auto: Gaussian features and noise, sufficient statistics are exact"
        return "samples", (f"auto: non-Gaussian law (features={scenario.features!r}, "
                           f"noise={scenario.noise!r}) needs actual samples")
    return engine, "requested"


def _run(scenario, design, name, seqs):
    gens = [trial_generator(s) for s in seqs]
    out = ENGINES[name](design, gens, scenario.n, scenario.N)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pgr"] = (out["weak"] - out["w2s"]) / (out["weak"] - out["ceiling"])
        out["opr"] = out["strong"] / out["w2s"]
    return out


def simulate_block(scenario, seed_sequence, trials: int = TRIAL_BLOCK, engine: str = "auto") -> dict:
    """Run the first ``trials`` (<= TRIAL_BLOCK) trials of one seed block.

    ``seed_sequence`` is the block's ``SeedSequence`` (``SeedSequence(seed).spawn(n)[b]``);
    trial ``i`` uses its ``i``-th child. It is not mutated. Returns the per-trial dict.
    """
    trials = as_count("trials", trials)
    if trials > TRIAL_BLOCK:
        raise ValueError(f"trials must be in [1, TRIAL_BLOCK={TRIAL_BLOCK}], got {trials}")
    name, _ = choose_engine(scenario, engine)
    design = build_design(scenario)
    with blas_limit(1):
        return _run(scenario, design, name, [child(seed_sequence, i) for i in range(trials)])


def blas_limit(threads):
    """Context limiting BLAS threads (``threadpoolctl``); a no-op for ``None`` or if missing.

    The engines make many small (d <= a few hundred) BLAS calls; on a shared machine a
    multi-threaded BLAS spins and can be an order of magnitude slower than one thread.
    """
    global _CONTROLLER
    if threads is None:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return contextlib.nullcontext()
        _CONTROLLER = ThreadpoolController()      # library discovery is slow: do it once
    return _CONTROLLER.limit(limits=threads, user_api="blas")


def simulate(scenario, trials: int, seed=None, engine: str = "auto", batch_size: int | None = None,
             quiet: bool = True, workers: int = 1, blas_threads: int | None = 1) -> SimulationResult:
    """Simulate ``trials`` independent trials of the four ridgeless models.

    Parameters
    ----------
    scenario : Scenario
    trials : int
        Number of trials (>= 1).
    seed : None, int, SeedSequence or Generator
        Root seed; trial ``j`` draws from ``SeedSequence(seed).spawn(..)[j // TRIAL_BLOCK]``'s
        child ``j % TRIAL_BLOCK``. ``None`` uses fresh entropy, recorded in ``result.seed``.
    engine : {"auto", "samples", "wishart"}
    batch_size : int, optional
        Trials computed together (memory/speed trade-off only; results do not depend on it).
    quiet : bool
        Hide the progress bar (it is also hidden when stderr is not a terminal).
    workers : int
        Threads running batches concurrently (results do not depend on it).
    blas_threads : int or None
        BLAS threads during the run (default 1, see :func:`blas_limit`); ``None`` leaves the
        BLAS setting alone.

    Returns
    -------
    SimulationResult
    """
    trials = as_count("trials", trials)
    workers = as_count("workers", workers)
    name, reason = choose_engine(scenario, engine)
    root = as_seed_sequence(seed)
    design = build_design(scenario)
    bs = _default_batch(name, design) if batch_size is None else as_count("batch_size", batch_size)
    starts = list(range(0, trials, bs))
    batches = [trial_seed_sequences(root, range(s, min(s + bs, trials))) for s in starts]
    show = (not quiet) and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm.auto import tqdm
        bar = tqdm(total=trials, desc=f"simulate[{name}]", leave=False)
    try:
        limit = blas_limit(None if blas_threads is None else as_count("blas_threads", blas_threads))

        def job(seqs):
            out = _run(scenario, design, name, seqs)
            if bar is not None:
                bar.update(len(seqs))
            return out
        with limit:
            if workers == 1:
                parts = [job(s) for s in batches]
            else:
                with ThreadPoolExecutor(max_workers=workers) as ex:
                    parts = list(ex.map(job, batches))
    finally:
        if bar is not None:
            bar.close()
    per_trial = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    entropy = root.entropy
    return SimulationResult.from_per_trial(per_trial, seed=entropy, engine=name,
                                           engine_reason=reason, scenario=scenario)
