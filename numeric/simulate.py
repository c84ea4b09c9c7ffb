"""Entry points: :func:`simulate` and :func:`simulate_block`."""
from __future__ import annotations

import contextlib
import contextvars
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from numeric.design import build_design
from numeric.engines import ENGINES
from numeric.engines.draws import BlockDraws
from numeric.result import PER_TRIAL_KEYS, SimulationResult
from numeric.seeding import (
    TRIAL_BLOCK, as_seed_sequence, block_generator, child, trial_generator,
)
from numeric.memory import check_fits, simulation_bytes
from numeric.scenario import Scenario
from numeric.validation import as_count

__all__ = ["simulate", "simulate_block", "simulate_blocks", "simulate_many", "choose_engine",
           "TRIAL_BLOCK"]

_ENGINE_NAMES = ("auto", "samples", "wishart")
_CONTROLLER = None
_BLAS_ACTIVE = contextvars.ContextVar("numeric_blas_limit", default=None)
# Trials processed together: enough to amortise Python overhead, small enough for memory.
# Wishart: 16 keeps a batch's factors in cache at the paper's sizes (16 x 102^2 doubles per
# factor); on this 2-core machine the 10th-percentile time per trial was 0.78 ms at 16
# against 0.96 ms at 64 (benchmarks/README.md).
_DEFAULT_BATCH = {"samples": 4, "wishart": 16}
# Small designs with block streams: whole blocks, many per batch (the per-batch overhead is
# then spread over many trials; the arrays are a few kB per trial).
_BLOCK_STREAM_BATCH = 128
_WISHART_BATCH_BYTES = 64 * 2**20


def _default_batch(name, design) -> int:
    if _block_streams(name, design):
        return _BLOCK_STREAM_BATCH
    if name == "wishart":
        from numeric.engines.wishart import wishart_plan

        per_trial = 16 * wishart_plan(design).p_a ** 2      # the two labelled Bartlett factors
        return int(max(1, min(_DEFAULT_BATCH[name], _WISHART_BATCH_BYTES // per_trial)))
    return _DEFAULT_BATCH[name]


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
    from numeric.engines.wishart import wishart_plan

    plan = wishart_plan(build_design(scenario))
    p, q = plan.p, plan.q
    n, N, d_s = scenario.n, scenario.N, scenario.d_s
    idle = f", {q} idle weak directions marginalised" if q else ""
    lab = (f"labelled: Bartlett factor (n={n} >= p={p}{idle})" if n >= p
           else f"labelled: the n={n} < p={p} Gaussian rows")
    unl = (f"unlabelled: d_s x d_s Bartlett factor (N={N} >= d_s={d_s})" if N >= d_s
           else f"unlabelled: the N={N} < d_s={d_s} strong rows")
    return f"{lab}; {unl}; wide fits by QR of X^T"


def _engine_name(scenario, engine: str) -> str:
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
    if engine not in _ENGINE_NAMES:
        raise ValueError(f"engine must be one of {_ENGINE_NAMES}, got {engine!r}")
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


def _backend(device):
    """The :class:`numeric.xp.Backend` of ``device`` (``None`` for NumPy on the CPU).

    Both engines take a backend (see ``device`` in :func:`simulate`).
    """
    if device is None or device == "cpu":
        return None
    from numeric.xp import backend

    be = backend(device)
    return None if be.name == "numpy" else be


def _block_streams(name: str, design) -> bool:
    """Whether the trials of ``design`` draw from one stream per seed block (small wishart
    designs, :data:`numeric.engines.wishart.BLOCK_STREAM_MAX_P`) rather than one per trial."""
    if name != "wishart":
        return False
    from numeric.engines.wishart import block_streams

    return block_streams(design)


def _draws(name: str, design, root, blocks):
    """Random-number source of blocks ``[(b, trials), ...]`` of run ``root`` (a batch).

    Block streams: block ``b``'s generator is seeded by ``child(root, b)`` itself
    (:class:`numeric.engines.draws.BlockDraws`). Trial streams: trial ``i`` of block ``b`` has
    its own generator, seeded by ``child(child(root, b), i)`` (a list of generators).
    """
    if _block_streams(name, design):
        return BlockDraws([block_generator(child(root, b)) for b, _ in blocks],
                          [t for _, t in blocks], TRIAL_BLOCK)
    gens = []
    for b, t in blocks:
        ss = child(root, b)
        gens.extend(trial_generator(child(ss, i)) for i in range(t))
    return gens


def _block_batches(name: str, design, blocks, batch_trials: int) -> list:
    """``blocks`` cut into engine batches of about ``batch_trials`` trials.

    Block streams keep each block whole (a block's draws are made together); trial streams
    cut anywhere. Either way the numbers do not depend on the cut.
    """
    if _block_streams(name, design):
        per = max(1, batch_trials // TRIAL_BLOCK)
        return [blocks[i:i + per] for i in range(0, len(blocks), per)]
    out, cur, room = [], [], batch_trials
    for b, t in blocks:
        start = 0
        while start < t:
            take = min(room, t - start)
            cur.append((b, start, take))
            start += take
            room -= take
            if room == 0:
                out.append(cur)
                cur, room = [], batch_trials
    if cur:
        out.append(cur)
    return out


def _batch_draws(name: str, design, root, batch):
    """Draw source of one batch from :func:`_block_batches`."""
    if _block_streams(name, design):
        return _draws(name, design, root, batch)
    gens = []
    for b, start, take in batch:
        ss = child(root, b)
        gens.extend(trial_generator(child(ss, i)) for i in range(start, start + take))
    return gens


def _run(scenario, design, name, gens, be=None):
    kw = {} if be is None else {"backend": be}
    out = ENGINES[name](design, gens, scenario.n, scenario.N, **kw)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pgr"] = (out["weak"] - out["w2s"]) / (out["weak"] - out["ceiling"])
        out["opr"] = out["strong"] / out["w2s"]
    return out


def _trials(trials) -> int:
    """``trials`` as a count; one trial is allowed (its per-trial risks are exact draws) but
    has no standard error, which is said, not left as a silent NaN."""
    trials = as_count("trials", trials)
    if trials == 1:
        import warnings   # deliberate: only on this path

        warnings.warn("trials=1: the standard errors are undefined (NaN); use trials >= 2",
                      RuntimeWarning, stacklevel=3)
    return trials


def simulate_block(scenario, seed_sequence, trials: int = TRIAL_BLOCK, engine: str = "auto",
                   device: str | None = None) -> dict:
    """Run the first ``trials`` (<= TRIAL_BLOCK) trials of one seed block.

    ``seed_sequence`` is the block's ``SeedSequence`` (``SeedSequence(seed).spawn(n)[b]``);
    trial ``i`` uses its ``i``-th child, or row ``i`` of the block's own stream for small
    wishart designs (:mod:`numeric.seeding`). It is not mutated. Returns the per-trial dict.
    ``device`` as in :func:`simulate`. Several consecutive blocks of one run:
    :func:`simulate_blocks` (same numbers, one engine batch).
    """
    trials = as_count("trials", trials)
    if trials > TRIAL_BLOCK:
        raise ValueError(f"trials must be in [1, TRIAL_BLOCK={TRIAL_BLOCK}], got {trials}")
    name = _engine_name(scenario, engine)
    from numeric.executors import ambient

    ex, store, pref = ambient()
    if device is None:
        device = pref
    if store is None:
        return _block(scenario, seed_sequence, trials, name, device)
    totals = None if ex is None else ex.totals
    # Inside ``numeric.executors.using(store=...)``: the block is a resumable task too.
    from numeric.store import package_version, scenario_digest, task_key

    key = task_key(scenario_digest(scenario), seed_sequence, trials, name, device=device)
    out = _stored(store, key, trials)
    if totals is not None:
        totals.tasks += 1
        totals.tasks_from_store += out is not None
        totals.tasks_run += out is None
    if out is None:
        out = _block(scenario, seed_sequence, trials, name, device)
        store.put(key, out, {"scenario": scenario_digest(scenario), "trials": trials,
                             "engine": name, "entropy": seed_sequence.entropy,
                             "spawn_key": list(seed_sequence.spawn_key),
                             "version": package_version()})
    return out


def simulate_blocks(scenario, root, blocks, engine: str = "auto",
                    device: str | None = None) -> list:
    """:func:`simulate_block` for blocks ``b`` of run ``root`` at once (``blocks``: block
    indices), each of :data:`TRIAL_BLOCK` trials; returns their per-trial dicts in order.

    The numbers are those of ``[simulate_block(scenario, child(root, b), ...) for b in
    blocks]`` bit for bit, and each block is the same store task; but the blocks that are not
    stored run as one engine batch, so the fixed cost of an engine call (a fraction of a
    millisecond, more than 16 trials' arithmetic at the claims' sizes) is paid once.
    """
    blocks = [int(b) for b in blocks]
    name = _engine_name(scenario, engine)
    from numeric.executors import ambient

    ex, store, pref = ambient()
    if device is None:
        device = pref
    out = [None] * len(blocks)
    keys = None
    if store is not None:
        from numeric.store import package_version, scenario_digest, task_key

        digest, version = scenario_digest(scenario), package_version()
        keys = [task_key(digest, child(root, b), TRIAL_BLOCK, name, version, device=device)
                for b in blocks]
        out = [_stored(store, k, TRIAL_BLOCK) for k in keys]
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        done = _blocks(scenario, root, [(blocks[i], TRIAL_BLOCK) for i in missing], name, device)
        for i, res in zip(missing, done):
            out[i] = res
            if store is not None:
                b = blocks[i]
                store.put(keys[i], res, {"scenario": digest, "trials": TRIAL_BLOCK,
                                         "engine": name, "entropy": child(root, b).entropy,
                                         "spawn_key": list(child(root, b).spawn_key),
                                         "version": version})
    if store is not None and ex is not None:
        ex.totals.tasks += len(blocks)
        ex.totals.tasks_from_store += len(blocks) - len(missing)
        ex.totals.tasks_run += len(missing)
    return out


def _stored(store, key: str, trials: int):
    """A stored task's per-trial arrays if they fit the task, else ``None`` (run it again).

    Fitting means: exactly the :data:`PER_TRIAL_KEYS`, float64 arrays of length ``trials``
    (:meth:`numeric.store.RunStore.get`), and ``pgr``/``opr`` equal bit for bit to the ratios
    of the stored risks (how :func:`_run` made them), which catches arrays that were swapped or
    edited.
    """
    out = store.get(key, fields=PER_TRIAL_KEYS, trials=trials)
    if out is None:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        pgr = (out["weak"] - out["w2s"]) / (out["weak"] - out["ceiling"])
        opr = out["strong"] / out["w2s"]
    if not (np.array_equal(pgr, out["pgr"], equal_nan=True)
            and np.array_equal(opr, out["opr"], equal_nan=True)):
        store.rejected += 1
        return None
    return out


def _blocks(scenario, root, blocks, name: str, device=None) -> list:
    """Blocks ``(b, trials)`` of run ``root`` in engine batches of the usual size (a chunk's
    body). Results do not depend on the batching, so each block equals :func:`_block`'s."""
    be = _backend(device)
    design = build_design(scenario)
    batches = _block_batches(name, design, list(blocks), _default_batch(name, design))
    with blas_limit(1):
        parts = [_run(scenario, design, name, _batch_draws(name, design, root, bt), be)
                 for bt in batches]
    flat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out, start = [], 0
    for _, t in blocks:
        out.append({k: v[start:start + t].copy() for k, v in flat.items()})
        start += t
    return out


def _block(scenario, seed_sequence, trials: int, name: str, device=None) -> dict:
    """One block with a resolved engine name (the executors' task body; no store)."""
    be = _backend(device)
    design = build_design(scenario)
    if _block_streams(name, design):
        gens = BlockDraws([block_generator(seed_sequence)], [trials], TRIAL_BLOCK)
    else:
        gens = [trial_generator(child(seed_sequence, i)) for i in range(trials)]
    with blas_limit(1):
        return _run(scenario, design, name, gens, be)


def blas_limit(threads):
    """Context limiting BLAS threads (``threadpoolctl``); a no-op for ``None`` or if missing.

    The engines make many small (d <= a few hundred) BLAS calls; on a shared machine a
    multi-threaded BLAS spins and can be an order of magnitude slower than one thread.
    Inside a limit to the same count that this function set (e.g. the ambient
    :func:`numeric.executors.using` of a serial run) it costs nothing: setting the limit
    takes ~0.1 ms, more than a small seed block's arithmetic.
    """
    global _CONTROLLER
    if threads is None or _BLAS_ACTIVE.get() == threads:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return contextlib.nullcontext()
        _CONTROLLER = ThreadpoolController()      # library discovery is slow: do it once
    return _limited(threads)


@contextlib.contextmanager
def _limited(threads):
    with _CONTROLLER.limit(limits=threads, user_api="blas"):
        token = _BLAS_ACTIVE.set(threads)
        try:
            yield
        finally:
            _BLAS_ACTIVE.reset(token)


def simulate(scenario, trials: int, seed=None, engine: str = "auto", batch_size: int | None = None,
             quiet: bool = True, workers: int = 1, blas_threads: int | None = 1, *,
             executor=None, store=None, device: str | None = None) -> SimulationResult:
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
    executor : numeric.executors.Executor, optional
        Run the trials as tasks of one seed block each on this executor (local processes,
        Dask); ``batch_size``, ``workers`` and ``blas_threads`` are then not used. The numbers
        are the same bit for bit (see :func:`simulate_many`).
    store : numeric.store.RunStore or path, optional
        Resumable run folder: finished tasks are read from it and new ones written to it.
        Implies the task path (serially in this process when ``executor`` is None).
        When neither is given, those set by :func:`numeric.executors.using` apply (that is
        how the ``verify`` commands route every simulation through one executor).
    device : str, optional
        ``None``/``"cpu"``: NumPy (default). ``"cuda"``, ``"cuda:K"``, ``"torch:cpu"``, ...
        (:func:`numeric.xp.backend`): the engine's heavy linear algebra runs on that array-API
        device: the wishart engine's labelled Bartlett side
        (:mod:`numeric.engines.wishart_xp`), the samples engine's Gram and moment accumulation
        over the streamed rows (:mod:`numeric.engines.samples_xp`). The random numbers are the
        CPU's (drawn on the host by the same generators), so the results agree with the CPU's to
        floating-point rounding (not bit for bit); ``d``-sized solves stay on the host.

    Returns
    -------
    SimulationResult
        With the task path, ``result.execution`` holds the run's
        :class:`numeric.executors.ExecutionStats` (tasks, tasks read from the store, retries).
    """
    if executor is None and store is None:
        from numeric.executors import ambient

        executor, store, pref = ambient()
        if device is None:
            device = pref
    if executor is not None or store is not None:
        return simulate_many([(scenario, trials, seed, engine)], executor=executor, store=store,
                             quiet=quiet, device=device)[0]
    trials = _trials(trials)
    workers = as_count("workers", workers)
    name, reason = choose_engine(scenario, engine)
    be = _backend(device)
    root = as_seed_sequence(seed)
    design = build_design(scenario)
    bs = _default_batch(name, design) if batch_size is None else as_count("batch_size", batch_size)
    blocks = [(b, min(TRIAL_BLOCK, trials - b * TRIAL_BLOCK))
              for b in range(-(-trials // TRIAL_BLOCK))]
    batches = _block_batches(name, design, blocks, bs)
    show = (not quiet) and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm.auto import tqdm
        bar = tqdm(total=trials, desc=f"simulate[{name}]", leave=False)
    try:
        limit = blas_limit(None if blas_threads is None else as_count("blas_threads", blas_threads))

        def job(batch):
            gens = _batch_draws(name, design, root, batch)
            out = _run(scenario, design, name, gens, be)
            if bar is not None:
                bar.update(len(gens))
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
    return SimulationResult.from_per_trial(per_trial, seed=root.entropy, engine=name,
                                           engine_reason=reason, scenario=scenario,
                                           spawn_key=root.spawn_key)


def simulate_many(jobs, *, executor=None, store=None, quiet: bool = True, on_result=None,
                  device: str | None = None):
    """Simulate several ``(scenario, trials, seed, engine)`` jobs as one pool of tasks.

    Every job is cut into tasks of one seed block (:data:`TRIAL_BLOCK` trials); all tasks of all
    jobs go to ``executor`` together (so a grid of scenarios keeps every worker busy). A task's
    numbers depend only on its scenario, its block's seed and the engine, so results equal
    :func:`simulate`'s bit for bit for any executor, worker count or chunking.

    Parameters
    ----------
    jobs : iterable of tuple
        ``(scenario, trials, seed, engine)``; ``seed`` as in :func:`simulate` (a ``None`` seed
        draws fresh entropy, recorded in the result).
    executor : numeric.executors.Executor, optional
        Default: run in this process (:class:`numeric.executors.SerialExecutor`).
    store : numeric.store.RunStore or path, optional
        Finished tasks found there are not run again; each new task is written there
        atomically as it finishes, so an interrupted call loses only the tasks in flight.
    quiet : bool
        Hide the progress bar (also hidden when stderr is not a terminal).
    on_result : callable, optional
        ``on_result(j, result)`` is called as soon as job ``j`` is complete and the result is
        then not kept (for grids too large to hold every per-trial array); the call returns
        ``None`` instead of the list.
    device : str, optional
        As in :func:`simulate`, for every job (part of each task's store key).

    Returns
    -------
    list of SimulationResult or None
        In job order; each has ``execution`` (the shared :class:`ExecutionStats` of the call).
    """
    from numeric.executors import Chunk, ExecutionStats, SerialExecutor, plan_chunks
    from numeric.store import RunStore, package_version, scenario_digest, task_key

    if executor is None:
        executor = SerialExecutor()
    if store is not None and not isinstance(store, RunStore):
        store = RunStore(store)
    version = package_version()
    _backend(device)                                # fail early on a bad device
    specs = []
    for j, job in enumerate(jobs):
        try:
            scenario, trials, seed, engine = job
        except (TypeError, ValueError):
            raise ValueError(f"jobs[{j}] must be a tuple (scenario, trials, seed, engine), "
                             f"got {job!r}") from None
        trials = _trials(trials)
        name, reason = choose_engine(scenario, engine)
        root = as_seed_sequence(seed)
        digest = scenario_digest(scenario)
        blocks = [(b, min(TRIAL_BLOCK, trials - b * TRIAL_BLOCK))
                  for b in range(-(-trials // TRIAL_BLOCK))]
        keys = [task_key(digest, child(root, b), t, name, version, device=device)
                for b, t in blocks]
        specs.append(dict(scenario=scenario, trials=trials, name=name, reason=reason, root=root,
                          digest=digest, blocks=blocks, keys=keys, parts=[None] * len(blocks)))
    stats = ExecutionStats(executor.name, executor.workers)
    stats.tasks = sum(len(s["blocks"]) for s in specs)
    results = None if on_result is not None else [None] * len(specs)
    remaining = []
    rejected = 0 if store is None else store.rejected
    for s in specs:
        if store is not None:
            for i, (k, (_, t)) in enumerate(zip(s["keys"], s["blocks"])):
                s["parts"][i] = _stored(store, k, t)
        missing = [i for i, p in enumerate(s["parts"]) if p is None]
        stats.tasks_from_store += len(s["blocks"]) - len(missing)
        remaining.append(len(missing))
    if store is not None and store.rejected > rejected:
        stats.notes.append(f"{store.rejected - rejected} stored task(s) did not match their task "
                           "(fields, dtype, trial count) and were computed again")
    chunks, owners = [], []
    for j, s in enumerate(specs):
        missing = [i for i, p in enumerate(s["parts"]) if p is None]
        size = plan_chunks(len(missing), executor.workers)
        for c in range(0, len(missing), size):
            idx = tuple(missing[c:c + size])
            chunks.append(Chunk(s["scenario"], s["digest"], s["root"], s["name"],
                                tuple(s["blocks"][i] for i in idx),
                                tuple(s["keys"][i] for i in idx), device))
            owners.append((j, idx))

    def finish(j):
        s = specs[j]
        per_trial = {k: np.concatenate([p[k] for p in s["parts"]]) for k in s["parts"][0]}
        res = SimulationResult.from_per_trial(per_trial, seed=s["root"].entropy,
                                              spawn_key=s["root"].spawn_key, engine=s["name"],
                                              engine_reason=s["reason"], scenario=s["scenario"])
        res.execution = stats
        s["parts"] = None                    # release the per-block arrays
        if on_result is not None:
            on_result(j, res)
        else:
            results[j] = res

    bar = None
    if (not quiet) and sys.stderr.isatty():
        from tqdm.auto import tqdm
        bar = tqdm(total=stats.tasks, initial=stats.tasks_from_store, desc="simulate", unit="task",
                   leave=False)

    def on_done(ci, outs):
        j, idx = owners[ci]
        s = specs[j]
        for i, out in zip(idx, outs):
            if store is not None:
                b, t = s["blocks"][i]
                store.put(s["keys"][i], out, {
                    "scenario": s["digest"], "block": b, "trials": t, "engine": s["name"],
                    "entropy": s["root"].entropy, "spawn_key": list(s["root"].spawn_key),
                    "device": device or "cpu", "version": version})
            s["parts"][i] = out
        stats.tasks_run += len(idx)
        remaining[j] -= len(idx)
        if bar is not None:
            bar.update(len(idx))
        if remaining[j] == 0:
            finish(j)

    try:
        for j, r in enumerate(remaining):
            if r == 0:
                finish(j)
        executor.run(chunks, on_done, stats)
    finally:
        if bar is not None:
            bar.close()
        if store is not None:
            store.flush()
        executor.totals.add(stats)
    return results
