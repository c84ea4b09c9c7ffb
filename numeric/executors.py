"""One executor abstraction for every sweep: tasks of (scenario, seed block).

A *task* is one seed block (:data:`numeric.TRIAL_BLOCK` trials) of one scenario; it carries its
own seed (the block's child of the run's root ``SeedSequence``), so its numbers do not depend on
where, when or next to what it runs. Tasks of one scenario travel in *chunks* (a scenario is
pickled once per chunk, not once per block); chunking changes nothing in the numbers.

Executors (all with the same :meth:`Executor.run`):

* :class:`SerialExecutor` -- in this process (``workers=0``);
* :class:`ProcessExecutor` -- a local :class:`concurrent.futures.ProcessPoolExecutor` sized to
  the machine (the default; nothing to start). A worker that dies breaks the pool; the chunks
  that were in flight are resubmitted to a fresh pool and counted as retries;
* :class:`DaskExecutor` -- a ``dask.distributed`` cluster: ``"local"`` starts a
  ``LocalCluster``, anything else is a scheduler address. Dask reschedules the tasks of a dead
  worker itself (a run's shared scenario travels as a task, so it is recomputed too); the
  retries are read back from the scheduler's transition log.

:func:`make_executor` builds one from the CLI options ``--workers`` / ``--dask``.
"""
from __future__ import annotations

import contextlib
import contextvars
import ctypes
import hashlib
import math
import multiprocessing
import os
import signal
import threading
import warnings
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import resource_tracker

from numeric.blas import blas_limit
from numeric.store import RunStore
from numeric.tasks import run_blocks

__all__ = ["Chunk", "ExecutionStats", "Executor", "SerialExecutor", "ProcessExecutor", "stop_pool",
           "DaskExecutor", "make_executor", "run_chunk", "default_workers", "using", "ambient",
           "init_worker"]

_MASKS = hasattr(signal, "pthread_sigmask")
_AMBIENT = contextvars.ContextVar("numeric_executor", default=(None, None, None))


@contextlib.contextmanager
def using(executor=None, store=None, device=None):
    """Within the block, :func:`numeric.simulate` calls that name neither ``executor`` nor
    ``store`` use these (and :func:`numeric.simulate_block` reads/writes ``store``).

    ``device`` is a preference: simulations that name no device use it (either engine).
    With a serial executor (or none) BLAS is limited to one thread for the block, as each
    simulation would do anyway (:func:`numeric.blas.blas_limit`).

    This lets a command route every simulation of code it does not own (claims, plots, the
    paper study) through one executor and one run folder, like ``joblib.parallel_backend``.
    ``store`` may be a :class:`numeric.store.RunStore` or a folder path.
    """
    if store is not None:
        if not isinstance(store, RunStore):
            store = RunStore(store)
    token = _AMBIENT.set((executor, store, device))
    # A serial executor runs every task here, each under a one-thread BLAS limit: set it once
    # for the block, so that the many small tasks of a check run do not each pay for it.
    limit = blas_limit(1) if executor is None or isinstance(executor, SerialExecutor) \
        else contextlib.nullcontext()
    try:
        with limit:
            yield
    finally:
        _AMBIENT.reset(token)
        if store is not None:
            store.flush()


def ambient() -> tuple:
    """``(executor, store, device)`` set by the innermost :func:`using` (all ``None`` outside)."""
    return _AMBIENT.get()

_WORKER_SCENARIOS: "OrderedDict[str, object]" = OrderedDict()
_WORKER_CACHE = 8


def default_workers() -> int:
    """Worker processes for "sized to the machine": the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:      # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Chunk:
    """Consecutive tasks of one scenario: ``blocks`` is a tuple of ``(block, trials)``.

    ``root`` is the run's root ``SeedSequence`` of this scenario; block ``b`` draws from its
    ``b``-th child (:func:`numeric.seeding.child`). ``digest`` identifies the scenario (workers
    keep a few unpickled scenarios, and so their designs, by digest).
    """

    scenario: object
    digest: str
    root: object
    engine: str
    blocks: tuple
    keys: tuple = ()
    device: str | None = None

    @property
    def size(self) -> int:
        """Tasks in the chunk (what a retry counts)."""
        return len(self.blocks)

    def execute(self, scenario) -> list:
        """Run the chunk's blocks of ``scenario`` (the unpickled or cached payload)."""
        return run_blocks(scenario, self.root, self.blocks, self.engine, self.device)

    @property
    def name(self) -> str:
        """A stable name of the chunk (the hash of its task keys or identity)."""
        h = hashlib.sha256()
        h.update(self.digest.encode())
        h.update(repr((self.root.entropy, tuple(self.root.spawn_key), self.engine,
                       self.blocks, self.device)).encode())
        return "w2s-" + h.hexdigest()[:32]


def run_chunk(chunk):
    """Run every task of ``chunk`` (worker entry point): ``chunk.execute(payload)``.

    Any frozen dataclass with the fields ``scenario`` (the shared payload, shipped once per
    chunk, or once per run on Dask) and ``digest`` (its identity), the property ``name`` (a
    stable key), ``size`` (tasks it holds) and a method ``execute(payload)`` runs on every
    executor: a :class:`Chunk` of scenario blocks (one per-trial dict per block) or, e.g., the
    feature-probe points of :mod:`numeric.features.tasks`.
    """
    sc = _WORKER_SCENARIOS.get(chunk.digest)
    if sc is None:
        sc = chunk.scenario
        _WORKER_SCENARIOS[chunk.digest] = sc
        while len(_WORKER_SCENARIOS) > _WORKER_CACHE:
            _WORKER_SCENARIOS.popitem(last=False)
    else:
        _WORKER_SCENARIOS.move_to_end(chunk.digest)
    return chunk.execute(sc)


@dataclass
class ExecutionStats:
    """What happened during a run (goes into the result's ``execution`` metadata)."""

    executor: str
    workers: int
    tasks: int = 0
    tasks_from_store: int = 0
    tasks_run: int = 0
    retries: int = 0
    pool_restarts: int = 0
    notes: list = field(default_factory=list)

    def add(self, other: "ExecutionStats") -> None:
        """Accumulate another run's counts (for an executor's running totals)."""
        for k in ("tasks", "tasks_from_store", "tasks_run", "retries", "pool_restarts"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.notes.extend(other.notes)

    def to_dict(self) -> dict:
        return {"executor": self.executor, "workers": self.workers, "tasks": self.tasks,
                "tasks_from_store": self.tasks_from_store, "tasks_run": self.tasks_run,
                "retries": self.retries, "pool_restarts": self.pool_restarts,
                "notes": list(self.notes)}


class Executor:
    """Runs chunks; subclasses implement :meth:`_run`. Use as a context manager."""

    name = "executor"
    workers = 1

    @property
    def totals(self) -> ExecutionStats:
        """Counts summed over every run on this executor (what a command reports)."""
        t = self.__dict__.get("_totals")
        if t is None:
            t = self.__dict__["_totals"] = ExecutionStats(self.name, self.workers)
        return t

    def run(self, chunks, on_done, stats: ExecutionStats | None = None) -> ExecutionStats:
        """Run ``chunks`` (a list of :class:`Chunk`) and call ``on_done(i, results)`` in this
        process as chunk ``i`` finishes (any order). Returns the updated ``stats``."""
        stats = ExecutionStats(self.name, self.workers) if stats is None else stats
        chunks = list(chunks)
        if chunks:
            self._run(chunks, on_done, stats)
        return stats

    def _run(self, chunks, on_done, stats):
        raise NotImplementedError

    def close(self) -> None:
        """Release workers/connections (idempotent)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class SerialExecutor(Executor):
    """Runs every chunk in this process, in order."""

    name = "serial"
    workers = 0

    def _run(self, chunks, on_done, stats):
        for i, c in enumerate(chunks):
            on_done(i, run_chunk(c))


class ProcessExecutor(Executor):
    """Local process pool (``concurrent.futures``), spawned workers with single-threaded BLAS.

    Parameters
    ----------
    workers : int, optional
        Worker processes, >= 1 (default: :func:`default_workers`).
    max_retries : int
        Times one chunk may be resubmitted after its worker died (default 2); beyond that
        the run stops with ``RuntimeError`` (a chunk that kills every worker it meets, e.g.
        by running out of memory, must not loop forever).
    """

    name = "process"

    def __init__(self, workers: int | None = None, max_retries: int = 2):
        if workers is None:
            workers = default_workers()
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        self.workers = workers
        self.max_retries = max_retries
        self._pool = None

    def _new_pool(self):
        # spawn, not fork: the driver may hold threads (progress bars, Dask, BLAS pools).
        # Ctrl-C in a terminal signals the whole process group; the driver alone handles it,
        # terminating the workers. A worker is started with SIGINT blocked (the mask survives
        # fork and exec; see _submit) and its initializer ignores it before unblocking, so a
        # Ctrl-C during the worker's start-up (imports: about 100 ms) is dropped there instead
        # of printing a KeyboardInterrupt traceback.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_worker)

    def _submit(self, chunk):
        """``pool.submit`` with Ctrl-C and SIGTERM held back until it returns.

        ``submit`` starts the worker processes, from this thread. (1) SIGINT is blocked here
        while it does, so the workers start with it blocked (the mask survives fork and exec;
        their initializer ignores it, then unblocks). (2) The Python handlers of SIGINT and
        SIGTERM are deferred: an interrupt raised between starting a worker and writing its
        start-up data would leave that worker to die on an ``EOFError`` traceback. The
        signal, if any, is acted on right after.
        """
        if not _MASKS or threading.current_thread() is not threading.main_thread():
            return self.pool.submit(run_chunk, chunk)
        # The spawn start method first starts multiprocessing's resource tracker, and that
        # *unblocks* SIGINT when done: start it before blocking.
        resource_tracker.ensure_running()
        caught = []
        held = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return self.pool.submit(run_chunk, chunk)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
            for sig, handler in held.items():
                signal.signal(sig, handler)
            for sig in caught[:1]:
                handler = held[sig]
                if callable(handler):
                    handler(sig, None)          # e.g. KeyboardInterrupt: the run stops
                elif handler == signal.SIG_DFL:
                    signal.raise_signal(sig)

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new_pool()
        return self._pool

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests that kill one)."""
        procs = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.is_alive()]

    def _run(self, chunks, on_done, stats):
        todo = list(range(len(chunks)))[::-1]       # a stack: pop() gives chunk order
        attempts = [0] * len(chunks)
        pending = {}
        # At most 2 chunks per worker are submitted at a time, so that a broken pool loses
        # (and re-runs) only about what was in flight.
        window = 2 * self.workers
        barren = 0                                  # consecutive pool breaks without progress
        try:
            while todo or pending:
                broken = False
                while todo and len(pending) < window:
                    try:
                        fut = self._submit(chunks[todo[-1]])
                    except BrokenProcessPool:        # a worker died since the last wait
                        broken = True
                        break
                    pending[fut] = todo.pop()
                done = () if broken else wait(list(pending), return_when=FIRST_COMPLETED)[0]
                for fut in done:
                    i = pending.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        pending[fut] = i
                        continue
                    on_done(i, res)
                    barren = 0
                if broken:
                    barren += 1
                    if barren > self.max_retries + 1:
                        raise RuntimeError("the process pool broke repeatedly without finishing "
                                           "any task; giving up")
                    lost = self._salvage(pending, on_done)
                    for i in lost:
                        attempts[i] += 1
                        if attempts[i] > self.max_retries:
                            raise RuntimeError(
                                f"a task chunk lost its worker {attempts[i]} times (max_retries="
                                f"{self.max_retries}); giving up") from None
                    n = sum(chunks[i].size for i in lost)
                    stats.retries += n
                    stats.pool_restarts += 1
                    stats.notes.append(f"a worker process died; {n} task(s) in flight resubmitted")
                    todo.extend(sorted(lost, reverse=True))
        except BaseException:
            # Ctrl-C or a failure: stop the workers now (they ignore SIGINT, and a chunk may
            # run for a while); finished chunks were delivered. The futures are left to fail
            # as BrokenProcessPool, not cancelled: Python 3.11's pool manager raises
            # InvalidStateError (a thread traceback) on a cancelled future of a broken pool.
            if self._pool is not None:
                self._stop_workers()
            raise

    def _stop_workers(self) -> None:
        """Terminate the workers and reap them (SIGKILL after 2 s): no process, not even a
        zombie, outlives the run. A second Ctrl-C is held back meanwhile."""
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) \
            if _MASKS else None
        try:
            stop_pool(self._pool)
            self._pool = None
        finally:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _salvage(self, pending, on_done) -> list:
        """After a broken pool: deliver the chunks that did finish, return the lost ones."""
        lost = []
        for fut, i in list(pending.items()):
            exc = fut.exception() if fut.done() and not fut.cancelled() else None
            if fut.done() and not fut.cancelled() and exc is None:
                on_done(i, fut.result())
            elif exc is not None and not isinstance(exc, BrokenProcessPool):
                raise exc                       # the task itself failed: not a worker death
            else:
                lost.append(i)
        pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        return lost

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A ``dask.distributed`` cluster (optional extra ``pip install -e ".[distributed]"``).

    Parameters
    ----------
    address : str
        ``"local"`` starts a ``LocalCluster`` of ``workers`` single-threaded worker processes;
        anything else is a scheduler address such as ``"tcp://10.0.0.5:8786"``.
    workers : int, optional
        Size of the ``LocalCluster`` (default :func:`default_workers`); ignored for an address.
    client : distributed.Client, optional
        Use this client instead (not closed by :meth:`close`).
    """

    name = "dask"

    def __init__(self, address: str = "local", workers: int | None = None, client=None):
        try:              # optional dependency (the distributed extra): only for this executor
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError("the Dask executor needs dask.distributed: "
                              'pip install -e ".[distributed]"') from exc
        self._own = client is None
        self.cluster = None
        if client is not None:
            self.client = client
        elif not isinstance(address, str) or not address:
            raise ValueError(f"address must be 'local' or a scheduler address, got {address!r}")
        elif address == "local":
            if workers is None:
                workers = default_workers()
            if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
                raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address)
        self.workers = workers if self.cluster is not None else \
            len(self.client.scheduler_info().get("workers", {}))
        self.address = address

    def _run(self, chunks, on_done, stats):
        from dask.distributed import as_completed     # optional dependency, as in __init__

        shipped = {}
        futures = {}
        try:
            for i, c in enumerate(chunks):
                # Ship each scenario once to the cluster, not once per chunk, as a *task* that
                # returns it (not ``scatter``): the scheduler keeps its definition, so a worker
                # killed while holding it (or while it is being shipped) costs a recomputation,
                # not the run. Scattered data would be lost with its worker.
                sc = shipped.get(c.digest)
                if sc is None:
                    with warnings.catch_warnings():
                        # Deliberate: the payload sits in the graph so that it can be rebuilt.
                        warnings.filterwarnings("ignore", message=".*[Ll]arge object")
                        sc = shipped[c.digest] = self.client.submit(
                            _payload, c.scenario, key=f"w2s-payload-{c.digest}-{c.name}",
                            pure=False)
                fut = self.client.submit(_run_chunk_with, sc, replace(c, scenario=None),
                                         key=c.name, pure=False)
                futures[fut] = i
            keys = [f.key for f in futures]
            for fut in as_completed(list(futures)):
                on_done(futures[fut], fut.result())
                fut.release()          # a result already here is not recomputed if lost
            runs = self.client.run_on_scheduler(_processing_runs, keys=keys)
        except BaseException:
            self.client.cancel(list(futures) + list(shipped.values()))
            raise
        size = {f.key: chunks[i].size for f, i in futures.items()}
        # A key that went to "processing" k times ran k - 1 extra times: its worker died while
        # running it, or died holding its result before this process had fetched it.
        n = int(sum(max(v - 1, 0) * size.get(k, 1) for k, v in runs.items()))
        if n:
            stats.retries += n
            stats.notes.append(f"Dask rescheduled {n} task(s) whose worker died")
        self.client.cancel(list(shipped.values()))
        del futures

    def close(self) -> None:
        if self._own and getattr(self, "client", None) is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Terminate a process pool's workers and reap them (SIGKILL after 2 s), then shut it down
    without waiting: no worker, not even a zombie, outlives a stopped run. Used on Ctrl-C or a
    failure, where the queued work is abandoned."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(2.0)
        if p.is_alive():
            p.kill()
            p.join(2.0)
    pool.shutdown(wait=False)


def init_worker() -> None:
    """Initializer of a local worker process: ignore SIGINT, drop any pending one, and (on
    Linux) die with the parent.

    Ctrl-C is the driver's to handle: it terminates its workers. Started with SIGINT blocked
    (see :meth:`ProcessExecutor._submit`), a worker ignores it before unblocking, so a Ctrl-C
    during its start-up is dropped instead of printing a traceback. ``PR_SET_PDEATHSIG``
    makes the kernel SIGKILL the worker when the driver dies without cleaning up (``kill -9``),
    so no worker is left waiting for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):                                   # not on Linux
        pass
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:     # the driver died before prctl
        os._exit(1)


def _run_chunk_with(scenario, chunk: Chunk) -> list:
    return run_chunk(replace(chunk, scenario=scenario))


def _payload(scenario):
    """The shared payload of a run's chunks (a task, so that Dask can recompute it)."""
    return scenario


def _processing_runs(dask_scheduler=None, keys=()):
    """Per key: how many times it went to ``processing`` (runs on the scheduler; read from its
    transition log, which also sees reruns after a worker died holding a finished result)."""
    keys = set(keys)
    out = dict.fromkeys(keys, 0)
    for entry in dask_scheduler.transition_log:
        if entry[0] in keys and entry[2] == "processing":
            out[entry[0]] += 1
    return out


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """Executor for the CLI options: ``--dask ADDRESS|local`` wins; else ``workers`` 0 runs in
    this process and ``None`` (the default) or ``k >= 1`` uses a local process pool."""
    if dask is not None:
        return DaskExecutor(dask, workers=None if not workers else workers)
    if workers is None:
        return ProcessExecutor()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    return SerialExecutor() if workers == 0 else ProcessExecutor(workers)


def plan_chunks(n_blocks: int, workers: int, cap: int = 8) -> int:
    """Blocks per chunk: about 4 chunks per worker (load balance), at most ``cap`` blocks.

    In this process (``workers == 0``) chunks are 4 blocks (64 trials): an interrupt loses at
    most those; :func:`numeric.simulate.simulate_many` makes them a few engine batches (one
    store transaction) for the small designs that draw a block at a time, where that is
    milliseconds."""
    if n_blocks <= 0:
        return 1
    if workers == 0:
        return 4
    return int(max(1, min(cap, math.ceil(n_blocks / (4 * max(workers, 1))))))
