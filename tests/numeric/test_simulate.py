import math

import numpy as np
import pytest

from numeric import TRIAL_BLOCK, Scenario, SimulationResult, simulate, simulate_block
from numeric.result import PER_TRIAL_KEYS, summarise

SCENARIOS = {
    "gauss-fast": lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
    "gauss-interp": lambda: Scenario(4, 6, 5, 3, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
    "rademacher": lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, features="rademacher"),
}


def _same(a, b):
    return all(np.array_equal(a.per_trial[k], b.per_trial[k], equal_nan=True)
               for k in PER_TRIAL_KEYS)


# The Rademacher case hits an exactly singular Gram in some trials (n = 12 rows, d_s = 4),
# which exercises the per-trial fallback path on purpose.
@pytest.mark.filterwarnings("ignore:Gram matrix numerically singular:RuntimeWarning")
@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("engine", ["samples", "wishart"])
def test_batch_size_and_workers_do_not_change_results(name, engine):
    sc = SCENARIOS[name]()
    if engine == "wishart" and name == "rademacher":
        pytest.skip("wishart is Gaussian-only")
    T = 2 * TRIAL_BLOCK + 5
    ref = simulate(sc, T, seed=123, engine=engine, batch_size=1)
    for bs, workers in ((3, 1), (TRIAL_BLOCK, 1), (T, 1), (5, 2), (7, 3)):
        other = simulate(sc, T, seed=123, engine=engine, batch_size=bs, workers=workers)
        assert _same(ref, other), (bs, workers)


def test_samples_chunking_does_not_depend_on_batch(monkeypatch):
    # Force several row chunks per trial: results must still not depend on the batch size.
    import numeric.engines.samples as samples
    monkeypatch.setattr(samples, "CHUNK_BYTES", 8 * 40)
    sc = SCENARIOS["rademacher"]().replace(n=700, N=600)
    assert samples.chunk_rows(sc.D) < 600
    a = simulate(sc, 6, seed=9, engine="samples", batch_size=1)
    b = simulate(sc, 6, seed=9, engine="samples", batch_size=4)
    assert _same(a, b)


def test_prefix_and_blocks():
    sc = SCENARIOS["gauss-fast"]()
    full = simulate(sc, 3 * TRIAL_BLOCK, seed=77)
    part = simulate(sc, TRIAL_BLOCK + 3, seed=77)
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(part.per_trial[k], full.per_trial[k][:TRIAL_BLOCK + 3])
    blocks = np.random.SeedSequence(77).spawn(3)
    blk = simulate_block(sc, blocks[1], TRIAL_BLOCK)
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(blk[k], full.per_trial[k][TRIAL_BLOCK:2 * TRIAL_BLOCK])
    again = simulate_block(sc, blocks[1], 4)       # the block sequence is not mutated
    np.testing.assert_array_equal(again["w2s"], blk["w2s"][:4])


def test_seed_recorded_and_reproducible():
    sc = SCENARIOS["gauss-fast"]()
    r = simulate(sc, 8, seed=None)
    assert _same(r, simulate(sc, 8, seed=r.seed))
    assert not _same(simulate(sc, 8, seed=1), simulate(sc, 8, seed=2))
    assert simulate(sc, 8, seed=np.random.SeedSequence(5)).seed == 5
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert _same(simulate(sc, 4, seed=g1), simulate(sc, 4, seed=g2))


def test_engine_choice_recorded():
    g = simulate(SCENARIOS["gauss-fast"](), 2, seed=0)
    assert g.engine == "wishart" and "Gaussian" in g.engine_reason
    r = simulate(SCENARIOS["rademacher"](), 2, seed=0)
    assert r.engine == "samples" and "rademacher" in r.engine_reason
    t = simulate(Scenario(2, 3, 10, 10, noise="student-t:4"), 2, seed=0)
    assert t.engine == "samples"
    assert simulate(SCENARIOS["gauss-fast"](), 2, seed=0, engine="samples").engine == "samples"


@pytest.mark.parametrize("kwargs,param", [
    (dict(trials=0), "trials"), (dict(trials=2.5), "trials"), (dict(engine="fast"), "engine"),
    (dict(batch_size=0), "batch_size"), (dict(workers=0), "workers"), (dict(seed=-1), "seed"),
    (dict(seed="abc"), "seed"), (dict(blas_threads=0), "blas_threads"),
])
def test_bad_simulate_arguments(kwargs, param):
    args = dict(trials=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=param):
        simulate(SCENARIOS["gauss-fast"](), **args)


def test_wishart_rejects_non_gaussian():
    with pytest.raises(ValueError, match="gaussian"):
        simulate(SCENARIOS["rademacher"](), 2, engine="wishart")
    with pytest.raises(ValueError, match="gaussian"):
        simulate(Scenario(2, 3, 10, 10, noise="rademacher"), 2, engine="wishart")


def test_block_trials_range():
    with pytest.raises(ValueError, match="trials"):
        simulate_block(SCENARIOS["gauss-fast"](), np.random.SeedSequence(0), TRIAL_BLOCK + 1)


def test_result_fields_and_to_dict():
    import json
    r = simulate(SCENARIOS["gauss-fast"](), 20, seed=4)
    assert isinstance(r, SimulationResult) and r.trials == 20
    for k in PER_TRIAL_KEYS:
        assert r.per_trial[k].shape == (20,)
    pt = r.per_trial
    np.testing.assert_allclose(pt["pgr"], (pt["weak"] - pt["w2s"]) / (pt["weak"] - pt["ceiling"]))
    np.testing.assert_allclose(pt["opr"], pt["strong"] / pt["w2s"])
    assert r.mean_of_pgr == pytest.approx(pt["pgr"].mean())
    d = json.loads(json.dumps(r.to_dict()))
    assert d["engine"] == "wishart" and d["scenario"]["d_s"] == 4 and len(d["per_trial"]["w2s"]) == 20


def test_summarise_by_hand():
    w = np.array([4.0, 6.0, 5.0, 7.0])
    s = np.array([3.0, 2.0, 4.0, 3.0])
    c = np.array([1.0, 2.0, 1.5, 1.5])
    v = np.array([2.0, 3.0, 2.0, 5.0])
    pt = dict(weak=w, strong=s, ceiling=c, w2s=v, misfit=w, pgr=(w - v) / (w - c), opr=s / v)
    out = summarise(pt)
    a, b, cc = w.mean(), v.mean(), c.mean()
    assert out["pgr_of_means"] == pytest.approx((a - b) / (a - cc))
    assert out["opr_of_means"] == pytest.approx(s.mean() / b)
    grad = np.array([(b - cc) / (a - cc) ** 2, -1 / (a - cc), (a - b) / (a - cc) ** 2])
    cov = np.cov(np.vstack([w, v, c]))
    assert out["pgr_of_means_se"] == pytest.approx(math.sqrt(grad @ cov @ grad / 4))
    go = np.array([1 / b, -s.mean() / b ** 2])
    cov_o = np.cov(np.vstack([s, v]))
    assert out["opr_of_means_se"] == pytest.approx(math.sqrt(go @ cov_o @ go / 4))
    assert out["stderr"]["weak"] == pytest.approx(w.std(ddof=1) / 2)


def test_delta_method_se_is_calibrated():
    # Over independent replications, the spread of pgr_of_means matches its delta-method SE.
    sc = Scenario(3, 5, 30, 20, 1.0, d_sw=1.0)
    reps = [simulate(sc, 100, seed=[1000, i]) for i in range(60)]
    est = np.array([r.pgr_of_means for r in reps])
    se = np.array([r.pgr_of_means_se for r in reps])
    ratio = est.std(ddof=1) / np.sqrt(np.mean(se ** 2))
    # The sample SD of 60 replicates has relative SE ~ 1/sqrt(2*59) ~ 0.09; allow 4 SE.
    assert 0.64 < ratio < 1.36, ratio


@pytest.mark.parametrize("features", ["gaussian", "rademacher"])
def test_samples_memory_does_not_grow_with_N(monkeypatch, features):
    # Rows are streamed in chunks: peak NumPy memory is set by the chunk, not by N.
    import tracemalloc

    import numeric.engines.samples as samples
    monkeypatch.setattr(samples, "CHUNK_BYTES", 2**18)
    sc = Scenario(10, 12, 40, 1000, 0.5, d_sw=4, features=features)
    peaks = {}
    for N in (4_000, 64_000):
        tracemalloc.start()
        simulate(sc.replace(N=N), 1, seed=0, engine="samples")
        peaks[N] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # 16x more rows; the budget allows a few chunk-sized buffers of slack, not 16x.
    assert peaks[64_000] < peaks[4_000] + 4 * 2**18 + 2**16, peaks
    assert peaks[64_000] < 8 * 2**20


def test_samples_batch_grows_only_where_memory_allows():
    from numeric.design import build_design
    from numeric.tasks import _SAMPLES_BATCH_BYTES, _SAMPLES_BATCH_MAX, default_batch

    small = SCENARIOS["rademacher"]()
    d = build_design(small)
    assert default_batch("samples", d, small.n + small.N) == _SAMPLES_BATCH_MAX
    assert default_batch("samples", d) == 4                      # sizes unknown: as before
    big = Scenario(300, 400, 2000, 3000, 1.0, d_sw=100.0, features="rademacher")
    db = build_design(big)
    b = default_batch("samples", db, big.n + big.N)
    assert 1 <= b <= 4 and b * 8 * db.m * db.m <= _SAMPLES_BATCH_BYTES
