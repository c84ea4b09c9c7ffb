"""Entry points: :func:`simulate`, :func:`simulate_many`, :func:`simulate_block` and
:func:`simulate_blocks`.

They plan the seed blocks of each job and route them: in this process in engine batches
(:func:`simulate` without an executor or store), or as tasks through an executor and a run
folder (:mod:`numeric.executors`, :mod:`numeric.store`). The engine choice is
:mod:`numeric.engine_choice`, the task body :mod:`numeric.tasks`, the BLAS limit
:mod:`numeric.blas`.
"""
from __future__ import annotations

import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from numeric.blas import blas_limit
from numeric.design import build_design
from numeric.engine_choice import choose_engine, engine_name
from numeric.executors import Chunk, ExecutionStats, SerialExecutor, ambient, plan_chunks
from numeric.result import SimulationResult
from numeric.seeding import TRIAL_BLOCK, as_seed_sequence, child_key, seed_blocks
from numeric.store import RunStore, package_version, scenario_digest, task_key
from numeric.tasks import (
    batch_draws, block_batches, default_batch, device_backend, read_task, read_tasks, run_batch,
    run_block, run_blocks,
)
from numeric.validation import as_count

__all__ = ["simulate", "simulate_block", "simulate_blocks", "simulate_many", "choose_engine",
           "TRIAL_BLOCK"]


def _trials(trials) -> int:
    """``trials`` as a count; one trial is allowed (its per-trial risks are exact draws) but
    has no standard error, which is said, not left as a silent NaN."""
    trials = as_count("trials", trials)
    if trials == 1:
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
    name = engine_name(scenario, engine)
    ex, store, pref = ambient()
    if device is None:
        device = pref
    if store is None:
        return run_block(scenario, seed_sequence, trials, name, device)
    totals = None if ex is None else ex.totals
    # Inside ``numeric.executors.using(store=...)``: the block is a resumable task too.
    key = task_key(scenario_digest(scenario), seed_sequence, trials, name, device=device)
    out = read_task(store, key, trials)
    if totals is not None:
        totals.tasks += 1
        totals.tasks_from_store += out is not None
        totals.tasks_run += out is None
    if out is None:
        out = run_block(scenario, seed_sequence, trials, name, device)
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
    name = engine_name(scenario, engine)
    ex, store, pref = ambient()
    if device is None:
        device = pref
    out = [None] * len(blocks)
    keys = None
    if store is not None:
        digest, version = scenario_digest(scenario), package_version()
        keys = [task_key(digest, child_key(root, b), TRIAL_BLOCK, name, version, device=device)
                for b in blocks]
        out = read_tasks(store, keys, TRIAL_BLOCK)
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        done = run_blocks(scenario, root, [(blocks[i], TRIAL_BLOCK) for i in missing], name, device)
        rows = []
        for i, res in zip(missing, done):
            out[i] = res
            if store is not None:
                ss = child_key(root, blocks[i])
                rows.append((keys[i], res, {"scenario": digest, "trials": TRIAL_BLOCK,
                                            "engine": name, "entropy": ss.entropy,
                                            "spawn_key": list(ss.spawn_key), "version": version}))
        if store is not None:
            store.put_many(rows)
    if store is not None and ex is not None:
        ex.totals.tasks += len(blocks)
        ex.totals.tasks_from_store += len(blocks) - len(missing)
        ex.totals.tasks_run += len(missing)
    return out


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
        BLAS threads during the run (default 1, see :func:`numeric.blas.blas_limit`); ``None`` leaves the
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
        executor, store, pref = ambient()
        if device is None:
            device = pref
    if executor is not None or store is not None:
        return simulate_many([(scenario, trials, seed, engine)], executor=executor, store=store,
                             quiet=quiet, device=device)[0]
    trials = _trials(trials)
    workers = as_count("workers", workers)
    name, reason = choose_engine(scenario, engine)
    be = device_backend(device)
    root = as_seed_sequence(seed)
    design = build_design(scenario)
    bs = (default_batch(name, design, scenario.n + scenario.N) if batch_size is None
          else as_count("batch_size", batch_size))
    batches = block_batches(name, design, seed_blocks(trials), bs)
    show = (not quiet) and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm.auto import tqdm      # deliberate: a heavy import, only for a visible bar
        bar = tqdm(total=trials, desc=f"simulate[{name}]", leave=False)
    try:
        limit = blas_limit(None if blas_threads is None else as_count("blas_threads", blas_threads))

        def job(batch):
            gens = batch_draws(name, design, root, batch)
            out = run_batch(scenario, design, name, gens, be)
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


@dataclass
class _Job:
    """One job of :func:`simulate_many`: its seed blocks, their store keys and, until the job
    is finished, the per-trial dict of each block (``None`` while not yet run or read)."""

    scenario: object
    name: str
    reason: str
    root: np.random.SeedSequence
    digest: str
    blocks: list
    keys: list
    parts: list | None = None
    remaining: int = 0

    @classmethod
    def plan(cls, j: int, job, version: str, device) -> "_Job":
        """The job ``jobs[j] = (scenario, trials, seed, engine)``, validated and cut into
        seed blocks."""
        try:
            scenario, trials, seed, engine = job
        except (TypeError, ValueError):
            raise ValueError(f"jobs[{j}] must be a tuple (scenario, trials, seed, engine), "
                             f"got {job!r}") from None
        trials = _trials(trials)
        name, reason = choose_engine(scenario, engine)
        root = as_seed_sequence(seed)
        digest = scenario_digest(scenario)
        blocks = seed_blocks(trials)
        keys = [task_key(digest, child_key(root, b), t, name, version, device=device)
                for b, t in blocks]
        return cls(scenario, name, reason, root, digest, blocks, keys, [None] * len(blocks))

    def missing(self) -> list:
        """Indices of the blocks not yet run or read."""
        return [i for i, p in enumerate(self.parts) if p is None]

    def result(self, stats) -> SimulationResult:
        """The finished job's result; releases the per-block arrays."""
        per_trial = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        res = SimulationResult.from_per_trial(per_trial, seed=self.root.entropy,
                                              spawn_key=self.root.spawn_key, engine=self.name,
                                              engine_reason=self.reason, scenario=self.scenario)
        res.execution = stats
        self.parts = None
        return res


def _read_stored(specs, store, stats) -> None:
    """Fill each job's ``parts`` with the tasks ``store`` already holds (none without a store),
    set its ``remaining`` count, and count the stored tasks in ``stats``."""
    rejected = 0 if store is None else store.rejected
    for s in specs:
        if store is not None:
            s.parts = read_tasks(store, s.keys, [t for _, t in s.blocks])
        s.remaining = len(s.missing())
        stats.tasks_from_store += len(s.blocks) - s.remaining
    if store is not None and store.rejected > rejected:
        stats.notes.append(f"{store.rejected - rejected} stored task(s) did not match their task "
                           "(fields, dtype, trial count) and were computed again")


_BATCHES_PER_CHUNK = 4
"""Engine batches per in-process chunk (one store transaction) of a small design."""


def _chunks(specs, workers: int, device) -> tuple[list, list]:
    """The missing tasks of every job cut into executor chunks (:func:`plan_chunks`), and for
    each chunk its owner ``(job index, task indices)``."""
    chunks, owners = [], []
    for j, s in enumerate(specs):
        missing = s.missing()
        size = plan_chunks(len(missing), workers)
        if workers == 0 and missing:
            # In this process a chunk is up to _BATCHES_PER_CHUNK engine batches where the
            # design's batches hold more than 4 blocks (small designs with block streams): the
            # fixed cost of an engine call is spread over a batch, and that of a store
            # transaction over several (about 10 ms of work; an interrupt loses at most that).
            batch = default_batch(s.name, build_design(s.scenario), s.scenario.n + s.scenario.N)
            size = max(size, _BATCHES_PER_CHUNK * batch // TRIAL_BLOCK)
        for c in range(0, len(missing), size):
            idx = tuple(missing[c:c + size])
            chunks.append(Chunk(s.scenario, s.digest, s.root, s.name,
                                tuple(s.blocks[i] for i in idx), tuple(s.keys[i] for i in idx),
                                device))
            owners.append((j, idx))
    return chunks, owners


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
    if executor is None:
        executor = SerialExecutor()
    if store is not None and not isinstance(store, RunStore):
        store = RunStore(store)
    version = package_version()
    device_backend(device)                          # fail early on a bad device
    specs = [_Job.plan(j, job, version, device) for j, job in enumerate(jobs)]
    stats = ExecutionStats(executor.name, executor.workers)
    stats.tasks = sum(len(s.blocks) for s in specs)
    results = None if on_result is not None else [None] * len(specs)
    _read_stored(specs, store, stats)
    chunks, owners = _chunks(specs, executor.workers, device)

    def finish(j):
        res = specs[j].result(stats)
        if on_result is not None:
            on_result(j, res)
        else:
            results[j] = res

    bar = None
    if (not quiet) and sys.stderr.isatty():
        from tqdm.auto import tqdm      # deliberate: a heavy import, only for a visible bar
        bar = tqdm(total=stats.tasks, initial=stats.tasks_from_store, desc="simulate", unit="task",
                   leave=False)

    def on_done(ci, outs):
        j, idx = owners[ci]
        s = specs[j]
        if store is not None:           # the chunk's tasks in one transaction
            store.put_many((s.keys[i], out, {
                "scenario": s.digest, "block": s.blocks[i][0], "trials": s.blocks[i][1],
                "engine": s.name, "entropy": s.root.entropy, "spawn_key": list(s.root.spawn_key),
                "device": device or "cpu", "version": version}) for i, out in zip(idx, outs))
        for i, out in zip(idx, outs):
            s.parts[i] = out
        stats.tasks_run += len(idx)
        s.remaining -= len(idx)
        if bar is not None:
            bar.update(len(idx))
        if s.remaining == 0:
            finish(j)

    try:
        for j, s in enumerate(specs):
            if s.remaining == 0:
                finish(j)
        executor.run(chunks, on_done, stats)
    finally:
        if bar is not None:
            bar.close()
        if store is not None:
            store.flush()
        executor.totals.add(stats)
    return results
