"""verify/claimsets/complexity.py: exact geometry, sufficient conditions, and the claims' checks."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numeric
import theory
from verify import Context, run_claims, stats
from verify.claimsets import registry
from verify import bounds, strategies
from verify.claimsets import complexity as K


def _by_name(name):
    return next(c for c in K.CLAIMS if c.name == name)


@pytest.fixture
def ctx():
    return Context(seed=3, examples=1, trials=512, trials_budget=2048, resolution=0.2, quick=True)


def test_claims_are_registered_with_unique_names():
    names = [c.name for c in registry()]
    ours = [c.name for c in K.CLAIMS]
    assert set(ours) <= set(names) and len(set(ours)) == len(ours)
    assert all(n.startswith("complexity.") for n in ours)
    assert {c.name for c in K.CLAIMS if c.expect == "fail"} == {
        "complexity.pgr.never_exceeds_limit", "complexity.bounds.pgr.everywhere",
        "complexity.bounds.opr.everywhere"}


@settings(max_examples=20)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_rational_geometry_matches_numeric_scenario(ds, dw, data):
    """The exact generator is the canonical basis: the same vectors through numeric.Scenario
    give the same geometry scalars."""
    k = min(ds, dw)
    q = st.integers(-8, 8).map(lambda j: Fraction(j, 4))
    ts = [Fraction(data.draw(st.integers(0, 10)), 10) for _ in range(k)]
    x = [data.draw(q) for _ in range(k)]
    y = [data.draw(q) for _ in range(k)]
    z_s = [data.draw(q) for _ in range(max(0, ds - dw))]
    z_w = [data.draw(q) for _ in range(max(0, dw - ds))]
    z_o = data.draw(q)
    exact = strategies.rational_geometry(ds, dw, ts, x, y, z_s, z_w, z_o)
    D = ds + dw + 1
    V_s = np.eye(D)[:, :ds]
    V_w = np.zeros((D, dw))
    theta = np.zeros(D)
    for i in range(dw):
        if i < k:
            c, s = map(float, strategies.pythagorean(ts[i]))
            V_w[i, i], V_w[ds + i, i] = c, s
        else:
            V_w[ds + i, i] = 1.0
    for i in range(k):
        theta[i], theta[ds + i] = float(x[i]), float(y[i])
    for j, z in enumerate(z_s):
        theta[k + j] = float(z)
    for j, z in enumerate(z_w):
        theta[ds + k + j] = float(z)
    theta[D - 1] = float(z_o)
    g = numeric.Scenario.from_bases(V_s, V_w, theta, n=dw + ds + 5, N=ds + 5).geometry()
    for key, val in exact.items():
        assert g[key] == pytest.approx(float(val), abs=1e-9), key


def test_sufficient_conditions_on_known_points():
    # the minimal PGR counterexample sits at N = 2 d_s + 1 (W2S ties the teacher: PGR = 0)
    p = dict(n=10, N=3, d_s=1, d_w=2, sigma2=Fraction(1, 16), d_sw=Fraction(1), rho_s=Fraction(0),
             rho_w=Fraction(0), b_w2s=Fraction(0), m_sw=Fraction(0))
    assert bounds.bound_fails('pgr', p) and not bounds.pgr_bound_sufficient(p)
    q = {**p, "N": 40}
    assert bounds.pgr_bound_sufficient(q) and not bounds.bound_fails('pgr', q)
    # OPR bound, rho = 0: fails for N < n with little overlap, holds for N >= n
    r = dict(p, n=60, N=10, d_s=2, d_w=6, d_sw=Fraction(0))
    assert bounds.bound_fails('opr', r) and not bounds.opr_bound_sufficient(r)
    assert not bounds.bound_fails("opr", {**r, "N": 60})


@pytest.mark.parametrize("name,status", [
    ("complexity.bounds.pgr.everywhere", "fail"),
    ("complexity.bounds.opr.everywhere", "fail"),
    ("complexity.bounds.pgr.sufficient", "pass"),
    ("complexity.bounds.opr.sufficient", "pass"),
    ("complexity.bounds.opr.sufficient.variance_only", "pass"),
    ("complexity.pgr.never_exceeds_limit", "fail"),
    ("complexity.pgr.overshoot_iff_n_gt_2dw_plus_1", "pass"),
])
def test_exact_searches_and_proofs(ctx, name, status):
    (res,) = run_claims([_by_name(name)], ctx, shrink=False).results
    assert res.status == status, [o.to_dict() for o in res.observations]
    if status == "fail":
        cex = res.observations[0].config
        assert cex and int(cex["N"]) >= int(cex["d_s"]) + 2 and int(cex["n"]) >= max(
            int(cex["d_s"]), int(cex["d_w"])) + 2


def test_threshold_proof_variance_only(ctx):
    (res,) = run_claims([_by_name("complexity.threshold.beat_teacher.exact.variance_only")], ctx,
                        shrink=False).results
    assert res.status == "pass"
    assert len(res.observations) == 4 and all(o.status == "pass" for o in res.observations)


def test_wls_recovers_an_exact_line():
    x = np.log(np.array([10.0, 20, 40, 80]))
    slope, se, chi2 = stats.wls_slope(x, 3 - 1.5 * x, np.ones(4))
    assert slope == pytest.approx(-1.5) and chi2 == pytest.approx(0, abs=1e-20)
    assert se == pytest.approx(1 / np.sqrt(np.sum((x - x.mean()) ** 2)))


def test_flip_rejects_bad_parameters():
    with pytest.raises(ValueError, match="other"):
        K.OrderingFlip("x.flip", "ceiling", K.FLIP_VAR)
    with pytest.raises(ValueError, match="r must"):
        K.OrderingFlip("x.flip", "weak", K.FLIP_VAR, r=1.5)
    with pytest.raises(ValueError, match="variable"):
        K.ScalingExponent("x.scal", "d")


def test_flip_teacher_variance_only_confirms_the_ordering(ctx):
    (res,) = run_claims([_by_name("complexity.flip.teacher.variance_only")], ctx, shrink=False).results
    assert res.status == "pass"
    below, above = res.observations
    assert below.estimate < 0 < above.estimate
    assert below.details["power_at_prediction"] > 0.8 and above.details["power_at_prediction"] > 0.8


@pytest.mark.slow
@pytest.mark.parametrize("name", [c.name for c in K.STATISTICAL])
def test_statistical_claims_pass_at_default_size(name):
    ctx = Context.preset("default", seed=11)
    (res,) = run_claims([_by_name(name)], ctx, shrink=False).results
    assert res.status == "pass", [o.to_dict() for o in res.observations]


def test_overshoot_point_avoids_the_pgr_pole():
    """Issue 16, seed 7: with d_s > d_w the ceiling barely beats the teacher at small N, the exact
    PGR has a pole there and its argmax (N = 22, PGR 38) sat at 0/0, where no budget decides.
    The chosen N keeps the teacher-to-ceiling gap >= 1/4 of the teacher's risk and still
    overshoots the limit."""
    vals = dict(n=65, d_s=8, d_w=6, d_sw=0.90566**2 + 0.251061**2 + 0.012219**2, sigma2=0.525964)
    f = theory.lambdify_numpy(theory.pgr("exact").subs(K.VAR))
    weak = float(theory.lambdify_numpy(theory.risk("weak", "exact").subs(K.VAR))(**vals))
    ceiling = theory.lambdify_numpy(theory.risk("ceiling", "exact").subs(K.VAR))
    Ns = np.arange(16, 320)
    curve = f(N=Ns, **vals)
    limit = 1 - vals["d_sw"] / vals["d_w"]
    assert int(Ns[np.argmax(curve)]) < 30 and np.max(curve) > 10          # the pole
    N, pred = K._overshoot_point(Ns, curve, weak - ceiling(N=Ns, **vals), weak, limit)
    gap = weak - float(ceiling(N=N, **vals))
    assert gap >= 0.25 * weak
    assert pred == pytest.approx(float(f(N=N, **vals))) and pred > limit
    # no N with such a gap has a larger expected contrast (PGR - limit) * gap
    ok = weak - ceiling(N=Ns, **vals) >= 0.25 * weak
    assert (pred - limit) * gap >= np.max(((curve - limit) * (weak - ceiling(N=Ns, **vals)))[ok]) - 1e-12


@pytest.mark.slow
def test_scaling_slope_second_pass_reaches_the_resolution():
    """Issue 16, seed 12: at the full quick family's planning level the log(N) slope's MDE was
    0.142 > 0.125 (the large-N points hit the per-point budget); the slope-level second pass
    extends those points' streams up to the pool budget, after which the MDE is below it."""
    ctx = Context.preset("quick", seed=12)
    m_full = sum(max(int(c.plan(ctx)), 0) for c in registry())
    claim = _by_name("complexity.scaling.w2s_in_N")
    ctx.planning_level = ctx.alpha / m_full
    obs = claim.run(ctx)
    assert len(obs) == 2
    assert any(r.get("second_pass") for r in obs[0].details["rows"])
    for o in obs:
        assert stats.mde(o.stderr, 1.0, ctx.planning_level, ctx.power, "two-sided") <= 0.125
