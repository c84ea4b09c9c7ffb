"""Claim classes, the registry, selection and claims files."""
import textwrap

import pytest
import sympy as sp

import theory
import verify
from verify.claims import Claim, CustomClaim, Observation, SymbolicClaim, load_claims_file, select
from verify.claimsets import registry


def test_claim_validation_names_the_parameter():
    with pytest.raises(ValueError, match="quantity"):
        Claim("x.a", "teacher", "risk.weak.exact")
    with pytest.raises(ValueError, match="relation"):
        Claim("x.a", "weak", "risk.weak.exact", relation="approximately")
    with pytest.raises(ValueError, match="tolerance"):
        Claim("x.a", "weak", "risk.weak.exact", relation="approx")
    with pytest.raises(ValueError, match="tolerance"):
        Claim("x.a", "weak", "risk.weak.exact", relation="approx", tolerance=-0.1)
    with pytest.raises(ValueError, match="tolerance"):
        Claim("x.a", "weak", "risk.weak.exact", relation="eq", tolerance=0.1)
    with pytest.raises(ValueError, match="features"):
        Claim("x.a", "weak", "risk.weak.exact", features="cauchy")
    with pytest.raises(ValueError, match="registered formula"):
        Claim("x.a", "weak", "risk.teacher.exact")
    with pytest.raises(ValueError, match="name"):
        Claim("has space", "weak", "risk.weak.exact")
    with pytest.raises(ValueError, match="expect"):
        Claim("x.a", "weak", "risk.weak.exact", expect="maybe")
    with pytest.raises(ValueError, match="regime"):
        Claim("x.a", "weak", "risk.weak.exact", regime=42)
    with pytest.raises(ValueError, match="relation"):
        SymbolicClaim("x.s", 1, 1, relation="approx")
    with pytest.raises(ValueError, match="variable"):
        SymbolicClaim("x.s", 1, 1, relation="limit")


def test_claim_accepts_names_and_expressions():
    a = Claim("x.a", "weak", "risk.weak.exact")
    b = Claim("x.b", "weak", theory.risk("weak"))
    assert a.expr == b.expr and a.formula_name == b.formula_name == "risk.weak.exact"
    d = Claim("x.c", "w2s", "risk.w2s.paper", relation="approx", tolerance=theory.symbols.d_w / theory.symbols.n,
              features="student-t:10").describe()
    assert d["relation"] == "approx" and d["features"] == "student-t:10" and d["regime"]["features"] == "student-t:10"


def test_observation_helpers():
    o = Observation.test("t", 1.1, 0.05, 1.0, "greater", scale=2.0)
    assert o.deviation == pytest.approx(0.05) and o.status is None and 0 < o.p_value < 0.05
    with pytest.raises(ValueError, match="estimate"):
        Observation.test("t", float("nan"), 0.1, 1.0, "two-sided")
    with pytest.raises(ValueError, match="alternative"):
        Observation.test("t", 1.0, 0.1, 1.0, "none")
    with pytest.raises(ValueError, match="status"):
        Observation.check("t", "great")
    assert Observation.check("t", "fail").to_dict()["status"] == "fail"


def test_registry_is_unique_and_complete():
    claims = registry()
    names = [c.name for c in claims]
    assert len(names) == len(set(names))
    assert {"core.weak.exact", "core.strong.exact", "core.ceiling.exact", "core.w2s.exact",
            "core.pgr.exact", "core.opr.exact"} <= set(names)
    kinds = {c.kind for c in claims}
    assert {"expectation", "symbolic", "custom"} <= kinds
    assert any(c.expect == "fail" for c in claims)
    assert [c.name for c in verify.claimsets.REGISTRY] == names
    for c in claims:
        if isinstance(c, Claim) and c.relation == "approx" and "robust" in c.name:
            assert c.features != "gaussian"


def test_select():
    claims = registry()
    assert [c.name for c in select(claims, only=["core.weak.exact"])] == ["core.weak.exact"]
    sel = select(claims, patterns=["core.paper.*"])
    assert sel and all(c.name.startswith("core.paper.") for c in sel)
    assert select(claims) == claims
    with pytest.raises(ValueError, match="--only"):
        select(claims, only=["nope"])
    with pytest.raises(ValueError, match="--claims"):
        select(claims, patterns=["zzz*"])
    with pytest.raises(ValueError, match="duplicate"):
        select(claims[:1] * 2)


def test_load_claims_file(tmp_path):
    f = tmp_path / "mine.py"
    f.write_text(textwrap.dedent("""
        import verify
        CLAIMS = [verify.SymbolicClaim("mine.id", "risk.weak.exact", "risk.weak.exact")]
    """))
    (c,) = load_claims_file(f)
    assert isinstance(c, CustomClaim) and c.name == "mine.id"
    bad = tmp_path / "bad.py"
    bad.write_text("CLAIMS = 3\n")
    with pytest.raises(ValueError, match="CLAIMS"):
        load_claims_file(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_claims_file(tmp_path / "missing.py")


def test_symbolic_claims_decide(ctx_small):
    from verify import stats

    n, d_w = theory.symbols.n, theory.symbols.d_w
    good = SymbolicClaim("s.good", "risk.w2s.exact", sum(theory.w2s_decomposition("exact").values()))
    bad = SymbolicClaim("s.bad", "risk.weak.exact", theory.symbols.sigma2 * d_w / n)
    lim = SymbolicClaim("s.lim", "w2s.reduced.exact", 0, "limit", variable=theory.symbols.N, point=sp.oo)
    badlim = SymbolicClaim("s.badlim", "risk.w2s.exact", 0, "limit", variable=theory.symbols.N, point=sp.oo)
    obs = {c.name: c.run(ctx_small)[0] for c in (good, bad, lim, badlim)}
    stats.decide(obs.values())
    assert obs["s.good"].status == "pass" and obs["s.good"].details["spot_checks"] >= 1
    assert obs["s.bad"].status == "fail" and obs["s.bad"].details["spot_failures"]
    assert obs["s.lim"].status == "pass"
    assert obs["s.badlim"].status == "fail"


def test_limit_spot_check_far_enough_at_tiny_overlap():
    """Quick seed 32 drew d_sw = 1e-12, where the residual of a right limit at N = 10^(prec/2)
    was still above the tolerance (the next term is O(1/(N d_sw^2))): the true claim
    ``core.limit.opr.N_inf`` failed. The residual must now be seen to shrink further out, and a
    limit that is off (by 1e-9 relative) must still fail there."""
    from verify import symbolic
    from verify.claimsets import registry

    class Geometry:  # the points below are geometries already
        @staticmethod
        def geometry(cfg):
            return cfg

    point = {"b_w2s": 2.497611999999035, "c_sw": 1.3747150711683863e-07, "d_s": 3, "d_sw": 1e-12,
             "d_w": 1, "m_sw": 0.9238382749402221, "n": 101, "p_sw": 9.238382749411458e-13,
             "rho_s": 1.923837999999076, "rho_w": 1.5737739999999794, "sigma2": 0.923838,
             "t2": 2.4976122749411256, "N": 1}
    claim = next(c for c in registry() if c.name == "core.limit.opr.N_inf")
    lhs, rhs = claim.lhs.subs(claim.subs), claim.rhs.subs(claim.subs)
    checks, bad = symbolic._spot(claim, Geometry, lhs, rhs, [point])
    assert len(checks) == 1 and not bad and checks[0]["converging"]
    checks, bad = symbolic._spot(claim, Geometry, lhs, rhs * (1 + sp.Rational(1, 10**9)), [point])
    assert len(checks) == 1 and bad


def test_misfit_identity_keeps_a_callers_condition():
    from verify.claimsets.core import MisfitIdentity, _misfit_present
    from verify.strategies import Regime

    def small_n(g):
        """n below 40"""
        return g["n"] < 40

    built_in = MisfitIdentity("t.misfit")
    assert built_in.regime.where is _misfit_present          # the built-in draws are unchanged
    mine = MisfitIdentity("t.misfit.mine", regime=Regime(where=small_n))
    inside = {"n": 30, "d_w": 4, "d_sw": 1.0}
    assert mine.regime.where(inside)
    assert not mine.regime.where({**inside, "n": 50})         # the caller's condition
    assert not mine.regime.where({**inside, "d_sw": 3.9})     # the misfit must be present
    assert "n below 40" in mine.regime.describe()["where"]
