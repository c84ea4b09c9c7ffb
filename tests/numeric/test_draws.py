"""Random-number sources of the engines (numeric/engines/draws.py): block streams for small
wishart designs, per-trial streams otherwise."""
import numpy as np
import pytest
from scipy import stats

from numeric import TRIAL_BLOCK, Scenario, simulate
from numeric.design import build_design
from numeric.engines.draws import BlockDraws, TrialDraws
from numeric.engines.wishart import block_streams
from numeric.result import PER_TRIAL_KEYS


def _gens(n, seed=0):
    return [np.random.Generator(np.random.SFC64(s)) for s in np.random.SeedSequence(seed).spawn(n)]


def test_chisquare_steps_are_chi_square_with_the_stated_degrees_of_freedom():
    """Column i of chisquare_steps(top, k) is chi^2_{top-i} (sum of independent chi-squares):
    a KS test per column at 1e-3 over 4096 draws (false-alarm rate 5e-3 for the 5 columns)."""
    src = BlockDraws(_gens(256, 1), [TRIAL_BLOCK] * 256, TRIAL_BLOCK)
    top, k = 9, 5
    chi = src.chisquare_steps(top, k)
    assert chi.shape == (256 * TRIAL_BLOCK, k)
    for i in range(k):
        assert stats.kstest(chi[:, i], stats.chi2(top - i).cdf).pvalue > 1e-3, i


def _steps_block_by_block(gens, counts, block, top, k):
    """chisquare_steps as it was written first: each block's draws and sums on their own."""
    base, parts = top - k + 1, []
    mask = np.arange(k - 1)[None, :] < (k - 1 - np.arange(k))[:, None]
    for g, c in zip(gens, counts):
        chi = g.chisquare(float(base), size=(block, k))
        if k > 1:
            z = g.standard_normal((block, k * (k - 1) // 2))
            extra = np.zeros((block, k, k - 1))
            extra[:, mask] = z * z
            chi += extra.sum(axis=-1)
        parts.append(chi[:c])
    return np.concatenate(parts)


@pytest.mark.parametrize("seed", range(4))
def test_block_draws_equal_block_by_block_arithmetic(seed):
    """BlockDraws does each section's arithmetic once for all its blocks; the numbers are those
    of doing it block by block, bit for bit (every k up to 24, full and partial blocks)."""
    rng = np.random.default_rng(seed)
    for _ in range(25):
        nb = int(rng.integers(1, 20))
        counts = ([TRIAL_BLOCK] * nb if rng.random() < 0.5
                  else [int(c) for c in rng.integers(1, TRIAL_BLOCK, size=nb, endpoint=True)])
        k = int(rng.integers(1, 25))
        top = k + int(rng.integers(0, 300))
        seeds = [int(s) for s in rng.integers(0, 2**32, size=nb)]
        gens = lambda: [np.random.Generator(np.random.SFC64(s)) for s in seeds]  # noqa: E731
        src, ref = BlockDraws(gens(), counts, TRIAL_BLOCK), gens()
        np.testing.assert_array_equal(src.chisquare_steps(top, k),
                                      _steps_block_by_block(ref, counts, TRIAL_BLOCK, top, k))
        np.testing.assert_array_equal(
            src.normal((2, 3)),
            np.concatenate([g.standard_normal((TRIAL_BLOCK, 2, 3))[:c] for g, c in zip(ref, counts)]))


def test_trial_draws_keep_one_stream_per_trial():
    """TrialDraws: trial b's sections come from its own generator, in order."""
    g = _gens(3, 2)
    src = TrialDraws(_gens(3, 2))
    chi = src.chisquare_steps(7, 3)
    z = src.normal((2, 4))
    for b in range(3):
        np.testing.assert_array_equal(chi[b], g[b].chisquare(np.array([7.0, 6.0, 5.0])))
        np.testing.assert_array_equal(z[b], g[b].standard_normal((2, 4)))


def test_block_draws_rows_do_not_depend_on_how_many_trials_are_used():
    full = BlockDraws(_gens(2, 3), [TRIAL_BLOCK, TRIAL_BLOCK], TRIAL_BLOCK)
    part = BlockDraws(_gens(2, 3), [3, 5], TRIAL_BLOCK)
    for a, b in ((full.chisquare_steps(20, 4), part.chisquare_steps(20, 4)),
                 (full.normal((3, 2)), part.normal((3, 2))), (full.chisquare(5), part.chisquare(5))):
        np.testing.assert_array_equal(b[:3], a[:3])
        np.testing.assert_array_equal(b[3:], a[TRIAL_BLOCK:TRIAL_BLOCK + 5])
    with pytest.raises(ValueError, match="counts"):
        BlockDraws(_gens(1), [TRIAL_BLOCK + 1], TRIAL_BLOCK)


def test_small_designs_use_block_streams_and_large_ones_per_trial_streams():
    assert block_streams(build_design(Scenario(5, 10, 40, 80, 0.5, d_sw=3.0)))
    assert not block_streams(build_design(Scenario(30, 60, 100, 200, 0.5, d_sw=10.0)))


@pytest.mark.parametrize("sc", [Scenario(5, 10, 40, 80, 0.5, d_sw=3.0),       # Bartlett paths
                                Scenario(8, 12, 10, 6, 0.3, d_sw=4.0)],       # rows paths
                         ids=["bartlett", "rows"])
def test_a_trial_depends_only_on_the_seed_and_its_index(sc):
    """Block streams: the first trials of a run are the same whatever the trial count (a
    partial last block draws its full block), batch size or path (executor, store)."""
    from numeric.executors import SerialExecutor

    long = simulate(sc, 3 * TRIAL_BLOCK, seed=4)
    for other in (simulate(sc, TRIAL_BLOCK + 5, seed=4),
                  simulate(sc, TRIAL_BLOCK + 5, seed=4, batch_size=1),
                  simulate(sc, TRIAL_BLOCK + 5, seed=4, executor=SerialExecutor())):
        for k in PER_TRIAL_KEYS:
            np.testing.assert_array_equal(other.per_trial[k],
                                          long.per_trial[k][:TRIAL_BLOCK + 5])


@pytest.mark.parametrize("sc", [Scenario(5, 10, 40, 80, 0.5, d_sw=3.0),          # block streams
                                Scenario(4, 6, 20, 12, 0.5, d_sw=2.5,
                                         features="rademacher")],                # samples engine
                         ids=["wishart", "samples"])
def test_simulate_blocks_equals_block_by_block(tmp_path, sc):
    from numeric import simulate_block, simulate_blocks
    from numeric.executors import SerialExecutor, using
    from numeric.seeding import as_seed_sequence, child

    root = as_seed_sequence(9)
    one = [simulate_block(sc, child(root, b), TRIAL_BLOCK) for b in (2, 3, 4)]
    ex = SerialExecutor()
    with using(ex, store=tmp_path):
        simulate_block(sc, child(root, 3), TRIAL_BLOCK)              # one of them stored first
        many = simulate_blocks(sc, root, [2, 3, 4])
        again = simulate_blocks(sc, root, [2, 3, 4])
    assert (ex.totals.tasks, ex.totals.tasks_run, ex.totals.tasks_from_store) == (7, 3, 4)
    for a, b, c in zip(one, many, again):
        for k in PER_TRIAL_KEYS:
            np.testing.assert_array_equal(a[k], b[k])
            np.testing.assert_array_equal(a[k], c[k])
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for a, b in
               zip(one, simulate_blocks(sc, root, [2, 3, 4])) for k in PER_TRIAL_KEYS)
