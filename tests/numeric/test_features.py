"""numeric.features: intrinsic and correlation dimensions of feature matrices (issue 12).

Statistical checks are z-tests against exact laws with a stated family-wise false-alarm rate
(FAMILY_ALPHA, Bonferroni within each test function)."""
import math

import numpy as np
import pytest
from scipy import stats

from numeric.features import (
    CorrelationDim, authors_draws, authors_from_moments, chance_band, chance_moments,
    correlation_dim, intrinsic_dim, second_moment,
    synthetic_pair,
)
from numeric.features.dims import t_quantile
from tests.numeric._stats import FAMILY_ALPHA


def _orthogonal(p, seed):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((p, p)))[0]


# --- intrinsic dimension -----------------------------------------------------------------------
def test_intrinsic_dim_matches_direct_spectrum():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((500, 30)) * np.geomspace(1, 1e-3, 30) + 0.5
    lam = np.linalg.svd(F, compute_uv=False) ** 2 / F.shape[0]
    for c in (0.5, 0.9, 0.99, 1.0):
        k = int(np.argmax(np.cumsum(lam) >= c * lam.sum())) + 1
        assert intrinsic_dim(F, cutoff=c) == k
    Fc = F - F.mean(axis=0)
    lamc = np.linalg.svd(Fc, compute_uv=False) ** 2 / F.shape[0]
    assert intrinsic_dim(F, 0.9, method="centred") == int(np.argmax(np.cumsum(lamc) >= 0.9 * lamc.sum())) + 1
    assert intrinsic_dim(F, method="participation") == round(lam.sum() ** 2 / np.sum(lam ** 2))
    # the uncentred moment sees the mean as a dominant direction; centring removes it
    assert intrinsic_dim(F, 0.5) == 1 and intrinsic_dim(F, 0.5, method="centred") > 1


def test_float32_gram_agrees_with_float64():
    Fw, Fs = synthetic_pair(2000, 12, 15, 6, 40, 30, seed=1, noise=0.3)
    M64 = second_moment(Fw)
    M32 = second_moment(Fw.astype(np.float32), block_rows=256)
    assert np.max(np.abs(M32 - M64)) < 1e-5 * np.max(np.abs(M64))
    r64 = correlation_dim(Fw, Fs, 12, 15, groups=0)
    r32 = correlation_dim(Fw.astype(np.float32), Fs.astype(np.float32), 12, 15, groups=0)
    assert r32.raw == pytest.approx(r64.raw, rel=1e-4)
    assert intrinsic_dim(Fw.astype(np.float32)) == intrinsic_dim(Fw)


# --- function estimate: ground truth and invariance --------------------------------------------
@pytest.mark.parametrize("n, dw, ds, k, pw, ps", [(3000, 40, 60, 25, 100, 80),
                                                  (1500, 30, 20, 0, 30, 64),
                                                  (2500, 50, 50, 50, 70, 50)])
def test_function_estimate_recovers_known_dsw(n, dw, ds, k, pw, ps):
    # Exact ranks, unrelated random coordinates. The raw overlap is k plus the chance overlap of
    # the unshared parts, which is exactly tr(P_a P_b) with a = dw - k, b = ds - k in R^(n-k).
    seeds = range(4)
    crit = stats.norm.isf(FAMILY_ALPHA / (2 * len(seeds)))
    for seed in seeds:
        Fw, Fs = synthetic_pair(n, dw, ds, k, pw, ps, seed=[5, seed])
        # the jackknife (20 eighs) once per configuration; the model interval otherwise
        r = correlation_dim(Fw, Fs, dw, ds, seed=seed, groups=20 if seed == 0 else 0)
        a, b, m = dw - k, ds - k, n - k
        mean, var = chance_moments(a, b, m) if a and b else (0.0, 0.0)
        if var == 0:
            # deterministic up to rounding, which the Gram route amplifies by lambda_1/lambda_d
            # (a square Gaussian mixing matrix is badly conditioned): the documented bound
            tol = 50 * max(dw, ds) * np.finfo(float).eps / min(r.conditioning)
            assert r.raw == pytest.approx(k + mean, abs=tol)
            assert r.estimate == pytest.approx(k, abs=2 * tol)
            continue
        assert abs(r.raw - k - mean) < crit * math.sqrt(var), (seed, r.raw, k + mean)
        slope = (n - dw) * (n - ds) / (n - dw - ds + r.raw) ** 2  # d estimate / d raw
        assert abs(r.estimate - k) < crit * math.sqrt(var) * slope + 1e-9
        # the jackknife SE is of the order of the exact sd (19 df: a factor 2 is > 4 sd away)
        assert r.ci[0] < r.estimate < r.ci[1]
        if seed == 0:
            # the jackknife SE is of the order of the exact sd: with 19 df a factor 3 either way
            # has probability < 1e-6 under a chi-square law
            assert r.details["ci_method"] == "jackknife"
            assert 1 / 3 < r.details["se"] / math.sqrt(var) < 3.0
        else:
            # the model interval uses the exact sd at the plug-in estimate (k-hat near k)
            assert r.details["ci_method"] == "model"
            assert r.details["se"] == pytest.approx(math.sqrt(var), rel=0.05)
        assert r.bias == pytest.approx(r.raw - r.estimate)


def test_unrelated_maps_are_reported_as_chance():
    Fw, Fs = synthetic_pair(4000, 30, 20, 0, 50, 40, seed=3)
    r = correlation_dim(Fw, Fs, 30, 20, groups=0)
    assert r.D == 4000 and r.chance_mean == pytest.approx(30 * 20 / 4000)
    assert r.within_chance and r.verdict.startswith("chance")
    assert r.ci[0] < 0 < r.ci[1]  # the interval covers "nothing shared"


def test_function_estimate_is_invariant_under_changes_of_coordinates():
    Fw, Fs = synthetic_pair(1200, 20, 25, 10, 40, 30, seed=7, noise=0.5)  # full rank, d < rank
    base = correlation_dim(Fw, Fs, 20, 25, groups=0).raw
    Qw, Qs = _orthogonal(40, 1), _orthogonal(30, 2)
    for A, B in ((Fw @ Qw, Fs), (Fw, Fs @ Qs), (Fw @ Qw, Fs @ Qs)):
        assert correlation_dim(A, B, 20, 25, groups=0).raw == pytest.approx(base, rel=1e-10)
    # exact rank and d = rank: any invertible change of coordinates, even badly scaled
    Fw, Fs = synthetic_pair(1200, 20, 25, 10, 20, 25, seed=8)
    base = correlation_dim(Fw, Fs, 20, 25, groups=0).raw
    T = np.random.default_rng(4).standard_normal((20, 20)) @ np.diag(np.geomspace(1, 1e2, 20))
    assert correlation_dim(Fw @ T, Fs, 20, 25, groups=0).raw == pytest.approx(base, rel=1e-8)


def test_authors_method_depends_on_coordinates():
    # Identical maps of equal width (no sketch): the authors' number is d, the function
    # estimate is d; rotate one map and theirs drops to about the chance mean d^2 / width.
    F, _ = synthetic_pair(2000, 15, 15, 15, 60, 60, seed=9, noise=0.2)
    d, p = 15, 60
    same = correlation_dim(F, F, d, d, method="authors")
    assert same.sketched is None and same.raw == pytest.approx(d, rel=1e-10)
    rotated = correlation_dim(F @ _orthogonal(p, 5), F, d, d, method="authors")
    mean, var = chance_moments(d, d, p)
    assert abs(rotated.raw - mean) < 6 * math.sqrt(var) < d - mean
    f = correlation_dim(F @ _orthogonal(p, 5), F, d, d, groups=0)
    assert f.raw == pytest.approx(d, rel=1e-8)


def test_authors_number_after_sketch_follows_the_chance_law_whatever_the_features():
    # The strong map is the weak map's first 20 coordinates: strongly related features. Over
    # sketch seeds the authors' number is nevertheless exactly tr(P_a P_b) with one P Haar in
    # R^20: mean d_w d_s / 20 and the Haar variance (two z-tests, Bonferroni).
    Fw, _ = synthetic_pair(800, 12, 12, 12, 35, 35, seed=10, noise=0.3)
    Fs = Fw[:, :20]
    dw, ds, D = 8, 6, 20
    seeds = np.random.SeedSequence(77).spawn(600)
    x = np.array([correlation_dim(Fw, Fs, dw, ds, method="authors", seed=s).raw for s in seeds])
    mean, var = chance_moments(dw, ds, D)
    crit = stats.norm.isf(FAMILY_ALPHA / 4)
    assert abs(x.mean() - mean) / math.sqrt(var / x.size) < crit
    c = x - x.mean()
    s2 = np.mean(c ** 2) * x.size / (x.size - 1)
    assert abs(s2 - var) / math.sqrt((np.mean(c ** 4) - s2 ** 2) / x.size) < crit
    # same seed, same number (reproducible sketch)
    r1 = correlation_dim(Fw, Fs, dw, ds, method="authors", seed=5)
    assert r1.raw == correlation_dim(Fw, Fs, dw, ds, method="authors", seed=5).raw
    assert r1.sketched == "weak" and r1.D == D and "chance by construction" in r1.verdict


def test_result_is_a_frozen_dataclass_with_json_view():
    Fw, Fs = synthetic_pair(600, 6, 5, 3, 10, 8, seed=2)
    r = correlation_dim(Fw, Fs, 6, 5, seed=1, groups=5)
    assert isinstance(r, CorrelationDim)
    with pytest.raises(AttributeError):
        r.estimate = 0.0
    d = r.to_dict()
    assert d["method"] == "function" and d["d_w"] == 6 and len(d["ci"]) == 2
    assert correlation_dim(Fw, Fs, 6, 5, seed=1, groups=5) == r  # reproducible groups


def test_t_quantile_and_chance_band():
    for df in (1, 2, 3, 4, 7, 19, 40):
        assert t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)
    lo, hi = chance_band(10, 20, 100, level=0.95)
    mean, var = chance_moments(10, 20, 100)
    assert (lo + hi) / 2 == pytest.approx(mean) and (hi - lo) / 2 == pytest.approx(1.959964 * var ** 0.5)


# --- bad input ---------------------------------------------------------------------------------
GOOD = np.random.default_rng(0).standard_normal((50, 6))


def _nan():
    F = GOOD.copy()
    F[3, 2] = np.nan
    return F


def _inf():
    F = GOOD.astype(np.float32)
    F[0, 0] = np.inf
    return F


@pytest.mark.parametrize("kwargs, match", [
    (dict(F_w=_nan()), "F_w must be finite"),
    (dict(F_s=_inf()), "F_s must be finite"),
    (dict(F_s=GOOD[:40]), "same number of rows"),
    (dict(F_w=GOOD[:, 0]), "F_w must be a 2-D array"),
    (dict(F_s=GOOD[None]), "F_s must be a 2-D array"),
    (dict(F_w=GOOD + 1j), "F_w must hold real numbers"),
    (dict(F_w="abc"), "F_w must"),
    (dict(d_w=7), r"d_w must be an integer in \[1, 6\]"),
    (dict(d_s=0), "d_s must be an integer"),
    (dict(d_s=2.5), "d_s must be an integer"),
    (dict(d_w=True), "d_w must be an integer"),
    (dict(method="pca"), "method must be one of"),
    (dict(level=1.0), "level must be"),
    (dict(groups=1), "groups must be"),
    (dict(F_w=np.zeros((50, 6))), "F_w has numerical rank 0"),
    (dict(F_w=GOOD[:8], F_s=GOOD[:8, :5], d_w=5, d_s=4, groups=0), r"d_w \+ d_s must be < n = 8"),
    (dict(F_w=GOOD[:, :2] @ np.ones((2, 6)), d_w=4), "numerical rank 1"),
])
def test_correlation_dim_rejects_bad_input(kwargs, match):
    args = dict(F_w=GOOD, F_s=GOOD[:, :5], d_w=3, d_s=2) | kwargs
    with pytest.raises(ValueError, match=match):
        correlation_dim(**args)


def test_authors_method_rejects_d_beyond_common_width():
    with pytest.raises(ValueError, match=r"d_w must be an integer in \[1, 5\].*after the sketch"):
        correlation_dim(GOOD, GOOD[:, :5], 6, 2, method="authors")


@pytest.mark.parametrize("F, kwargs, match", [
    (GOOD[:, 0], {}, "F must be a 2-D array"),
    (_nan(), {}, "F must be finite"),
    (GOOD[:1], {}, "at least 2 rows"),
    (GOOD, dict(cutoff=0.0), r"cutoff must be a real number in \(0, 1\]"),
    (GOOD, dict(cutoff=1.5), "cutoff must be"),
    (GOOD, dict(cutoff=float("nan")), "cutoff must be"),
    (GOOD, dict(method="pr"), "method must be one of"),
    (np.zeros((5, 3)), {}, "must not be identically zero"),
])
def test_intrinsic_dim_rejects_bad_input(F, kwargs, match):
    with pytest.raises(ValueError, match=match):
        intrinsic_dim(F, **kwargs)


@pytest.mark.parametrize("args, match", [((3, 2, 2), r"a must be an integer in \[1, 2\]"),
                                         ((1, 0, 4), "b must be"), ((1, 1, 0), "D must be")])
def test_chance_moments_reject_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        chance_moments(*args)


def test_authors_draws_is_the_correlation_dim_code_path():
    Fw, Fs = synthetic_pair(300, 6, 6, 3, 18, 11, seed=4, noise=0.1)
    seeds = np.random.SeedSequence(3).spawn(5)
    x = authors_draws(second_moment(Fw), second_moment(Fs), 5, 4, seeds)
    for s, v in zip(seeds, x):
        assert correlation_dim(Fw, Fs, 5, 4, method="authors", seed=s).raw == pytest.approx(v, rel=1e-12)
        assert authors_from_moments(second_moment(Fw), second_moment(Fs), 5, 4, seed=s)[0] == v
    with pytest.raises(ValueError, match="M_w must be a square"):
        authors_draws(np.ones((3, 4)), np.eye(3), 1, 1, seeds)


def test_float32_input_is_not_copied_to_float64():
    # A float64 copy of F would allocate 2x F.nbytes; the blocked Gram allocates one block
    # product and the p x p accumulator.
    import tracemalloc

    F = np.random.default_rng(0).standard_normal((20_000, 128), dtype=np.float32)
    tracemalloc.start()
    intrinsic_dim(F)
    correlation_dim(F, F[:, :64], 10, 8, groups=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.5 * F.nbytes, (peak, F.nbytes)


@pytest.mark.slow
def test_utkface_sized_float32_inputs():
    # 25,000 x 2,048 and 25,000 x 768 float32 (the UTKFace shapes): runs, memory well below a
    # float64 copy, and the function estimate is invariant under a rotation of the strong map.
    import tracemalloc

    rng = np.random.default_rng(1)
    Z = rng.standard_normal((25_000, 300), dtype=np.float32)
    Fw = Z @ rng.standard_normal((300, 2048), dtype=np.float32)
    Fw += 0.05 * rng.standard_normal(Fw.shape, dtype=np.float32)
    Fs = Z[:, :200] @ rng.standard_normal((200, 768), dtype=np.float32)
    Fs += 0.05 * rng.standard_normal(Fs.shape, dtype=np.float32)
    tracemalloc.start()
    d_w, d_s = intrinsic_dim(Fw), intrinsic_dim(Fs)
    r = correlation_dim(Fw, Fs, d_w, d_s, groups=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a float64 copy of F_w alone would be 2 x Fw.nbytes; measured: 0.58 x (the p x p moments,
    # eigenvectors and one block product)
    assert peak < Fw.nbytes
    assert not r.within_chance and r.estimate > 150
    Q = _orthogonal(768, 3).astype(np.float32)
    r2 = correlation_dim(Fw, Fs @ Q, d_w, d_s, groups=0)
    assert r2.raw == pytest.approx(r.raw, rel=1e-4)  # float32 rounding of F_s Q
