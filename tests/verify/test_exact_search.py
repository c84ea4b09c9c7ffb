"""verify.exact_sampler, verify.float_screen, verify.exact_search: the complexity claims' exact searches."""
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from verify import bounds, exact_sampler as xs, exact_search as es, float_screen as fs
from verify.bounds import ARGS
from verify.strategies import rational_geometry

CONDITIONS = ("pgr_fails", "opr_fails", "pgr_sufficient", "opr_sufficient", "n_le_N")


def _batch(seed=0, size=600, **family):
    batch, dropped = xs.sample(np.random.default_rng(seed), size, xs.Family(**family))
    assert dropped == 0
    return batch


def test_sampler_support():
    fam = xs.Family(max_dim=5, max_n=30, max_N=40, size=Fraction(1, 2))
    b, _ = xs.sample(np.random.default_rng(1), 4000, fam)
    k = np.minimum(b.d_s, b.d_w)
    assert b.d_s.min() == b.d_w.min() == 1 and b.d_s.max() == b.d_w.max() == 5
    assert b.tj.min() == 0 and b.tj.max() == 10
    assert np.abs(b.x).max() == 8 and np.all(np.abs(b.zo) <= 8)        # multiples of 1/16 in [-1/2, 1/2]
    assert 0.4 < np.mean(b.zo == 0) < 0.6                              # the zero-or-uniform mixture
    slot = np.arange(5)[None, :]
    assert np.all(b.tj[slot >= k[:, None]] == 0) and np.all(b.x[slot >= k[:, None]] == 0)
    assert np.all(b.zs[slot >= np.maximum(b.d_s - b.d_w, 0)[:, None]] == 0)
    n_low, N_low = np.maximum(b.d_s, b.d_w) + 2, b.d_s + 2
    assert np.all(b.n >= n_low) and np.all(b.n <= n_low + 30) and np.all(b.N >= N_low)
    assert np.all(b.N <= N_low + 40) and b.s2.min() == 1 and b.s2.max() == 64
    # half the draws within 2 d + 2 of the threshold, the rest wide
    assert np.mean(b.N - N_low <= 2 * b.d_s + 2) > 0.5 and (b.N - N_low).max() == 40
    nob = _batch(size=200, bias=False)
    assert not (nob.x.any() or nob.y.any() or nob.zs.any() or nob.zw.any() or nob.zo.any())


def test_sampler_is_deterministic_in_its_generator():
    a, b, c = (_batch(seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("d_s", "tj", "x", "n", "N", "s2"))
    assert not np.array_equal(a.N, c.N)


def test_float_geometry_within_its_error_bound():
    b = _batch(seed=2, size=300)
    vals = b.floats()
    for i in range(0, 300, 7):
        p = b.point(i)
        for name in ("d_sw", "rho_s", "rho_w", "b_w2s", "m_sw"):
            v, e = vals[name][0][i], vals[name][1][i]
            assert abs(Fraction(v) - p[name]) <= Fraction(e), (name, i)


def test_raw_point_matches_rational_geometry():
    raw = xs.Raw(2, 3, (3, 0), (16, -8), (0, 4), (), (5,), -2, 7, 9, 3)
    p = raw.point()
    g = rational_geometry(2, 3, [Fraction(3, 10), Fraction(0)], [1, Fraction(-1, 2)], [0, Fraction(1, 4)],
                          [], [Fraction(5, 16)], Fraction(-2, 16))
    assert {k: p[k] for k in g} == g and p["sigma2"] == Fraction(3, 16) and p["cos_t"] == ["3/10", "0"]


@pytest.mark.parametrize("name", ["pgr_sufficient", "opr_sufficient", "n_le_N"])
def test_restriction_lower_bound_on_N_is_valid_and_used(name):
    cond = bounds.condition(name)
    b = _batch(seed=5, size=1500, max_N=3000)
    lb = cond.N_min(b, b.floats())
    inside = np.array([cond.exact(b.point(i)) for i in range(len(b))])
    assert inside.any() and np.all(b.N[inside] >= lb[inside])     # no point of the restriction excluded
    r, dropped = xs.sample(np.random.default_rng(5), 1500, xs.Family(max_N=3000), cond.N_min)
    assert np.all(r.N >= cond.N_min(r, r.floats())) and len(r) + dropped == 1500


def _boundary_points():
    """Points on the conditions' boundaries: N (d_w + 1) = n (d_s + 1), N = n, and rho = 0 with
    N = 2 d_s + 1 (W2S ties the teacher: gain = 0, PGR = 0)."""
    out = []
    for ds in range(1, 5):
        for dw in range(1, 5):
            for j in (0, 3, 10):
                k = min(ds, dw)
                base = xs.Raw(ds, dw, (j,) * k, (0,) * k, (0,) * k, (0,) * max(0, ds - dw),
                              (0,) * max(0, dw - ds), 0, 0, 0, 5)
                n_ = 2 * (max(ds, dw) + 2) * (dw + 1)
                for n_val, N_val in ((n_, n_ * (ds + 1) // (dw + 1)), (n_, n_), (n_, 2 * ds + 1)):
                    r = xs.Raw(**{**base.__dict__, "n": n_val, "N": N_val})
                    if r.valid():
                        out.append(r)
    return out


def _as_batch(raws):
    D = max(max(r.d_s, r.d_w) for r in raws)
    B = len(raws)
    arr = lambda: np.zeros((B, D), dtype=np.int64)  # noqa: E731
    b = xs.ExactBatch(np.array([r.d_s for r in raws]), np.array([r.d_w for r in raws]), arr(), arr(), arr(),
                      arr(), arr(), np.array([r.zo for r in raws]), np.array([r.n for r in raws]),
                      np.array([r.N for r in raws]), np.array([r.s2 for r in raws]))
    for i, r in enumerate(raws):
        for name in ("tj", "x", "y", "zs", "zw"):
            v = getattr(r, name)
            getattr(b, name)[i, :len(v)] = v
    return b


@pytest.mark.parametrize("name", CONDITIONS)
def test_float_screen_never_contradicts_the_exact_verdict(name):
    """Wherever the float screen decides a condition, the exact verdict is the same -- on sampled
    points and on points constructed exactly on the boundaries, which it must leave open."""
    cond = bounds.condition(name)
    b = _batch(seed=11, size=400, max_N=3000)
    bnd = _as_batch(_boundary_points())
    for batch in (b, bnd):
        s = cond.screen(batch.floats())
        truth = np.array([1 if cond.exact(batch.point(i)) else -1 for i in range(len(batch))])
        assert np.all((s == 0) | (s == truth))
    if name in ("pgr_sufficient", "n_le_N"):
        assert np.any(cond.screen(bnd.floats()) == 0)   # the exact boundary goes to Fractions


def test_gain_is_left_open_where_w2s_ties_the_teacher():
    bnd = _as_batch([r for r in _boundary_points() if r.N == 2 * r.d_s + 1 and r.tj[0] == 3])
    gain = bounds._expr("gain")
    assert all(bounds.exact("gain")(bnd.point(i)) == 0 for i in range(len(bnd)))
    assert np.all(fs.sign(*fs.evaluate(gain, bnd.floats())) == 0)


def test_the_margin_is_what_keeps_a_rounding_error_from_clearing_a_point(monkeypatch):
    """0.1 + 0.2 - 0.3 is exactly 0 but 5.6e-17 in floats: with the margin the sign is left to
    the exact path; with no margin the float screen would clear the strict condition wrongly."""
    a, b, c = sp.symbols("a b c")
    vals = {s: (np.array([float(Fraction(v, 10))]), np.array([fs.U * v / 10])) for s, v in
            (("a", 1), ("b", 2), ("c", 3))}
    assert fs.evaluate(a + b - c, vals)[0][0] != 0
    assert fs.screen([(a + b - c, True)], vals)[0] == 0
    monkeypatch.setattr(fs, "MARGIN", 0.0)
    assert fs.screen([(a + b - c, True)], vals)[0] == 1


def test_search_with_no_margin_is_caught_by_exact_confirmation(monkeypatch):
    """Even with the margin removed, a reported counterexample is confirmed in exact arithmetic."""
    monkeypatch.setattr(fs, "MARGIN", 0.0)
    res = es.search(np.random.default_rng(2), 3000, xs.Family(), bounds.condition("pgr_fails"))
    assert res.counterexample is not None and bounds.bound_fails("pgr", res.counterexample)


def test_error_bound_covers_the_exact_value_of_the_bounds():
    b = _batch(seed=4, size=200)
    vals = b.floats()
    for name in ("pgr", "opr", "pgr_lb", "opr_lb", "gain", "gap"):
        v, e = fs.evaluate(bounds._expr(name), vals)
        for i in range(0, 200, 9):
            if np.isfinite(v[i]) and np.isfinite(e[i]):
                assert abs(Fraction(float(v[i])) - bounds.exact(name)(b.point(i))) <= Fraction(float(e[i]))


def test_evaluate_rejects_non_rational_expressions():
    x = sp.Symbol("n")
    with pytest.raises(TypeError, match="rational"):
        fs.evaluate(sp.sqrt(x), {"n": (np.array([2.0]), np.array([0.0]))})


def test_shrinker_reaches_the_simplest_point_of_a_predicate():
    raw = xs.Raw(5, 3, (7, 2, 9), (16, -3, 4), (1, 0, -8), (6, 2), (), 11, 60, 200, 40)
    out, calls = xs.shrink(raw, lambda p: p["n"] >= 10 and p["d_s"] >= 2 and p["sigma2"] >= Fraction(1, 4))
    assert out == xs.Raw(2, 1, (0,), (0,), (0,), (0,), (), 0, 10, 4, 4) and calls < 3000


def test_search_shrinks_to_a_point_that_still_violates():
    res = es.search(np.random.default_rng(7), 3000, xs.Family(), bounds.condition("opr_fails"))
    cex = res.counterexample
    assert cex is not None and bounds.bound_fails("opr", cex) and bounds.bound_fails("opr", res.found)
    assert cex["d_s"] + cex["d_w"] <= res.found["d_s"] + res.found["d_w"] and cex["d_s"] == 1
    assert res.float_false_alarms == 0


def test_restricted_true_search_passes_and_counts_inside_points():
    res = es.search(np.random.default_rng(8), 3000, xs.Family(max_N=3000), bounds.condition("pgr_fails"),
                    bounds.condition("pgr_sufficient"))
    assert res.counterexample is None and 500 < res.inside <= res.distinct <= 3000
    # the exact path decided what the floats could not (boundary points are drawn often)
    assert res.exact_evaluations > 0


def test_arguments_cover_the_screened_symbols():
    names = {a.name for a in ARGS}
    for name in CONDITIONS:
        for expr, _ in bounds.condition(name).built_terms():
            assert {s.name for s in expr.free_symbols} <= names


def _first_rows_reference(rows):
    return np.sort(np.unique(rows, axis=0, return_index=True)[1])


@pytest.mark.parametrize("seed", range(6))
def test_first_rows_is_np_unique_first_occurrences(seed):
    """The hashed de-duplication returns exactly what ``np.unique(axis=0)`` would: the first
    occurrence of each distinct row, ascending (negative entries, repeats, one column, one row)."""
    rng = np.random.default_rng(seed)
    for rows, cols, low, high in ((1, 1, -2, 2), (500, 1, -3, 3), (2000, 12, 0, 1), (3000, 40, -40, 40)):
        a = rng.integers(low, high, size=(rows, cols), endpoint=True)
        a[rows // 2:] = a[:rows - rows // 2][rng.permutation(rows - rows // 2)]  # repeats
        assert np.array_equal(xs.first_rows(a), _first_rows_reference(a))
    assert xs.first_rows(np.zeros((0, 3), dtype=np.int64)).size == 0


def test_first_rows_falls_back_to_np_unique_on_a_hash_collision(monkeypatch):
    """Different rows with one hash are not merged: every row collides here, and the answer is
    still np.unique's."""
    monkeypatch.setattr(xs, "_row_hash", lambda rows: np.zeros(len(rows), dtype=np.uint64))
    a = np.random.default_rng(0).integers(-2, 2, size=(300, 4), endpoint=True)
    assert np.array_equal(xs.first_rows(a), _first_rows_reference(a))


def test_unique_batch_keeps_first_occurrences():
    rng = np.random.default_rng(4)
    batch, _ = xs.sample(rng, 400, xs.Family(bias=False, max_dim=3, max_n=6, max_N=6))
    twice = batch.take(np.concatenate([np.arange(len(batch)), np.arange(len(batch))]))
    kept = xs.unique(twice)
    assert len(kept) == len(xs.unique(batch)) <= len(batch)
