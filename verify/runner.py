"""Run a list of claims: plan, check, correct (Holm), decide, shrink failures.

The run's outcome for each claim is compared with the claim's ``expect`` (``pass`` for claims
believed true, ``fail`` for registered known-false claims). Exit codes (:func:`exit_code`):

* 0 -- every claim had its expected outcome;
* 1 -- some claim had an unexpected definite outcome (a believed claim failed, or a known-false
  claim passed);
* 3 -- nothing unexpected was definite, but some claim was inconclusive.
"""
from __future__ import annotations

import importlib.metadata as md
import math
import multiprocessing
import os
import platform
import signal
import sys
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from numeric.executors import SerialExecutor, ambient, using
from numeric.store import RunStore
from verify import stats
from verify.claims import Observation
from verify.exitcodes import ExitCode


@dataclass
class ClaimResult:
    """Outcome of one claim."""

    claim: object
    observations: list
    status: str = "inconclusive"
    seconds: float = 0.0
    counterexample: dict | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.claim.name

    @property
    def expect(self) -> str:
        return self.claim.expect

    @property
    def as_expected(self) -> bool:
        return self.status == self.expect

    @property
    def worst(self) -> Observation | None:
        """The observation with the smallest p-value (statistical) or the first non-pass one."""
        stat = [o for o in self.observations if o.alternative != "none" and o.p_value is not None]
        if stat:
            return min(stat, key=lambda o: (o.p_value, -abs(o.deviation or 0)))
        bad = [o for o in self.observations if o.status != "pass"]
        return (bad or self.observations or [None])[0]

    @property
    def worst_deviation(self) -> float | None:
        """Signed deviation (estimate - theory) / scale of the most adverse observation: the
        largest |deviation| for equalities and equivalences, the smallest slack for ``ge``
        bounds (negative = below the bound), the largest excess for ``le`` bounds."""
        def adverse(o):
            return {"less": -o.deviation, "greater": o.deviation}.get(o.alternative, abs(o.deviation))
        obs = [o for o in self.observations if o.deviation is not None]
        return max(obs, key=adverse).deviation if obs else None

    @property
    def max_mde(self) -> float | None:
        """Largest minimum detectable deviation (the weakest check's power), in scale units."""
        m = [o.mde for o in self.observations if o.mde is not None]
        return max(m) if m else None

    def to_dict(self) -> dict:
        return {"claim": self.claim.describe(), "status": self.status, "expect": self.expect,
                "as_expected": self.as_expected, "seconds": round(self.seconds, 3),
                "worst_deviation": self.worst_deviation, "max_mde": self.max_mde,
                "counterexample": self.counterexample, "error": self.error,
                "observations": [o.to_dict() for o in self.observations]}


@dataclass
class RunResult:
    """Outcome of a run: per-claim results plus the run's settings and statistics."""

    results: list
    summary: dict
    settings: dict
    seconds: float = 0.0
    environment: dict = field(default_factory=dict)
    #: the value of ``run_claims(..., alongside=job)``'s job (``None`` without one); not part of
    #: :meth:`to_dict`: the caller decides where it goes (the figures, for ``python -m verify``)
    alongside: object = None

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)

    def counts(self) -> dict:
        out = {s: 0 for s in ("pass", "fail", "inconclusive")}
        for r in self.results:
            out[r.status] += 1
        out["as_expected"] = sum(r.as_expected for r in self.results)
        out["total"] = len(self.results)
        return out

    def to_dict(self) -> dict:
        return {"settings": self.settings, "summary": self.summary, "environment": self.environment,
                "seconds": round(self.seconds, 3), "counts": self.counts(), "exit_code": self.exit_code,
                "claims": [r.to_dict() for r in self.results]}


def exit_code(results) -> ExitCode:
    """0 all as expected; 1 some unexpected definite outcome; 3 inconclusive, nothing unexpected."""
    if any(not r.as_expected and r.status != "inconclusive" for r in results):
        return ExitCode.CLAIM_FAILED
    if any(r.status == "inconclusive" for r in results):
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK


def environment() -> dict:
    """Package versions and platform, for reproducibility."""
    versions = {}
    for pkg in ("w2s-verifier", "numpy", "scipy", "sympy", "mpmath", "hypothesis", "matplotlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(), "versions": versions}


def _claim_status(observations) -> str:
    # A superseded random draw (``required`` False) still fails its claim, but its lack of
    # power does not make the claim inconclusive: its replacement carries the power.
    st = [o.status for o in observations if o.required or o.status == "fail"]
    if not st:
        return "inconclusive"
    if "fail" in st:
        return "fail"
    if "inconclusive" in st:
        return "inconclusive"
    return "pass"


def _run_one(claim, ctx):
    """Run one claim: (observations, seconds, error message or None).

    An exception of the claim becomes an ``error`` observation (inconclusive); an ``OSError``
    does not: it is an I/O error of the run (a full run folder, say), not an outcome of the
    claim, and propagates.
    """
    t = time.monotonic()
    error = None
    try:
        obs = list(claim.run(ctx))
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken claim must not stop the run
        error = f"{type(exc).__name__}: {exc}"
        obs = [Observation.check("error while running the claim", "inconclusive",
                                 details={"traceback": traceback.format_exc(limit=6)})]
    for o in obs:
        o.claim = claim.name
    return obs, time.monotonic() - t, error


# (claims, ctx, store folder, device, alongside job) handed to forked workers by inheritance:
# claims hold SymPy expressions and user callables that need not pickle, so only indices and
# results travel.
_FORKED: tuple | None = None

#: The job index of ``run_claims``' ``alongside`` job in the fork pool (claims are 0, 1, ...).
ALONGSIDE = -1

# Times a claim is run again after its worker died, before it is reported as an error.
MAX_RETRIES = 2
# Seconds a worker has to exit after SIGTERM before it is killed.
_GRACE = 2.0
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _forked_claim(i: int):
    claims, ctx, folder, device, alongside = _FORKED
    before = ctx.simulated_trials
    executor = SerialExecutor()
    # Only the parent rewrites the manifest; this worker hands its entries back.
    store = RunStore(folder, write_manifest=False) if folder else None
    with using(executor, store, device):
        if i == ALONGSIDE:
            t = time.monotonic()
            obs, error = alongside(ctx, progress=False), None   # its exceptions are the run's
            seconds = time.monotonic() - t
        else:
            obs, seconds, error = _run_one(claims[i], ctx)
    entries = store.new_entries() if store is not None else {}
    return i, obs, seconds, error, ctx.simulated_trials - before, executor.totals, entries


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (a SIGKILLed driver leaves no
    orphans); elsewhere a worker notices the closed pipe once its claim is done."""
    try:
        import ctypes   # deliberate: only workers need it, and only on Linux

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)           # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(conn, parent: int) -> None:
    """Body of a claim worker: run the claim indices it is sent until ``None`` or EOF."""
    # The driver alone handles Ctrl-C and SIGTERM, and terminates its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent()
    if os.getppid() != parent:                  # the driver died before prctl
        return
    while True:
        try:
            i = conn.recv()
        except (EOFError, OSError):
            return
        if i is None:
            return
        try:
            msg = ("ok", _forked_claim(i))
        except OSError as exc:
            msg = ("oserror", (exc.errno, exc.strerror or str(exc), exc.filename))
        except BaseException as exc:  # noqa: BLE001 - reported to the driver, which re-raises
            msg = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
        try:
            conn.send(msg)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One forked claim worker and the pipe to it; ``job`` is the claim index in flight."""

    def __init__(self, mp):
        here, there = mp.Pipe()
        self.process = mp.Process(target=_worker_main, args=(there, os.getpid()), daemon=True)
        # A signal that lands inside fork() runs its handler in an at-fork hook, where the
        # KeyboardInterrupt is swallowed ("Exception ignored"): Ctrl-C would be lost. Blocked
        # here, it is delivered right after, in the driver; the worker unblocks its own.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        there.close()
        self.conn = here
        self.job = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after :data:`_GRACE` seconds; reaps the process."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(_GRACE)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self.conn.close()


def _stop_all(pool) -> None:
    # A second Ctrl-C during the clean-up must not leave workers behind.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        for w in pool:
            if w.process.is_alive():
                w.process.terminate()
        for w in pool:
            w.stop()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _run_forked(claims, ctx, workers, collect, alongside=None):
    """Run the claims in ``workers`` forked processes, each claim whole in one of them.

    A check run's simulations are small and sequential inside a claim (adaptive trials), so
    the parallelism is across claims. Inside a worker the claim's simulation tasks still go
    through the executor abstraction (serially) and the run folder of the ambient
    :func:`numeric.executors.using`. Results are the same as a serial run: every claim draws
    its configurations and seeds from the run seed and its own name, never from run order.

    Faults: a worker that dies (``kill -9``, out of memory) is replaced and its claim run
    again from the start (its finished tasks are read back from the run folder), at most
    :data:`MAX_RETRIES` times, after which the claim is reported with an error (inconclusive);
    each re-run counts in the executor's ``retries``. Ctrl-C or SIGTERM in the driver
    terminates every worker (SIGTERM, then SIGKILL) before the exception propagates.

    ``alongside`` (``job(ctx, progress=False)``) is one more job, queued first (it is long: for
    ``python -m verify``, the figures); its value is handed to ``collect`` under :data:`ALONGSIDE`. If its worker dies
    more than :data:`MAX_RETRIES` times, ``collect`` is not called for it (the caller runs it).
    """
    global _FORKED
    parent_executor, store, device = ambient()
    mp = multiprocessing.get_context("fork")
    todo = deque(([ALONGSIDE] if alongside is not None else []) + list(range(len(claims))))
    attempts = dict.fromkeys(todo, 0)
    pool = []
    _FORKED = (claims, ctx, store.folder if store is not None else None, device, alongside)

    def lost(w):
        i, code = w.job, w.process.exitcode
        w.stop()
        pool.remove(w)
        if i is None:
            return
        attempts[i] += 1
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        what = "the job run alongside the claims" if i == ALONGSIDE else f"claim {claims[i].name}"
        if attempts[i] > MAX_RETRIES:
            if i == ALONGSIDE:
                return                      # run_claims runs it in the driver
            msg = (f"WorkerDied: the worker process running this claim died {attempts[i]} times "
                   f"(last: {how}); not retried again")
            collect(i, [Observation.check("worker process died", "inconclusive",
                                          details={"error": msg})], 0.0, msg)
            return
        todo.appendleft(i)
        if parent_executor is not None:
            parent_executor.totals.retries += 1
            parent_executor.totals.pool_restarts += 1
            parent_executor.totals.notes.append(f"a claim worker died ({how}); {what} run again")

    try:
        while todo or any(w.job is not None for w in pool):
            # Never more workers than claims left (--workers 50 for 2 claims forks 2).
            want = min(workers, len(todo) + sum(w.job is not None for w in pool))
            while len(pool) < want:
                pool.append(_Worker(mp))
            for w in pool:
                if w.job is None and todo:
                    w.job = todo.popleft()
                    try:
                        w.conn.send(w.job)
                    except OSError:
                        pass                          # found dead below
            busy = [w for w in pool if w.job is not None]
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for w in busy:
                msg = None
                try:
                    if w.conn.poll():
                        msg = w.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:
                    if not w.process.is_alive():
                        lost(w)
                    continue
                w.job = None
                kind, payload = msg
                if kind == "oserror":
                    raise OSError(*payload)
                if kind == "error":
                    raise RuntimeError(f"a claim worker failed: {payload}")
                i, obs, seconds, error, trials, totals, entries = payload
                ctx.simulated_trials += trials
                if parent_executor is not None:
                    parent_executor.totals.add(totals)
                if store is not None:
                    store.merge(entries)
                collect(i, obs, seconds, error)
    finally:
        _FORKED = None
        _stop_all(pool)


def run_claims(claims, ctx, *, shrink: bool = True, progress: bool = False,
               workers: int = 1, alongside=None, waiting: str | None = None) -> RunResult:
    """Check ``claims`` under context ``ctx`` and return a :class:`RunResult`.

    ``workers > 1`` runs whole claims in that many forked processes (where the platform can
    fork); the result is the same as with ``workers=1``.

    ``alongside``: a callable ``job(ctx, progress=...)`` whose value (picklable) becomes
    ``RunResult.alongside``. With workers it runs in the pool, first, while the claims run
    (``python -m verify`` draws its figures so, instead of after the claims on one core), with
    ``progress=False`` (a worker's prints would break the bar); serially, after the claims,
    with ``progress``. It must not depend on the claims' outcomes. ``waiting``: the line shown
    (with ``progress``) when every claim is done and that job is still running, so that a
    finished bar is not followed by silence.

    1. Plan: ``m_planned`` = sum of ``claim.plan(ctx)``; ``ctx.planning_level = alpha / m_planned``.
    2. Run every claim (an exception of a claim, whatever its type, becomes an ``error``
       observation with status ``inconclusive``; an ``OSError`` is an I/O error of the run and
       stops it).
    3. Holm over every statistical observation of every claim (:func:`verify.stats.decide`).
    4. Shrink the strongest failure of each failing claim to a minimal counterexample.
    """
    t0 = time.monotonic()
    claims = list(claims)
    m_planned = sum(max(int(c.plan(ctx)), 0) for c in claims)
    ctx.planning_level = ctx.alpha / max(m_planned, 1)
    bar = None
    if progress:
        from tqdm import tqdm   # deliberate: a heavy import, only for a visible bar

        bar = tqdm(total=len(claims), unit="claim", file=sys.stderr, dynamic_ncols=True)
    results = [None] * len(claims)
    side = {}

    def collect(i, obs, seconds, error):
        if i == ALONGSIDE:
            side["value"] = obs
            return
        results[i] = ClaimResult(claims[i], obs, seconds=seconds, error=error)
        if bar is not None:
            bar.set_description(claims[i].name[:40])
            bar.update(1)
        if (progress and waiting and alongside is not None and "value" not in side
                and all(r is not None for r in results)):
            if bar is not None:
                bar.refresh()
                bar.write(waiting, file=sys.stderr)    # below the bar, not inside its line
            else:
                print(waiting, file=sys.stderr, flush=True)

    if workers > 1 and len(claims) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _run_forked(claims, ctx, workers, collect, alongside)
    else:
        for i, c in enumerate(claims):
            collect(i, *_run_one(c, ctx))
    if bar is not None:
        bar.close()
    if alongside is not None and "value" not in side:
        side["value"] = alongside(ctx, progress=progress)   # serially, or its workers kept dying
    summary = stats.decide([o for r in results for o in r.observations], ctx.alpha, ctx.power)
    summary["m_planned"] = m_planned
    summary["planning_level"] = ctx.planning_level
    for r in results:
        r.status = _claim_status(r.observations)
    if shrink:
        # A quick run does not spend its minute illustrating refutations it already expects.
        to_shrink = [r for r in results if r.status == "fail" and not (ctx.quick and r.expect == "fail")]
        for k, r in enumerate(to_shrink):
            if progress:   # seconds each, after the bar has closed: say what runs
                print(f"counterexamples: {k + 1}/{len(to_shrink)} {r.name}", file=sys.stderr, flush=True)
            bad = [o for o in r.observations if o.status == "fail"]
            worst = min(bad, key=lambda o: o.p_value if o.p_value is not None else 0.0)
            t = time.monotonic()
            try:
                ce = r.claim.counterexample(ctx, worst)
            except Exception as exc:  # noqa: BLE001 - shrinking is best effort
                ce = {"error": f"{type(exc).__name__}: {exc}"}
            if ce is None and worst.alternative == "none":
                # A deterministic check (an exact search, a symbolic proof) carries its own
                # witness: report it as the claim found it, with no simulated value.
                ce = {"shrunk": None, "config": worst.config, "label": worst.label,
                      "details": worst.details}
            if ce is None:
                ce = {"shrunk": False, "config": worst.config, "theory": worst.theory,
                      "estimate": worst.estimate, "stderr": worst.stderr, "p_value": worst.p_value,
                      "label": worst.label, "details": worst.details}
            r.counterexample = ce
            r.seconds += time.monotonic() - t
    settings = {"seed": ctx.seed, "alpha": ctx.alpha, "power": ctx.power, "examples": ctx.examples,
                "trials": ctx.trials, "trials_budget": ctx.trials_budget, "resolution": ctx.resolution,
                "quick": ctx.quick, "engine": ctx.engine,
                # Work done, not a result: with workers each process has its own cache of
                # simulated configurations, so the count depends on the executor and on what a
                # run folder already held. It sits with the executor's counts.
                "execution": {"simulated_trials": ctx.simulated_trials}}
    return RunResult(results, summary, settings, seconds=time.monotonic() - t0, environment=environment(),
                     alongside=side.get("value"))


def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}"
