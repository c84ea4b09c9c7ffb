"""theory.complexity: thresholds in N and n, their closed forms, exact verdicts and errors."""
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory import complexity as C
from theory.symbols import N, d_s, d_sw, d_w, n, sigma2

VAR = dict(rho_s=0, rho_w=0, b_w2s=0, m_sw=0)


def _exact(name, **point):
    return theory.evaluate_exact(name, **point)


# --- beating the teacher -----------------------------------------------------------------------
def test_variance_only_threshold_is_2ds_plus_1():
    th = C.pseudo_labels_to_beat_teacher("exact", bias=False)
    assert sp.simplify(th.critical - (2 * d_s + 1)) == 0
    # existence: A = sigma2 (d_w - d_sw)/(n - d_w - 1) > 0, i.e. d_sw < d_w
    assert sp.simplify(th.extras["A"] - sigma2 * (d_w - d_sw) / (n - d_w - 1)) == 0


@pytest.mark.parametrize("form", ["exact", "paper"])
@pytest.mark.parametrize("bias", [True, False])
def test_beat_teacher_threshold_substituted_back_and_sign_factorised(form, bias):
    th = C.pseudo_labels_to_beat_teacher(form, bias)
    assert sp.simplify(th.margin.subs(N, th.critical)) == 0
    assert any(sp.simplify(th.critical - r) == 0 for r in th.roots)
    assert sp.simplify(th.margin - sp.Mul(*th.sign_factor) * (N - th.critical)) == 0


def test_paper_form_threshold_differs_and_tends_to_d_s():
    th = C.pseudo_labels_to_beat_teacher("paper", bias=False)
    expected = d_s * (d_w - d_sw) * n / ((d_w - d_sw) * n - d_w * (d_w + 1))
    assert sp.simplify(th.critical - expected) == 0
    assert sp.limit(th.critical, n, sp.oo) == d_s


def test_beat_teacher_verdicts_variance_only():
    th = C.pseudo_labels_to_beat_teacher("exact", bias=False)
    v = th.at(n=100, d_s=10, d_w=20, d_sw=5, sigma2=1)
    assert (v.status, v.critical, v.smallest) == ("threshold", 21, 22)
    assert v.region == sp.Interval.open(21, sp.oo)
    # V_w inside V_s: E ER_w2s = E ER_w for every N, so never strictly better
    v = th.at(n=100, d_s=10, d_w=5, d_sw=5, sigma2=1)
    assert v.status == "never" and not v.reachable


def test_beat_teacher_with_bias_can_be_impossible():
    th = C.pseudo_labels_to_beat_teacher("exact", bias=True)
    # b_w2s = rho_s + rho_w (teacher's misfit all inside V_s) and tiny noise: A < 0
    point = dict(n=100, d_s=10, d_w=20, d_sw=5, sigma2=Fraction(1, 100), rho_s=1, rho_w=1, b_w2s=2,
                 m_sw=0)
    assert th.extras["A"].subs({theory.symbols.BY_NAME[k]: v for k, v in point.items()}) < 0
    assert th.at(**point).status == "never"


@st.composite
def _points(draw, bias=True):
    ds = draw(st.integers(1, 12))
    dw = draw(st.integers(1, 12))
    nn = max(ds, dw) + 2 + draw(st.integers(0, 60))
    dsw = Fraction(draw(st.integers(0, 20 * min(ds, dw))), 20)
    p = dict(n=nn, d_s=ds, d_w=dw, d_sw=dsw, sigma2=Fraction(draw(st.integers(1, 40)), 10))
    if bias:
        rs = Fraction(draw(st.integers(0, 30)), 20)
        rw = Fraction(draw(st.integers(0, 30)), 20)
        p.update(rho_s=rs, rho_w=rw, b_w2s=rs + Fraction(draw(st.integers(0, 20)), 20) * rw,
                 m_sw=Fraction(draw(st.integers(0, 30)), 20))
    else:
        p.update(VAR)
    return p


@settings(max_examples=15)
@given(_points(bias=True))
def test_beat_teacher_verdict_matches_direct_exact_evaluation(point):
    th = C.pseudo_labels_to_beat_teacher("exact", bias=True)
    v = th.at(**point)

    def better(NN):
        return _exact("risk.w2s.exact", N=NN, **point) < _exact("risk.weak.exact", N=NN, **point)

    lo = point["d_s"] + 2  # smallest valid N
    if v.status == "never":
        assert not any(better(NN) for NN in (lo, lo + 50, 10**6))
    else:
        assert v.status == "threshold"
        assert better(v.smallest) and better(v.smallest + 1000)
        if v.smallest - 1 >= lo:
            assert not better(v.smallest - 1)
        crit = th.critical.subs({theory.symbols.BY_NAME[k]: sp.Rational(x.numerator, x.denominator)
                                 if isinstance(x, Fraction) else x for k, x in point.items()})
        assert sp.cancel(crit) == v.critical


# --- PGR target --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pgr07():
    return C.pseudo_labels_for_pgr(Fraction(7, 10), bias=False)


def test_pgr_limit_is_one_minus_dsw_over_dw(pgr07):
    assert sp.simplify(pgr07.limit - (1 - d_sw / d_w)) == 0


def test_pgr_target_below_the_limit_has_a_threshold(pgr07):
    point = dict(n=30, d_s=10, d_w=20, d_sw=5, sigma2=1)  # limit 3/4 > 7/10
    v = pgr07.at(**point)
    assert v.status == "threshold"
    crit = pgr07.critical.subs({theory.symbols.BY_NAME[k]: x for k, x in point.items()})
    assert sp.simplify(crit - v.critical) == 0
    p = {**point, **VAR}
    assert _exact("pgr.exact", N=v.smallest, **p) >= Fraction(7, 10)
    assert _exact("pgr.exact", N=v.smallest - 1, **p) < Fraction(7, 10)


def test_pgr_target_above_the_limit_is_unreachable_when_n_at_most_2dw_plus_1():
    # d_w = 20: for n <= 41 PGR(N) increases to its limit 3/4 and never exceeds it
    th = C.pseudo_labels_for_pgr(Fraction(76, 100), bias=False)
    for nn in (30, 41):
        assert th.at(n=nn, d_s=10, d_w=20, d_sw=5, sigma2=1).status == "never"


def test_pgr_overshoots_its_limit_for_large_n_a_finding():
    """Exact form: for n > 2 d_w + 1 PGR(N) approaches its limit from above, so a target a
    little above the limit is reached on a bounded window of N, and one above the maximum is
    unreachable. ("PGR never exceeds its N -> oo limit" holds only for n <= 2 d_w + 1.)"""
    point = dict(n=200, d_s=10, d_w=20, d_sw=5, sigma2=1)
    v = C.pseudo_labels_for_pgr(Fraction(8, 10), bias=False).at(**point)
    assert v.status == "window" and v.upper < sp.oo
    assert _exact("pgr.exact", N=v.smallest, **point, **VAR) >= Fraction(8, 10)
    assert _exact("pgr.exact", N=int(sp.floor(v.upper)) + 1, **point, **VAR) < Fraction(8, 10)
    assert C.pseudo_labels_for_pgr(Fraction(99, 100), bias=False).at(**point).status == "never"


def test_pgr_paper_form_builds():
    th = C.pseudo_labels_for_pgr(Fraction(1, 2), form="paper", bias=False)
    assert sp.simplify(th.limit - (1 - n * d_sw / ((n - d_w - 1) * d_w))) == 0


# --- OPR target, the OPR > 1 region ------------------------------------------------------------
def test_labels_for_opr_variance_only_limit_and_verdict():
    th = C.labels_for_opr(Fraction(3, 2), bias=False)
    dswN = d_sw + d_s * (d_w - d_sw) / (N - d_s - 1)
    assert sp.simplify(th.limit - d_s / dswN) == 0
    # d_s > d_w: OPR decreases in n towards d_s / d_swN = 10/(5 + 50/89) ~ 1.8 > 1.5
    v = th.at(N=100, d_s=10, d_w=5, d_sw=5, sigma2=1)
    assert v.status == "always"
    # d_s < d_w: OPR increases in n to 10/(5 + 150/89) ~ 1.49 < 1.5: unreachable
    assert th.at(N=100, d_s=10, d_w=20, d_sw=5, sigma2=1).status == "never"
    v = C.labels_for_opr(Fraction(14, 10), bias=False).at(N=100, d_s=10, d_w=20, d_sw=5, sigma2=1)
    assert v.status == "threshold"
    p = dict(N=100, d_s=10, d_w=20, d_sw=5, sigma2=1, **VAR)
    assert _exact("opr.exact", n=v.smallest, **p) >= Fraction(14, 10)
    assert _exact("opr.exact", n=v.smallest - 1, **p) < Fraction(14, 10)


def test_opr_region_boundary_variance_only():
    reg = C.opr_region("exact", bias=False)
    expected = d_s + 1 + d_s * (d_w - d_sw) * (n - d_s - 1) / (d_s * (n - d_w - 1) - d_sw * (n - d_s - 1))
    assert sp.simplify(reg.boundary - expected) == 0
    point = dict(n=60, d_s=10, d_w=20, d_sw=5, sigma2=1)
    Nb = expected.subs({theory.symbols.BY_NAME[k]: x for k, x in point.items()})
    for NN in (int(sp.floor(Nb)), int(sp.floor(Nb)) + 1):
        direct = _exact("opr.exact", N=NN, **point, **VAR) > 1
        assert reg.contains(N=NN, **point) == direct == (NN > Nb)
    assert C.n_range_for_opr(d_s=10, d_w=20, d_sw=5, sigma2=1, **VAR) == sp.Interval.open(
        sp.Rational(10 * 21 - 5 * 11, 5), sp.oo)


# --- risk targets, label saving ----------------------------------------------------------------
@pytest.mark.parametrize("model", ["weak", "strong", "ceiling", "w2s"])
def test_labels_to_reach_risk_hits_eps_exactly(model):
    th = C.labels_to_reach_risk(model, Fraction(1, 2), bias=True)
    point = dict(N=80, d_s=6, d_w=9, d_sw=3, sigma2=1, rho_s=Fraction(1, 10), rho_w=Fraction(1, 5),
                 b_w2s=Fraction(1, 5), m_sw=Fraction(1, 20))
    subs = {theory.symbols.BY_NAME[k]: x for k, x in point.items()}
    nstar = th.critical.subs(subs)
    # n* is a real threshold, generally not an integer: evaluate the formula directly
    assert theory.risk(model, "exact").subs(subs).subs(n, nstar) == sp.Rational(1, 2)
    v = th.at(**point)
    # "always": n* lies below the valid domain (e.g. the ceiling with many pseudo-labels)
    assert (v.status == "threshold" and v.critical == nstar) or (v.status == "always" and nstar <= v.critical)
    # below the n -> oo risk: unreachable
    assert C.labels_to_reach_risk(model, Fraction(1, 20), bias=True).at(**point).status == "never"


def test_label_saving_ratio_tends_to_ds_over_dsw():
    sav = C.label_saving(bias=False)
    assert sp.simplify(sav["ratio_limit"] - d_s / d_sw) == 0
    assert sp.simplify(sav["difference"] - ((d_s - d_sw) * sigma2 / C.eps + d_s - d_w)) == 0


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -0.5, float("nan"), float("inf"), "half", True, 1 + 2j])
def test_targets_outside_their_range_are_rejected(bad):
    with pytest.raises(ValueError, match="target"):
        C.pseudo_labels_for_pgr(bad)
    with pytest.raises(ValueError, match="target"):
        C.labels_for_opr(bad)
    with pytest.raises(ValueError, match="eps"):
        C.labels_to_reach_risk("w2s", bad)


def test_bad_arguments_are_rejected_with_names():
    with pytest.raises(ValueError, match="form"):
        C.pseudo_labels_to_beat_teacher("asymptotic")
    with pytest.raises(ValueError, match="model"):
        C.labels_to_reach_risk("teacher", 0.1)
    with pytest.raises(ValueError, match="pseudo_labels"):
        C.labels_to_reach_risk("w2s", 0.1, pseudo_labels=-3)
    th = C.pseudo_labels_to_beat_teacher("exact", bias=False)
    with pytest.raises(ValueError, match="missing"):
        th.at(n=100, d_s=10, d_w=20)
    with pytest.raises(ValueError, match="n > d_w"):
        th.at(n=15, d_s=10, d_w=20, d_sw=5, sigma2=1)
    with pytest.raises(ValueError, match="unknown parameter"):
        th.at(n=100, d_s=10, d_w=20, d_sw=5, sigma2=1, gamma=2)


def test_symbolic_target_is_kept():
    th = C.pseudo_labels_for_pgr(None, bias=False)
    assert C.target in th.margin.free_symbols
    v = th.at(n=30, d_s=10, d_w=20, d_sw=5, sigma2=1, target=Fraction(7, 10))
    assert v.status == "threshold"




def _in_dummy_evaluated(rel, expr, subs, x, X):
    """The relational built with evaluation (how verdicts were first computed)."""
    e = sp.cancel(sp.together(sp.sympify(expr).xreplace(subs))).xreplace({x: X})
    return rel(e, 0)


def _points(rng, count):
    """Exact parameter values of random configurations (some outside the conditions)."""
    for _ in range(count):
        ds, dw = rng.randint(1, 6), rng.randint(1, 6)
        frac = lambda hi: Fraction(rng.randint(0, 16 * hi), 16)  # noqa: E731
        yield {"d_s": ds, "d_w": dw, "n": rng.randint(max(ds, dw) + 2, 60),
               "N": rng.randint(ds + 2, 80), "d_sw": Fraction(rng.randint(0, 8 * min(ds, dw)), 8),
               "sigma2": Fraction(rng.randint(1, 32), 16), "rho_s": frac(1), "rho_w": frac(1),
               "b_w2s": frac(1), "m_sw": Fraction(rng.randint(0, 4), 64)}


@pytest.mark.parametrize("build", [lambda: C.pseudo_labels_to_beat_teacher("exact", True),
                                   lambda: C.opr_region("exact", True).threshold,
                                   lambda: C.labels_to_reach_risk("w2s", None, "exact", bias=True)],
                         ids=["beat_teacher", "opr_region", "risk_w2s"])
def test_verdicts_do_not_depend_on_evaluating_the_relationals(build, monkeypatch):
    """Threshold.at leaves its rational inequalities unevaluated (the assumptions system's
    sign queries were most of a verdict's cost): the verdicts -- status, region, domain,
    critical, upper end and smallest integer -- are those of the evaluated relationals."""
    import random

    th = build()
    compared = 0
    for p in _points(random.Random(7), 40):
        vals = {k: v for k, v in p.items() if k != th.variable.name}
        if C.eps in th.margin.free_symbols:
            vals["eps"] = p["rho_s"] + p["rho_w"] + p["b_w2s"] + p["d_s"] * p["m_sw"] + p["sigma2"]
        verdicts = []
        for evaluated in (False, True):
            with monkeypatch.context() as m:
                if evaluated:
                    m.setattr(C, "_in_dummy", _in_dummy_evaluated)
                try:
                    v = th.at(**vals)
                    verdicts.append((v.status, v.region, v.domain, v.critical, v.upper, v.smallest))
                except ValueError as exc:
                    verdicts.append(("error", str(exc)))
        assert verdicts[0] == verdicts[1], vals
        compared += verdicts[0][0] != "error"
    assert compared >= 8
