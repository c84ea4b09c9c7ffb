"""Audit of the z approximation at the verifier's real per-check level (run by hand).

    .venv/bin/python benchmarks/audit_z_tails.py --quick              # the --quick claim set
    .venv/bin/python benchmarks/audit_z_tails.py                      # the default claim set
    .venv/bin/python benchmarks/audit_z_tails.py --save audit.json    # keep the collected checks
    .venv/bin/python benchmarks/audit_z_tails.py --load audit.json --simulate 4 --pool 200000 \
        --reps 200000 --workers 2                                      # about 3 min on 2 cores

Results and conclusion: notes/false-alarm-level.md.

What it does
------------
1. Runs the claim set once, in this process (``workers=1``, no shrinking), inside
   :func:`verify.stats.recording`, a read-only hook that sees the per-trial values behind every
   ``mean_se`` / ``ratio_of_means`` call. Each statistical observation is matched to the call that
   produced its ``(estimate, stderr)`` (exact float equality), giving its trial count T and the
   sample skewness / excess kurtosis of the values the z statistic studentises (the per-trial
   values of a mean; the linearised influence values ``a_i/b_bar - R b_i/b_bar`` of a ratio).
2. For every check, the Edgeworth-predicted rejection probability of its test, at the level
   ``alpha/m`` (the smallest Holm threshold, the level that bounds the family-wise rate when all
   nulls hold) and at its own Holm threshold, at the null boundary (true mean = theory; for
   equivalence, the worse of the two margin boundaries). Studentised mean, ``ddof=1`` SE
   (Hall 1992, The Bootstrap and Edgeworth Expansion, ch. 2; ddof = 1 form):

       P(t <= x) = Phi(x) + T^-1/2 q1(x) phi(x) + T^-1 q2(x) phi(x) + O(T^-3/2)
       q1(x) = g (2x^2 + 1) / 6
       q2(x) = x { k (x^2 - 3)/12 - g^2 (x^4 + 2x^2 - 3)/18 - (x^2 + 1)/4 }

   (g skewness, k excess kurtosis of one value). One-sided tests use the one-term expansion
   (``edge1``) and the two-term one (``edge2``); two-sided tests only move at order 1/T (the q1
   terms of the two tails cancel), so their ``edge1`` is the nominal level (up to a tail clipped
   at 0 when the one-term correction exceeds it; ``rel1`` in the table). The table is
   sorted by inflation factor (edge1 / nominal, edge2 for two-sided); the predicted family-wise
   rate is the sum over believed claims' checks (known-false claims, ``expect="fail"``, are
   not null).
3. ``--simulate K``: for the K believed checks of a plain risk mean (expectation claims, and
   custom checks labelled ``E[<risk>] = ...`` such as the regimes claims) with the largest
   skewness / sqrt(T), a pool of ``--pool`` trials of the check's configuration is simulated
   directly with ``numeric.simulate`` (fresh seeds, ``SeedSequence.spawn``; ``--workers``
   processes), then ``--reps`` samples of the check's own T trials are drawn from the pool and
   studentised at the pool mean: the null distribution of the check's statistic when the law of
   one trial is the pool's empirical law. (One simulation per replication would be exact but
   costs reps x T trials, about 2e8 for 1e5 replications of T = 2048, at 200-600 us per trial:
   far too slow on a CPU.) Tail frequencies at the one-sided levels 1e-3 and 1e-4, both tails,
   with Clopper-Pearson 95 % intervals, against the normal and Edgeworth (pool moments)
   predictions, and the same for Hall's skewness-corrected statistic (:func:`hall_statistic`).
   Checks whose value is identically 0 up to rounding (decided by the SE floor) are skipped.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


# --- Edgeworth tails (math; tested in tests/verify/test_z_tails.py) ---------------------------

def _phi(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _Phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def edgeworth_cdf(x: float, T: int, skew: float, kurt: float = 0.0, order: int = 1) -> float:
    """Edgeworth approximation of P(t <= x) for the studentised mean ``t = (mean - mu) / (s/sqrt(T))``
    (``s`` with ``ddof=1``) of T iid values of skewness ``skew`` and excess kurtosis ``kurt``.
    ``order`` 0: normal; 1: one term (T^-1/2); 2: two terms (T^-1). Not clipped to [0, 1]."""
    if order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
    F = _Phi(x)
    if order >= 1:
        F += _phi(x) * skew * (2 * x * x + 1) / 6 / math.sqrt(T)
    if order >= 2:
        x2 = x * x
        q2 = x * (kurt * (x2 - 3) / 12 - skew ** 2 * (x2 * x2 + 2 * x2 - 3) / 18 - (x2 + 1) / 4)
        F += _phi(x) * q2 / T
    return F


def _clip(p: float) -> float:
    return min(max(p, 0.0), 1.0)


def rejection_probability(level: float, alternative: str, T: int, skew: float, kurt: float = 0.0,
                          order: int = 1) -> float:
    """Edgeworth-predicted probability that a z test of nominal size ``level`` rejects at the null
    boundary, for a statistic that is a studentised mean of T values (skewness ``skew``, excess
    kurtosis ``kurt``). ``alternative`` as in :mod:`verify.stats`; ``equivalence`` is the worse of
    its two one-sided boundary tests. Each tail is clipped to [0, 1]."""
    from scipy.stats import norm

    z = float(norm.isf(level / 2 if alternative == "two-sided" else level))
    return _tails(edgeworth_cdf(-z, T, skew, kurt, order), 1 - edgeworth_cdf(z, T, skew, kurt, order),
                  alternative)


def _tails(lower: float, upper: float, alternative: str) -> float:
    """The rejection probability of ``alternative`` from its two tail probabilities (each clipped
    to [0, 1]): their sum (two-sided), one of them, or the larger (equivalence: the boundary
    test that rejects more)."""
    lower, upper = _clip(lower), _clip(upper)
    if alternative == "two-sided":
        return lower + upper
    if alternative == "less":
        return lower
    if alternative == "greater":
        return upper
    if alternative == "equivalence":
        return max(lower, upper)
    raise ValueError(f"alternative {alternative!r} has no rejection probability")


def rejection_probability_new(level: float, alternative: str, T: int, skew: float, kurt: float = 0.0,
                              order: int = 2) -> float:
    """As :func:`rejection_probability`, for the verifier's current test (``verify.stats``): on
    each side the stricter of the z test and Hall's skewness-corrected test, i.e. it rejects
    below ``min(-z, g^-1(-z))`` and above ``max(z, g^-1(z))`` (``g`` Hall's transform with
    ``skew`` and T). The rejection probabilities are the Edgeworth ones of the studentised mean
    at those critical values, with ``skew`` taken as the true skewness (its sampling noise is
    what ``--simulate`` adds)."""
    from scipy.stats import norm

    from verify.stats import hall_inverse

    z = float(norm.isf(level / 2 if alternative == "two-sided" else level))
    c_lo = min(-z, hall_inverse(-z, skew, T))
    c_hi = max(z, hall_inverse(z, skew, T))
    return _tails(edgeworth_cdf(c_lo, T, skew, kurt, order), 1 - edgeworth_cdf(c_hi, T, skew, kurt, order),
                  alternative)


def clopper_pearson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for k successes in n trials."""
    from scipy.stats import beta

    a = (1 - conf) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


# --- 1. collect the checks of one run ----------------------------------------------------------

def collect(quick: bool, seed: int, patterns=None) -> dict:
    from verify import stats
    from verify.claims import select
    from verify.claimsets import registry
    from verify.context import Context
    from verify.runner import run_claims

    claims = select(registry(), patterns=patterns)
    ctx = Context.preset("quick" if quick else "default", seed=seed)
    t0 = time.monotonic()
    with stats.recording() as rec:
        result = run_claims(claims, ctx, shrink=False, workers=1)
    seconds = time.monotonic() - t0
    by_value = {}
    for r in rec:  # the last call with these exact numbers (adaptive looks end with the final one)
        by_value[(r["estimate"], r["se"])] = r
    checks = []
    for res in result.results:
        quantity = getattr(res.claim, "quantity", None)
        for o in res.observations:
            if o.alternative == "none":
                continue
            r = by_value.get((o.estimate, o.stderr))
            checks.append({
                "claim": res.name, "expect": res.expect, "label": o.label, "quantity": quantity,
                "kind": res.claim.kind, "alternative": o.alternative, "estimate": o.estimate,
                "stderr": o.stderr, "theory": o.theory, "scale": o.scale, "margin": o.margin, "trials": o.trials,
                "p_value": o.p_value, "holm_threshold": o.holm_threshold, "status": o.status,
                "config": o.config,
                "T": r["trials"] if r else None, "values": r["kind"] if r else None,
                "skewness": r["skewness"] if r else None, "kurtosis": r["kurtosis"] if r else None,
            })
    return {"quick": quick, "seed": ctx.seed, "alpha": ctx.alpha, "m": result.summary["m"],
            "level": result.summary["level"], "seconds": round(seconds, 1),
            "simulated_trials": ctx.simulated_trials, "counts": result.counts(), "checks": checks}


# --- 2. Edgeworth table ------------------------------------------------------------------------

def predict(data: dict) -> list[dict]:
    level = data["level"]
    rows = []
    for c in data["checks"]:
        row = dict(c)
        if c["T"] is None:
            row.update(edge1=None, edge2=None, edge1_holm=None, inflation=None, new1=None, new2=None)
            rows.append(row)
            continue
        T, g, k, alt = c["T"], c["skewness"], c["kurtosis"], c["alternative"]
        if _floor_dominated(c):
            # identically zero up to rounding: the SE floor decides, no sampling error to inflate
            row.update(edge1=0.0, edge2=0.0, edge1_holm=0.0, inflation=0.0, rel_correction=0.0, values="floor",
                       new1=0.0, new2=0.0)
            rows.append(row)
            continue
        row["edge1"] = rejection_probability(level, alt, T, g, k, 1)
        row["edge2"] = rejection_probability(level, alt, T, g, k, 2)
        row["edge1_holm"] = rejection_probability(c["holm_threshold"], alt, T, g, k,
                                                  2 if alt == "two-sided" else 1)
        row["inflation"] = (row["edge2"] if alt == "two-sided" else row["edge1"]) / level
        # the current test (stricter of z and Hall on each side), one- and two-term Edgeworth
        row["new1"] = rejection_probability_new(level, alt, T, g, k, 1)
        row["new2"] = rejection_probability_new(level, alt, T, g, k, 2)
        # one-term Edgeworth is untrustworthy where its correction exceeds the normal tail itself
        z = _z(level, alt)
        row["rel_correction"] = abs(_phi(z) * g * (2 * z * z + 1) / 6 / math.sqrt(T)) / _Phi(-z)
        rows.append(row)
    rows.sort(key=lambda r: -(r["inflation"] if r["inflation"] is not None else -1))
    return rows


def _floor_dominated(c: dict) -> bool:
    """The check's tested SE is the numerical floor (``verify.observation.NUMERICAL_FLOOR`` x scale),
    not the sampling SE: a quantity that is exactly 0 up to rounding (e.g. the misfit when
    V_w = V_s). Judged from ``scale`` where recorded, else from the two-sided p-value."""
    from scipy.stats import norm

    from verify.observation import NUMERICAL_FLOOR

    if c.get("scale") is not None:
        return c["stderr"] < 0.1 * NUMERICAL_FLOOR * c["scale"]
    dev = abs(c["estimate"] - c["theory"])
    if c["alternative"] != "two-sided" or c["p_value"] is None or c["p_value"] >= 1.0:
        return c["stderr"] == 0.0
    z = float(norm.isf(c["p_value"] / 2))
    return z > 0 and c["stderr"] < 0.1 * dev / z


def _z(level, alt):
    from scipy.stats import norm

    return float(norm.isf(level / 2 if alt == "two-sided" else level))


def _g(x, fmt=".3g"):
    return "-" if x is None else format(x, fmt)


def print_table(data: dict, rows: list[dict], top: int | None = None) -> dict:
    level, m = data["level"], data["m"]
    print(f"run: {'--quick' if data['quick'] else 'default'} claim set, seed {data['seed']}, alpha "
          f"{data['alpha']:g}, m = {m} statistical checks, alpha/m = {level:.3g} "
          f"(|z| = {_z(level, 'greater'):.2f} one-sided, {_z(level, 'two-sided'):.2f} two-sided); "
          f"{data['seconds']} s, {data['simulated_trials']} simulated trials; outcome {data['counts']}")
    print(f"{'infl':>6} {'edge1':>9} {'edge2':>9} {'rel1':>6} {'alt':>11} {'T':>6} {'values':>6} "
          f"{'skew':>6} {'exkurt':>7} {'p':>9} {'status':>6}  claim / label")
    shown = rows if top is None else rows[:top]
    for r in shown:
        print(f"{_g(r['inflation'], '.2f'):>6} {_g(r['edge1'], '.2e'):>9} {_g(r['edge2'], '.2e'):>9} "
              f"{_g(r.get('rel_correction'), '.2f'):>6} {r['alternative']:>11} {_g(r['T'], 'd'):>6} "
              f"{r['values'] or '-':>6} {_g(r['skewness'], '.2f'):>6} {_g(r['kurtosis'], '.1f'):>7} "
              f"{_g(r['p_value'], '.2e'):>9} {r['status']:>6}  {r['claim']} | {r['label']}")
    if top is not None and len(rows) > top:
        print(f"... {len(rows) - top} more rows (--top 0 shows all)")
    null = [r for r in rows if r["expect"] == "pass"]
    matched = [r for r in null if r["edge1"] is not None]
    unmatched = [r for r in null if r["edge1"] is None]
    nominal = level * len(null)
    e1 = sum(r["edge1"] for r in matched) + level * len(unmatched)
    e2 = sum(r["edge2"] for r in matched) + level * len(unmatched)
    mixed = sum((r["edge2"] if r["alternative"] == "two-sided" else r["edge1"]) for r in matched) \
        + level * len(unmatched)
    eh = sum(r["edge1_holm"] for r in matched) + sum(r["holm_threshold"] for r in unmatched)
    print(f"\nchecks of believed claims (nulls): {len(null)} ({len(unmatched)} without per-trial values, "
          f"counted at their nominal level); known-false claims' checks left out: {len(rows) - len(null)}")
    print(f"family-wise bound sum_i P_i(alpha/m): nominal {nominal:.3g}; one-term Edgeworth {e1:.3g}; "
          f"two-term {e2:.3g}; one-term one-sided + two-term two-sided {mixed:.3g}")
    print(f"same at each check's own Holm threshold (one-term / two-term two-sided): {eh:.3g}")
    n1 = sum(r["new1"] for r in matched) + level * len(unmatched)
    n2 = sum(r["new2"] for r in matched) + level * len(unmatched)
    print(f"CURRENT TEST (stricter of z and Hall per side, verify.stats): family-wise bound "
          f"sum_i P_i(alpha/m): one-term Edgeworth {n1:.3g}; two-term {n2:.3g} (alpha = {data['alpha']:g})")
    worst = sorted(matched, key=lambda r: -r["new2"])[:8]
    for r in worst:
        print(f"    new2 {r['new2'] / level:6.2f} x  (z test edge: "
              f"{(r['edge2'] if r['alternative'] == 'two-sided' else r['edge1']) / level:5.2f} x)  "
              f"{r['alternative']:>11} T {r['T']:6d} skew {r['skewness']:6.2f} exkurt {r['kurtosis']:7.1f}  "
              f"{r['claim']} | {r['label'][:50]}")
    by_alt = {}
    for r in matched:
        by_alt.setdefault(r["alternative"], []).append(r)
    for alt, rs in sorted(by_alt.items()):
        infl = np.array([r["inflation"] for r in rs])
        print(f"  {alt:>11}: {len(rs):3d} checks, inflation median {np.median(infl):.2f}, max {infl.max():.2f}, "
              f"skewness median {np.median([r['skewness'] for r in rs]):.2f}, "
              f"max {max(r['skewness'] for r in rs):.2f}")
    return {"nominal": nominal, "edge1": e1, "edge2": e2, "mixed": mixed, "holm": eh, "new1": n1, "new2": n2}


# --- 3. simulation of the null distribution ----------------------------------------------------

def _pool_chunk(args):
    config, quantity, trials, seed, engine = args
    from numeric import simulate
    from verify.strategies import scenario_from_config

    res = simulate(scenario_from_config(config), trials, seed=seed, engine=engine, batch_size=4096)
    return np.asarray(res.per_trial[quantity], dtype=float)


def simulate_pool(check: dict, size: int, workers: int, seed, engine: str = "auto", chunk: int = 32768):
    """``size`` per-trial values of the check's quantity at its configuration, simulated directly
    with ``numeric.simulate`` (fresh seeds from ``seed`` via ``SeedSequence.spawn``)."""
    from concurrent.futures import ProcessPoolExecutor

    n = -(-size // chunk)
    seeds = (seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)).spawn(n)
    tasks = [(check["config"], check["quantity"], chunk, seeds[i], engine) for i in range(n)]
    if workers <= 1:
        parts = [_pool_chunk(t) for t in tasks]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_pool_chunk, tasks))
    return np.concatenate(parts)[:size]


def hall_statistic(t, T: int, skew):
    """Hall's (1992) skewness-corrected studentised mean: the monotone cubic
    ``g(t) = t + a t^2 / sqrt(T) + a^2 t^3 / (3T) + b / sqrt(T)``, ``a = skew/3``, ``b = skew/6``
    (``skew`` the sample skewness of the T values), which removes the T^-1/2 Edgeworth term:
    ``P(g(t) <= x) = Phi(x) + O(1/T)``."""
    t = np.asarray(t, dtype=float)
    skew = np.asarray(skew, dtype=float)
    r = math.sqrt(T)
    a, b = skew / 3, skew / 6
    return t + a * t * t / r + a * a * t ** 3 / (3 * T) + b / r


def resample_tstats(pool: np.ndarray, T: int, reps: int, seed, chunk: int = 250):
    """Studentised statistics ``(mean - mu) / (s / sqrt(T))`` of ``reps`` samples of T values drawn
    with replacement from ``pool``, ``mu`` the pool mean (the null distribution of the check's
    statistic when the law of one trial is the pool's empirical law), and Hall's corrected
    statistic of the same samples. Returns ``(t, t_hall)``."""
    rng = np.random.default_rng(seed)
    mu = pool.mean()
    t = np.empty(reps)
    th = np.empty(reps)
    for i in range(0, reps, chunk):
        k = min(chunk, reps - i)
        x = pool[rng.integers(0, pool.size, size=(k, T))]
        m = x.mean(axis=1)
        c = x - m[:, None]
        m2 = np.mean(c * c, axis=1)
        m3 = np.mean(c * c * c, axis=1)
        s = np.sqrt(m2 * T / (T - 1))
        t[i:i + k] = (m - mu) / (s / math.sqrt(T))
        th[i:i + k] = hall_statistic(t[i:i + k], T, m3 / m2 ** 1.5)
    return t, th


_RISKS = ("weak", "strong", "ceiling", "w2s", "misfit")


def _plain_risk(row: dict) -> str | None:
    """The risk whose plain mean a check tests (expectation claims of a risk, and custom checks
    labelled ``E[<risk>] = ...`` at a scenario configuration, e.g. the regimes claims), else None."""
    if row["kind"] == "expectation":
        return row["quantity"] if row["quantity"] in _RISKS else None
    import re

    m = re.match(r"E\[(\w+)\] = ", row["label"])
    if m and m.group(1) in _RISKS and "d_s" in row["config"] and "n" in row["config"]:
        return m.group(1)
    return None


def empirical(rows: list[dict], k: int, reps: int, pool_size: int, workers: int, seed: int,
              levels=(1e-3, 1e-4), min_T: int = 0, max_T: int | None = None, skip: int = 0,
              run_level: float | None = None) -> list:
    """For the k most skewed (skewness / sqrt(T)) believed plain-risk expectation checks: a pool of
    ``pool_size`` directly simulated trials, then ``reps`` resampled studentised statistics at the
    check's T; tail frequencies at ``levels`` (both tails) against normal and Edgeworth."""
    from scipy.stats import norm

    from verify.stats import sample_shape

    cand = []
    for r in rows:
        q = _plain_risk(r)
        if (q is not None and r["T"] is not None and r["values"] == "mean" and r["expect"] == "pass"
                and r["T"] >= min_T and (max_T is None or r["T"] <= max_T)):
            cand.append(dict(r, quantity=q))
    cand.sort(key=lambda r: -abs(r["skewness"]) / math.sqrt(r["T"]))
    root = np.random.SeedSequence(seed)
    out = []
    for c, ss in zip(cand[skip:skip + k], root.spawn(skip + max(k, 1))[skip:]):
        s_pool, s_res = ss.spawn(2)
        t0 = time.monotonic()
        pool = simulate_pool(c, pool_size, workers, s_pool)
        t1 = time.monotonic()
        tstat, thall = resample_tstats(pool, c["T"], reps, s_res)
        t2 = time.monotonic()
        g, kx = sample_shape(pool)
        geo = {k_: c["config"][k_] for k_ in ("d_s", "d_w", "n", "N") if k_ in c["config"]}
        print(f"\n{c['claim']} | {c['label']} | {c['alternative']} | T = {c['T']} | {geo}")
        print(f"  run's values: skewness {c['skewness']:.2f}, excess kurtosis {c['kurtosis']:.1f}; pool of "
              f"{pool.size} simulated trials ({t1 - t0:.0f} s): mean {pool.mean():.6g} (theory "
              f"{c['theory']:.6g}), skewness {g:.2f}, excess kurtosis {kx:.1f}; {reps} resamples ({t2 - t1:.0f} s)")
        print(f"  studentised statistic: mean {tstat.mean():+.3f}, sd {tstat.std():.3f}, skewness {_skew(tstat):+.3f}")
        if run_level:
            alt = c["alternative"]
            print(f"  at the run's alpha/m = {run_level:.3g} ({alt}): Edgeworth two-term with the pool's moments "
                  f"{rejection_probability(run_level, alt, c['T'], g, kx, 2) / run_level:.2f} x nominal "
                  f"(one-term {rejection_probability(run_level, alt, c['T'], g, kx, 1) / run_level:.2f} x); "
                  f"with the run's moments {c['inflation']:.2f} x (the table)")
        for lv in levels:
            z = float(norm.isf(lv))
            for side, cnt in (("lower", int(np.sum(tstat <= -z))), ("upper", int(np.sum(tstat >= z)))):
                lo, hi = clopper_pearson(cnt, reps)
                x = -z if side == "lower" else z
                e1 = edgeworth_cdf(x, c["T"], g, kx, 1)
                e2 = edgeworth_cdf(x, c["T"], g, kx, 2)
                if side == "upper":
                    e1, e2 = 1 - e1, 1 - e2
                ch = int(np.sum(thall <= -z)) if side == "lower" else int(np.sum(thall >= z))
                hlo, hhi = clopper_pearson(ch, reps)
                # the current test: rejects only where both z and Hall reject
                cn = (int(np.sum((thall <= -z) & (tstat <= -z))) if side == "lower"
                      else int(np.sum((thall >= z) & (tstat >= z))))
                nlo, nhi = clopper_pearson(cn, reps)
                print(f"  z = {z:.2f} {side}: observed {cnt}/{reps} = {cnt / reps:.2e} [95 % CI {lo:.2e}, {hi:.2e}] "
                      f"= {cnt / reps / lv:.2f} x nominal; normal {lv:.0e}, Edgeworth (pool moments) one-term "
                      f"{_clip(e1):.2e}, two-term {_clip(e2):.2e}; Hall-corrected statistic {ch}/{reps} = "
                      f"{ch / reps / lv:.2f} x nominal [{hlo / lv:.2f}, {hhi / lv:.2f}]; current test {cn}/{reps} = "
                      f"{cn / reps / lv:.2f} x [{nlo / lv:.2f}, {nhi / lv:.2f}]")
                out.append({"claim": c["claim"], "label": c["label"], "T": c["T"], "skewness": g,
                            "kurtosis": kx, "level": lv, "side": side, "count": cnt, "reps": reps,
                            "ci": [lo, hi], "edge1": _clip(e1), "edge2": _clip(e2), "hall": ch,
                            "hall_ci": [hlo, hhi], "current": cn, "current_ci": [nlo, nhi]})
    return out


def _skew(x):
    c = x - x.mean()
    return float(np.mean(c ** 3) / np.mean(c ** 2) ** 1.5)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the --quick claim set (default: the default one)")
    p.add_argument("--seed", type=int, default=20250205, help="run seed (default: python -m verify's, %(default)s)")
    p.add_argument("--claims", action="append", help="fnmatch pattern of claims (repeatable; default all)")
    p.add_argument("--save", help="write the collected checks to this JSON file")
    p.add_argument("--load", help="read collected checks from this JSON file instead of running")
    p.add_argument("--top", type=int, default=40, help="rows of the table (0: all)")
    p.add_argument("--simulate", type=int, default=0, help="null simulation of the K most skewed checks")
    p.add_argument("--pool", type=int, default=500_000, help="directly simulated trials per simulated check")
    p.add_argument("--reps", type=int, default=200_000, help="resampled replications per simulated check")
    p.add_argument("--max-T", type=int, default=None, help="only simulate checks with T at most this")
    p.add_argument("--skip", type=int, default=0, help="skip the first SKIP candidates for --simulate")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sim-seed", type=int, default=20261128)
    args = p.parse_args(argv)
    if args.load:
        with open(args.load) as f:
            data = json.load(f)
    else:
        data = collect(args.quick, args.seed, args.claims)
        if args.save:
            with open(args.save, "w") as f:
                json.dump(data, f, indent=1, default=float)
    rows = predict(data)
    print_table(data, rows, None if args.top == 0 else args.top)
    if args.simulate:
        empirical(rows, args.simulate, args.reps, args.pool, args.workers, args.sim_seed, max_T=args.max_T,
                  skip=args.skip, run_level=data["level"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
