"""verify/claimsets/regimes.py: every regime, the finite-N misfit identity, infinite expectations."""
import math

import numpy as np
import pytest
from hypothesis import given, settings

from theory import regimes as TR
from verify import Context, run_claims, stats
from verify.claimsets import registry
from verify.claimsets import regimes as R


def _by_name(name):
    return next(c for c in R.CLAIMS if c.name == name)


def _cfg(d_s, d_w, n, N, theta=None, cosines=None, sigma2=0.5):
    k = min(d_s, d_w)
    return {"d_s": d_s, "d_w": d_w, "n": n, "N": N, "sigma2": sigma2,
            "cosines": cosines if cosines is not None else [0.6] * k,
            "theta": theta or {"s": 0.4, "w": 0.3, "o": 0.1, "seed": 3},
            "features": "gaussian", "noise": "gaussian"}


@pytest.fixture
def ctx():
    return Context(seed=5, examples=1, trials=1024, trials_budget=4096, resolution=0.2, quick=True)


def test_claims_registered_with_unique_names():
    names = [c.name for c in registry()]
    ours = [c.name for c in R.CLAIMS]
    assert set(ours) <= set(names) and len(set(ours)) == len(ours)
    assert all(n.startswith("regimes.") for n in ours)
    assert {f"regimes.w2s.{t}_{s}" for t in TR.REGIMES for s in TR.REGIMES} <= set(ours)
    assert {f"regimes.{m}.interp" for m in TR.SINGLE_MODELS} <= set(ours)
    assert [c.name for c in R.CLAIMS if c.expect == "fail"] == ["regimes.misfit_gap.zero"]


@settings(max_examples=40, deadline=None)
@given(R.regime_configs("interp", "interp"))
def test_drawn_configurations_stay_away_from_thresholds(cfg):
    for fit in ("teacher", "student"):
        m, d = R._FITS[fit](cfg)
        assert d - m >= R.GAP and m >= 3
    R.check_config(cfg, ("teacher", "student"), R.GAP)


@settings(max_examples=30, deadline=None)
@given(R.single_interp_configs("ceiling"))
def test_drawn_ceiling_configurations_interpolate(cfg):
    assert cfg["d_s"] - (cfg["n"] + cfg["N"]) >= R.GAP


# -- requests within one sample of a threshold ---------------------------------------------------
@pytest.mark.parametrize("n,N,fit", [(7, 30, "teacher"), (8, 30, "teacher"), (9, 30, "teacher"),
                                     (30, 5, "student"), (30, 6, "student"), (30, 7, "student")])
def test_threshold_requests_rejected_as_infinite(n, N, fit):
    cfg = _cfg(6, 8, n, N)
    with pytest.raises(TR.InfiniteExpectation, match=f"configs\\[0\\]: {fit}: .*infinite"):
        R.RegimeW2S("ols", "ols", configs=[cfg])


@pytest.mark.parametrize("n", [10, 11, 5, 6])   # |n - d_w| in {2, 3}: finite mean, infinite variance
def test_gaps_without_finite_variance_rejected(n):
    with pytest.raises(ValueError, match="must be >= gap") as info:
        R.RegimeW2S("ols", "ols", configs=[_cfg(6, 8, n, 40)])
    assert not isinstance(info.value, TR.InfiniteExpectation)
    with pytest.raises(ValueError, match="gap must be an integer >= 4"):
        R.RegimeW2S("ols", "ols", gap=3)


def test_machinery_reports_infinite_expectation_not_a_number(ctx):
    claim = R.RegimeW2S("ols", "ols", configs=[_cfg(6, 8, 30, 6), _cfg(6, 8, 8, 30)],
                        on_infinite="report")
    (res,) = run_claims([claim], ctx, shrink=False).results
    assert res.status == "inconclusive"
    assert len(res.observations) == 2
    for o in res.observations:
        assert o.alternative == "none" and o.status == "inconclusive"
        assert o.estimate is None and o.theory is None and o.p_value is None
        assert o.details["infinite_expectation"] is True
        assert "expectation infinite" in o.label and "|" in o.details["message"]


def test_theory_side_raises_infinite_expectation():
    cfg = _cfg(6, 8, 8, 30)
    with pytest.raises(TR.InfiniteExpectation):
        R.fit_regime(cfg, "teacher")
    assert R.fit_regime(cfg, "student") == "ols"


# -- the claims check what they say --------------------------------------------------------------
def test_regime_claims_pass_on_explicit_configs(ctx):
    claims = [
        R.RegimeW2S("interp", "interp", configs=[_cfg(14, 16, 5, 4)], gap=6),
        R.RegimeW2S("ols", "interp", configs=[_cfg(14, 4, 12, 4)], gap=6),
        R.RegimeSingle("ceiling", configs=[_cfg(14, 4, 3, 4)], gap=6),
    ]
    results = run_claims(claims, ctx, shrink=False).results
    assert [r.status for r in results] == ["pass"] * 3
    assert len(results[0].observations) == 2     # risk and misfit


def test_wrong_formula_is_rejected(ctx):
    # Power: the interpolating-teacher W2S formula without its Haar beta term (theta in V_w,
    # V_w partly inside V_s) is rejected by the same machinery.
    class Wrong(R.RegimeW2S):
        def observe(self, ctx, cfg):
            g = ctx.geometry(cfg)
            v = R._value("risk.w2s.regime.interp_ols", g)
            n_, d = cfg["n"], cfg["d_w"]
            beta = n_ * (d - n_) / (d * (d - 1) * (d + 2))
            wrong = v - (1 - cfg["d_s"] / (cfg["N"] - cfg["d_s"] - 1)) * beta * g["d_sw"] * (g["t2"] - g["rho_w"])
            return [self._test(ctx, cfg, "wrong", lambda pt: pt["w2s"], wrong, abs(wrong), {})]

    cfg = _cfg(10, 16, 4, 80, theta={"s": 0.0, "w": 1.0, "o": 0.0, "seed": 1},
               cosines=[1.0] * 10, sigma2=0.05)
    (res,) = run_claims([Wrong("interp", "ols", configs=[cfg])], ctx, shrink=False).results
    assert res.status == "fail"


def test_misfit_claims_known_false_fails_and_exact_passes(ctx):
    results = run_claims([_by_name("regimes.misfit_gap.zero"),
                          R.MisfitGap("regimes.misfit_gap.exact_t", regimes=(("ols", "ols"),),
                                      configs=[_cfg(3, 5, 20, 30, theta={"s": 0.2, "w": 0.8,
                                                                         "o": 0.1, "seed": 4})])],
                         ctx, shrink=False).results
    assert [r.status for r in results] == ["fail", "pass"]
    gap = results[1].observations[0]
    assert gap.theory < -0.1 and gap.details["r_sw"] > 0.05   # a non-trivial defect was matched


def test_misfit_identity_tends_to_charikar_equality(ctx):
    """Simulation side of N -> oo: the population equality gain = misfit is rejected at small N
    and not at large N, while the finite-N identity holds at both; the factor tends to 1."""
    def z(cfg, c, t):
        pt = ctx.simulate(cfg, t)
        est, se = stats.mean_se(pt["weak"] - pt["w2s"] - c * pt["misfit"])
        return est / se

    d_s = 3
    realizable = {"s": 0.5, "w": 0.0, "o": 0.0, "seed": 2}
    small, large = _cfg(d_s, 5, 25, 10, theta=realizable), _cfg(d_s, 5, 25, 40000, theta=realizable)
    crit = 3.48                               # two-sided, Bonferroni over 4 tests at 2e-3
    ratio = lambda N: (N - 2 * d_s - 1) / (N - 1)   # noqa: E731
    assert abs(z(small, 1.0, 4096)) > crit            # population identity false at N = 10
    assert abs(z(small, ratio(10), 4096)) < crit      # finite-N identity holds
    assert abs(z(large, 1.0, 2048)) < crit            # ... at N = 40000 they coincide
    assert abs(z(large, ratio(40000), 2048)) < crit
    assert ratio(40000) > 0.9998 and math.isclose(ratio(10), 3 / 9)


def test_symbolic_claims_pass(ctx):
    names = [c.name for c in R.SYMBOLIC]
    results = run_claims([_by_name(n) for n in names], ctx, shrink=False).results
    assert {r.name: r.status for r in results} == {n: "pass" for n in names}


def test_bad_arguments_rejected():
    with pytest.raises(ValueError, match="teacher must be one of"):
        R.RegimeW2S("tall", "ols")
    with pytest.raises(ValueError, match="model must be one of"):
        R.RegimeSingle("w2s")
    with pytest.raises(ValueError, match="on_infinite must be"):
        R.RegimeW2S("ols", "ols", on_infinite="ignore")
    with pytest.raises(ValueError, match="against must be"):
        R.MisfitGap("regimes.x", against="one")
    assert np.isfinite(R.GAP)


def test_interpolating_claims_add_a_threshold_configuration():
    """Issue 16: an off-by-one in the inverse-Gram trace m/(d - m - 1) passed --quick, whose one
    random draw per claim rarely sits near the threshold. Each claim with an interpolating fit
    adds a deterministic configuration gap + 2 samples from it, with no target."""
    from verify.claimsets.regimes import STATISTICAL, THRESHOLD, check_config, fit_regime
    from verify.context import Context

    ctx = Context.preset("quick", seed=1)
    with_threshold = 0
    for c in STATISTICAL:
        t = getattr(c, "threshold_config", lambda: None)()
        if t is None:
            continue
        with_threshold += 1
        check_config(t, c.fits, c.gap)
        assert t["chosen_by"] == THRESHOLD and t["theta"]["s"] == t["theta"]["w"] == t["theta"]["o"] == 0
        for fit in c.fits:
            m, d = {"teacher": (t["n"], t["d_w"]), "student": (t["N"], t["d_s"]),
                    "strong": (t["n"], t["d_s"]), "ceiling": (t["n"] + t["N"], t["d_s"])}[fit]
            if fit_regime(t, fit) == "interp":
                assert d - m == c.gap + 2
        assert c.plan(ctx) == (c.count(ctx) + 1) * c.per_config()
        assert c._configs(ctx)[-1] == t
    assert with_threshold == 6      # three W2S regimes with an interpolating fit, three single models
