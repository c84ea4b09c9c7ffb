"""Run a list of claims: plan, check, correct (Holm), decide, shrink failures.

The run's outcome for each claim is compared with the claim's ``expect`` (``pass`` for claims
believed true, ``fail`` for registered known-false claims). Exit codes (:func:`exit_code`):

* 0 -- every claim had its expected outcome;
* 1 -- some claim had an unexpected definite outcome (a believed claim failed, or a known-false
  claim passed);
* 3 -- nothing unexpected was definite, but some claim was inconclusive.
"""
from __future__ import annotations

import math
import multiprocessing
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field

from verify import stats
from verify.claims import Observation


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


def exit_code(results) -> int:
    """0 all as expected; 1 some unexpected definite outcome; 3 inconclusive, nothing unexpected."""
    if any(not r.as_expected and r.status != "inconclusive" for r in results):
        return 1
    if any(r.status == "inconclusive" for r in results):
        return 3
    return 0


def environment() -> dict:
    """Package versions and platform, for reproducibility."""
    import importlib.metadata as md

    versions = {}
    for pkg in ("w2s-verifier", "numpy", "scipy", "sympy", "mpmath", "hypothesis", "matplotlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(), "versions": versions}


def _claim_status(observations) -> str:
    st = [o.status for o in observations]
    if not st:
        return "inconclusive"
    if "fail" in st:
        return "fail"
    if "inconclusive" in st:
        return "inconclusive"
    return "pass"


def _run_one(claim, ctx):
    """Run one claim: (observations, seconds, error message or None)."""
    t = time.monotonic()
    error = None
    try:
        obs = list(claim.run(ctx))
    except Exception as exc:  # noqa: BLE001 - one broken claim must not stop the run
        error = f"{type(exc).__name__}: {exc}"
        obs = [Observation.check("error while running the claim", "inconclusive",
                                 details={"traceback": traceback.format_exc(limit=6)})]
    for o in obs:
        o.claim = claim.name
    return obs, time.monotonic() - t, error


# (claims, ctx, store folder, device) handed to forked workers by inheritance: claims hold SymPy
# expressions and user callables that need not pickle, so only indices and results travel.
_FORKED: tuple | None = None


def _forked_claim(i: int):
    from numeric.executors import SerialExecutor, using
    from numeric.store import RunStore

    claims, ctx, folder, device = _FORKED
    before = ctx.simulated_trials
    executor = SerialExecutor()
    # Only the parent rewrites the manifest; this worker hands its entries back.
    store = RunStore(folder, write_manifest=False) if folder else None
    with using(executor, store, device):
        obs, seconds, error = _run_one(claims[i], ctx)
    entries = store.new_entries() if store is not None else {}
    return i, obs, seconds, error, ctx.simulated_trials - before, executor.totals, entries


def _run_forked(claims, ctx, workers, collect):
    """Run the claims in ``workers`` forked processes, each claim whole in one of them.

    A check run's simulations are small and sequential inside a claim (adaptive trials), so
    the parallelism is across claims. Inside a worker the claim's simulation tasks still go
    through the executor abstraction (serially) and the run folder of the ambient
    :func:`numeric.executors.using`. Results are the same as a serial run: every claim draws
    its configurations and seeds from the run seed and its own name, never from run order.
    """
    global _FORKED
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from numeric.executors import ambient

    parent_executor, store, device = ambient()
    _FORKED = (claims, ctx, store.folder if store is not None else None, device)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # Longest claims first would need timings; submission order keeps it simple.
            futures = [pool.submit(_forked_claim, i) for i in range(len(claims))]
            for fut in as_completed(futures):
                i, obs, seconds, error, trials, totals, entries = fut.result()
                ctx.simulated_trials += trials
                if parent_executor is not None:
                    parent_executor.totals.add(totals)
                if store is not None:
                    store.merge(entries)
                collect(i, obs, seconds, error)
    finally:
        _FORKED = None


def run_claims(claims, ctx, *, shrink: bool = True, progress: bool = False,
               workers: int = 1) -> RunResult:
    """Check ``claims`` under context ``ctx`` and return a :class:`RunResult`.

    ``workers > 1`` runs whole claims in that many forked processes (where the platform can
    fork); the result is the same as with ``workers=1``.

    1. Plan: ``m_planned`` = sum of ``claim.plan(ctx)``; ``ctx.planning_level = alpha / m_planned``.
    2. Run every claim (an exception other than a bad configuration becomes an ``error``
       observation with status ``inconclusive``).
    3. Holm over every statistical observation of every claim (:func:`verify.stats.decide`).
    4. Shrink the strongest failure of each failing claim to a minimal counterexample.
    """
    t0 = time.monotonic()
    claims = list(claims)
    m_planned = sum(max(int(c.plan(ctx)), 0) for c in claims)
    ctx.planning_level = ctx.alpha / max(m_planned, 1)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(claims), unit="claim", file=sys.stderr, dynamic_ncols=True)
    results = [None] * len(claims)

    def collect(i, obs, seconds, error):
        results[i] = ClaimResult(claims[i], obs, seconds=seconds, error=error)
        if bar is not None:
            bar.set_description(claims[i].name[:40])
            bar.update(1)

    if workers > 1 and len(claims) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _run_forked(claims, ctx, workers, collect)
    else:
        for i, c in enumerate(claims):
            collect(i, *_run_one(c, ctx))
    if bar is not None:
        bar.close()
    summary = stats.decide([o for r in results for o in r.observations], ctx.alpha, ctx.power)
    summary["m_planned"] = m_planned
    summary["planning_level"] = ctx.planning_level
    for r in results:
        r.status = _claim_status(r.observations)
    if shrink:
        for r in results:
            # A quick run does not spend its minute illustrating refutations it already expects.
            if r.status != "fail" or (ctx.quick and r.expect == "fail"):
                continue
            bad = [o for o in r.observations if o.status == "fail"]
            worst = min(bad, key=lambda o: o.p_value if o.p_value is not None else 0.0)
            t = time.monotonic()
            try:
                ce = r.claim.counterexample(ctx, worst)
            except Exception as exc:  # noqa: BLE001 - shrinking is best effort
                ce = {"error": f"{type(exc).__name__}: {exc}"}
            if ce is None:
                ce = {"shrunk": False, "config": worst.config, "theory": worst.theory,
                      "estimate": worst.estimate, "stderr": worst.stderr, "p_value": worst.p_value,
                      "label": worst.label, "details": worst.details}
            r.counterexample = ce
            r.seconds += time.monotonic() - t
    settings = {"seed": ctx.seed, "alpha": ctx.alpha, "power": ctx.power, "examples": ctx.examples,
                "trials": ctx.trials, "trials_budget": ctx.trials_budget, "resolution": ctx.resolution,
                "quick": ctx.quick, "engine": ctx.engine, "simulated_trials": ctx.simulated_trials}
    return RunResult(results, summary, settings, seconds=time.monotonic() - t0, environment=environment())


def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}"
