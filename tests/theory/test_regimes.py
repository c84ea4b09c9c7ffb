"""Tests of theory.regimes: the W2S and single-model risks in every parameterization regime,
the infinite-expectation bands, and the finite-N misfit identity.

Symbolic tests compare against the paper-regime formulas (theory.risk) and against the forms
printed in theory.md sections 6 and 7. Monte Carlo tests simulate the canonical model directly
in plain NumPy (Gaussian x in R^D, min-norm fits by pinv; independent of the ``numeric``
package) and compare sample means with the formulas by two-sided z-tests. Each test function is
one family: Bonferroni over its checks at family-wise false-alarm rate ALPHA. A check is only
made where the risk has finite variance (|samples - dim| - 1 >= 4 for every fit involved, an
inverse-Wishart second-moment condition); elsewhere the z-test would be invalid.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import theory
from theory import haar
from theory import regimes as R
from theory.symbols import N, c_sw, d_s, d_sw, d_w, n, p_sw, rho_s, rho_w, sigma2, t2

ALPHA = 1e-3
BLOCK = 2500  # trials per SeedSequence child; fixed, so results do not depend on batching
MODELS = ("weak", "strong", "ceiling", "w2s", "misfit", "gain")


# --- direct Monte Carlo of the canonical model -------------------------------------------------
def _orthonormal(rng, D, d):
    Q, _ = np.linalg.qr(rng.standard_normal((D, d)))
    return Q


def make_geometry(d_s_, d_w_, D, seed, theta=None, V_s=None, V_w=None):
    """Random bases (or given ones) and target; returns the bases and the theory's scalars."""
    rng = np.random.default_rng(seed)
    V_s = _orthonormal(rng, D, d_s_) if V_s is None else V_s
    V_w = _orthonormal(rng, D, d_w_) if V_w is None else V_w
    if theta is None:
        theta = rng.standard_normal(D)
        theta /= np.linalg.norm(theta)
    P_s, P_w = V_s @ V_s.T, V_w @ V_w.T
    values = dict(
        d_s=d_s_, d_w=d_w_, d_sw=float(np.sum((V_s.T @ V_w) ** 2)),
        t2=float(theta @ theta), c_sw=float(theta @ P_s @ P_w @ theta),
        p_sw=float(np.sum((P_s @ P_w @ theta) ** 2)),
        rho_s=float(np.sum((theta - P_s @ theta) ** 2)), rho_w=float(np.sum((theta - P_w @ theta) ** 2)),
    )
    return V_s, V_w, theta, values


def _minnorm(X, y):
    """Minimum-norm least squares for a stack of full-rank X (the Gaussian designs here are,
    almost surely): normal equations when tall, the dual Gram when wide. Equal to pinv(X) y
    (test_minnorm_equals_pinv) and 10-40x faster on small stacks."""
    Xt = np.swapaxes(X, -1, -2)
    if X.shape[-2] >= X.shape[-1]:
        return np.linalg.solve(Xt @ X, Xt @ y[..., None])[..., 0]
    return (Xt @ np.linalg.solve(X @ Xt, y[..., None]))[..., 0]


def simulate(V_s, V_w, theta, n_, N_, sigma2_, trials, seed, noise="gaussian", singles=True):
    """Per-trial risks of weak, strong, ceiling, w2s, the misfit and the gain ER_w - ER_w2s
    (strong and ceiling skipped unless ``singles``), and the teacher's coefficient moments.

    Block ``b`` of BLOCK trials draws from ``SeedSequence(seed).spawn(...)[b]``.
    """
    D = theta.size
    out = {k: [] for k in MODELS + ("teacher_mean", "teacher_proj", "teacher_energy")}
    P_s = V_s @ V_s.T
    Pw_theta = V_w @ (V_w.T @ theta)
    for b, child in enumerate(np.random.SeedSequence(seed).spawn(-(-trials // BLOCK))):
        rng = np.random.default_rng(child)
        T = min(BLOCK, trials - b * BLOCK)
        X = rng.standard_normal((T, n_ + N_, D))
        if noise == "gaussian":
            xi = rng.standard_normal((T, n_ + N_))
        else:  # Rademacher: any noise law with variance sigma2 gives the same expectations
            xi = rng.choice([-1.0, 1.0], size=(T, n_ + N_))
        y = X @ theta + math.sqrt(sigma2_) * xi
        Xl, yl, Z = X[:, :n_], y[:, :n_], X[:, n_:]
        beta_w = _minnorm(Xl @ V_w, yl) @ V_w.T
        beta_s = _minnorm(Xl @ V_s, yl) @ V_s.T if singles else theta
        beta_c = _minnorm(X @ V_s, y) @ V_s.T if singles else theta
        # The student sees the teacher's predictions on the N unlabelled inputs: no fresh noise.
        beta_2 = _minnorm(Z @ V_s, np.einsum("tnd,td->tn", Z, beta_w)) @ V_s.T
        risk = {k: np.sum((v - theta) ** 2, axis=-1) * np.ones(T)
                for k, v in (("weak", beta_w), ("strong", beta_s), ("ceiling", beta_c), ("w2s", beta_2))}
        risk["misfit"] = np.sum((beta_2 - beta_w) ** 2, axis=1)
        risk["gain"] = risk["weak"] - risk["w2s"]
        risk["teacher_mean"] = beta_w @ Pw_theta
        risk["teacher_proj"] = np.sum((beta_w @ P_s) ** 2, axis=1)
        risk["teacher_energy"] = np.sum(beta_w ** 2, axis=1)
        for k, v in risk.items():
            out[k].append(v)
    return {k: np.concatenate(v) for k, v in out.items()}


@pytest.mark.parametrize("shape", [(50, 18, 12), (50, 6, 12), (50, 10, 10)])
def test_minnorm_equals_pinv(shape):
    rng = np.random.default_rng(shape)
    X, y = rng.standard_normal(shape), rng.standard_normal(shape[:2])
    expected = (np.linalg.pinv(X) @ y[..., None])[..., 0]
    np.testing.assert_allclose(_minnorm(X, y), expected, rtol=1e-9, atol=1e-9)


def _finite_variance(samples, dim):
    return abs(samples - dim) - 1 >= 4


def _theory_checks(values, n_, N_):
    """(label, sample key, registered formula name) for every check with finite variance."""
    d_s_, d_w_ = values["d_s"], values["d_w"]
    t = "ols" if n_ > d_w_ else "interp"
    s = "ols" if N_ > d_s_ else "interp"
    checks = []
    if _finite_variance(n_, d_w_):
        checks.append(("weak", "weak", f"risk.weak.regime.{t}"))
        for key, mom in (("teacher_proj", "proj_energy"), ("teacher_energy", "energy")):
            checks.append((key, key, f"teacher.{t}.{mom}"))
        checks.append(("teacher_mean", "teacher_mean", None))
        if _finite_variance(N_, d_s_):
            for key in ("w2s", "misfit", "gain"):
                name = "risk.w2s" if key == "w2s" else key
                checks.append((key, key, f"{name}.regime.{t}_{s}"))
    if _finite_variance(n_, d_s_):
        checks.append(("strong", "strong", f"risk.strong.regime.{'ols' if n_ > d_s_ else 'interp'}"))
    if _finite_variance(n_ + N_, d_s_):
        checks.append(("ceiling", "ceiling", f"risk.ceiling.regime.{'ols' if n_ + N_ > d_s_ else 'interp'}"))
    return checks, t


def _expected(name, values, t):
    if name is None:  # E[(P_w theta)^T beta_w] = k ||P_w theta||^2
        k = 1.0 if t == "ols" else values["n"] / values["d_w"]
        return k * (values["t2"] - values["rho_w"])
    return float(R.evaluate(name, **values))


def _run_family(configs, trials, seed, noise="gaussian"):
    """Simulate each config and z-test every finite-variance check; Bonferroni over all."""
    rows = []
    for i, (V_s, V_w, theta, values, n_, N_, s2) in enumerate(configs):
        vals = dict(values, n=n_, N=N_, sigma2=s2)
        sim = simulate(V_s, V_w, theta, n_, N_, s2, trials, [seed, i], noise=noise)
        checks, t = _theory_checks(vals, n_, N_)
        for label, key, name in checks:
            x = sim[key]
            mean, se = x.mean(), x.std(ddof=1) / math.sqrt(x.size)
            rows.append((f"n={n_},N={N_}:{label}", mean, se, _expected(name, vals, t), sim, vals, key))
    crit = stats.norm.isf(ALPHA / (2 * len(rows)))
    return rows, crit


def _assert_family(rows, crit):
    bad = [(lab, m, se, e, (m - e) / se) for lab, m, se, e, *_ in rows if abs(m - e) > crit * se]
    table = "\n".join(f"{lab:32s} mc={m:.5g} se={se:.2g} theory={e:.5g} z={(m - e) / se:+.2f}"
                      for lab, m, se, e, *_ in rows)
    assert not bad, f"critical |z| = {crit:.2f}; failures {bad}\n{table}"


# Geometry shared by the regime tests: d_s = 10, d_w = 12, generic bases in R^24, so that every
# regime is reachable with margin >= 4 from its threshold.
_DS, _DW, _D = 10, 12, 24


@pytest.fixture(scope="module")
def geometry():
    return make_geometry(_DS, _DW, _D, seed=2026)


# --- symbolic: agreement with the paper's regime and with theory.md ----------------------------
def test_ols_ols_equals_paper_w2s_risk():
    assert sp.simplify(R.w2s_risk("ols", "ols") - theory.risk("w2s").subs(R.TARGET_SUBS)) == 0


@pytest.mark.parametrize("model", ["weak", "strong", "ceiling"])
def test_single_ols_equals_paper_risk(model):
    assert sp.simplify(R.single_risk(model, "ols") - theory.risk(model)) == 0


def test_target_scalars_express_paper_symbols():
    assert R.TARGET_SUBS[theory.symbols.b_w2s] == t2 - 2 * c_sw + p_sw
    assert R.TARGET_SUBS[theory.symbols.m_sw] == t2 - rho_w - p_sw


def test_theory_md_section6_teacher_moments():
    # As printed in theory.md section 6 (interpolating teacher, d = d_w).
    d = d_w
    beta = n * (d - n) / (d * (d - 1) * (d + 2))
    q = sigma2 + rho_w
    pw = t2 - rho_w
    tm = R.teacher_moments("interp")
    assert sp.simplify(tm.mean_factor - n / d) == 0
    stated = (n / d - d * beta) * p_sw + beta * d_sw * pw + q * d_sw * n / (d * (d - n - 1))
    assert sp.simplify(tm.proj_energy - stated) == 0
    assert sp.simplify(tm.energy - (n / d * pw + q * n / (d - n - 1))) == 0
    tm = R.teacher_moments("ols")
    assert sp.simplify(tm.proj_energy - (p_sw + q * d_sw / (n - d_w - 1))) == 0
    assert sp.simplify(tm.energy - (pw + q * d_w / (n - d_w - 1))) == 0


def test_theory_md_section6_student_and_single_forms():
    for t in R.REGIMES:
        tm = R.teacher_moments(t)
        cross, S, Eperp = tm.mean_factor * c_sw, tm.proj_energy, tm.energy - tm.proj_energy
        ols = t2 - 2 * cross + S + d_s / (N - d_s - 1) * Eperp
        itp = t2 - 2 * (N / d_s) * cross + (N / d_s) * S + N / (d_s - N - 1) * Eperp
        assert sp.simplify(R.w2s_risk(t, "ols") - ols) == 0
        assert sp.simplify(R.w2s_risk(t, "interp") - itp) == 0
    m, rho = n, rho_s
    single = rho + (1 - m / d_s) * (t2 - rho) + (sigma2 + rho) * m / (d_s - m - 1)
    assert sp.simplify(R.single_risk("strong", "interp") - single) == 0


def test_interpolating_teacher_variance_reading_and_virtue():
    """theory.md section 6, pure variance (theta = 0): the discrepancy virtue survives an
    interpolating teacher, and W2S beats its teacher's variance iff N > 2 d_s + 1."""
    zero = {t2: 0, c_sw: 0, p_sw: 0, rho_w: 0}
    var = R.w2s_risk("interp", "ols").subs(zero)
    stated = sigma2 * n / (d_w - n - 1) * (d_sw / d_w + (1 - d_sw / d_w) * d_s / (N - d_s - 1))
    assert sp.simplify(var - stated) == 0
    teacher_var = R.single_risk("weak", "interp").subs(zero)
    ratio = sp.simplify(var / teacher_var)
    assert sp.simplify(ratio - (d_sw / d_w + (1 - d_sw / d_w) * d_s / (N - d_s - 1))) == 0
    # ratio - 1 = (1 - d_sw/d_w) (2 d_s + 1 - N)/(N - d_s - 1): negative iff N > 2 d_s + 1.
    assert sp.simplify(ratio - 1 - (1 - d_sw / d_w) * (2 * d_s + 1 - N) / (N - d_s - 1)) == 0


def test_piecewise_matches_each_regime(geometry):
    *_, values = geometry
    base = dict(values, sigma2=0.3)
    for n_, N_ in ((18, 16), (18, 4), (6, 16), (6, 4)):
        t, s = R.regime(n_, _DW), R.regime(N_, _DS)
        v = dict(base, n=n_, N=N_)
        for name in ("risk.w2s", "misfit"):
            assert R.evaluate(f"{name}.piecewise", **v) == R.evaluate(f"{name}.regime.{t}_{s}", **v)
        for model, m, dim in (("weak", n_, _DW), ("strong", n_, _DS), ("ceiling", n_ + N_, _DS)):
            if abs(m - dim) > 1:
                assert R.evaluate(f"risk.{model}.piecewise", **v) == R.evaluate(
                    f"risk.{model}.regime.{R.regime(m, dim)}", **v)


# --- infinite expectation within one sample of a threshold -------------------------------------
_V = dict(d_s=10, d_w=12, d_sw=4.5, sigma2=0.5, rho_s=0.3, rho_w=0.2, t2=1.0, c_sw=0.3, p_sw=0.25)


@pytest.mark.parametrize("n_", [11, 12, 13])
@pytest.mark.parametrize("name", ["risk.w2s.piecewise", "misfit.piecewise", "risk.weak.piecewise",
                                  "risk.w2s.regime.ols_ols", "risk.w2s.regime.interp_interp",
                                  "gain.regime.ols_ols", "teacher.interp.energy"])
def test_teacher_threshold_rejected(n_, name):
    with pytest.raises(R.InfiniteExpectation, match=r"infinite when \|n - d_w\| <= 1"):
        R.evaluate(name, **_V, n=n_, N=30)


@pytest.mark.parametrize("N_", [9, 10, 11])
@pytest.mark.parametrize("name", ["risk.w2s.piecewise", "misfit.piecewise", "risk.w2s.regime.ols_interp"])
def test_student_threshold_rejected(N_, name):
    with pytest.raises(R.InfiniteExpectation, match=r"infinite when \|N - d_s\| <= 1"):
        R.evaluate(name, **_V, n=30, N=N_)


@pytest.mark.parametrize("n_, N_, model", [(9, 30, "strong"), (11, 30, "strong"), (4, 5, "ceiling"),
                                           (6, 5, "ceiling"), (5, 5, "ceiling")])
def test_single_model_threshold_rejected(n_, N_, model):
    with pytest.raises(R.InfiniteExpectation, match="infinite"):
        R.evaluate(f"risk.{model}.piecewise", **_V, n=n_, N=N_)


@pytest.mark.parametrize("name, k", [("risk.w2s.piecewise", dict(n=12, N=30)),
                                     ("risk.w2s.piecewise", dict(n=30, N=10)),
                                     ("misfit.piecewise", dict(n=30, N=11)),
                                     ("risk.ceiling.piecewise", dict(n=5, N=5))])
def test_theory_evaluate_refuses_bands(name, k):
    """The generic theory.evaluate also refuses the bands (via the registered exclusions)."""
    with pytest.raises(ValueError, match=r"Abs\(.*\) > 1"):
        theory.evaluate(name, **_V, **k)


def test_infinite_expectation_is_a_value_error_and_regime_helper():
    assert issubclass(R.InfiniteExpectation, ValueError)
    assert R.regime(20, 10) == "ols" and R.regime(3, 10) == "interp"
    for m in (9, 10, 11):
        with pytest.raises(R.InfiniteExpectation):
            R.regime(m, 10)


@given(n_=st.integers(1, 40), N_=st.integers(1, 40), d_s_=st.integers(1, 25), d_w_=st.integers(1, 25),
       frac=st.floats(0, 1))
def test_piecewise_total_pure_variance(n_, N_, d_s_, d_w_, frac):
    """Pure noise (theta = 0): every (n, N) is either rejected as infinite (exactly in the bands,
    save for the degenerate d_sw = d_w) or gets a finite, positive risk."""
    v = dict(n=n_, N=N_, d_s=d_s_, d_w=d_w_, d_sw=frac * min(d_s_, d_w_), sigma2=1.0,
             rho_s=0, rho_w=0, t2=0, c_sw=0, p_sw=0)
    teacher_band = abs(n_ - d_w_) <= 1
    student_band = abs(N_ - d_s_) <= 1 and v["d_sw"] != d_w_
    if teacher_band or student_band:
        with pytest.raises(R.InfiniteExpectation):
            R.evaluate("risk.w2s.piecewise", **v)
    else:
        value = R.evaluate("risk.w2s.piecewise", **v)
        assert mpmath_isfinite(value) and value > 0


def mpmath_isfinite(x):
    import mpmath

    return bool(mpmath.isfinite(x))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "n must be a positive integer"),
        (dict(n=20.5), "n must be a positive integer"),
        (dict(sigma2=0), "sigma2 must be > 0"),
        (dict(rho_w=-0.1), "rho_w must be >= 0"),
        (dict(bogus=1), "unknown parameter 'bogus'"),
        (dict(d_sw=11), r"d_sw <= d_s is violated"),
    ],
)
def test_evaluate_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        R.evaluate("risk.w2s.regime.ols_ols", **{**_V, "n": 30, "N": 30, **kwargs})


def test_regime_formula_outside_its_regime_rejected():
    with pytest.raises(ValueError, match=r"n > d_w \+ 1 is violated"):
        R.evaluate("risk.w2s.regime.ols_ols", **_V, n=5, N=30)


def test_bad_regime_names():
    with pytest.raises(ValueError, match="teacher must be one of"):
        R.w2s_risk("ridge", "ols")
    with pytest.raises(ValueError, match="model must be one of"):
        R.single_risk("w2s", "ols")


# --- the finite-N misfit identity (theory.md section 7) ----------------------------------------
@pytest.mark.parametrize("teacher", R.REGIMES)
def test_misfit_identity_symbolic(teacher):
    ratio = R.misfit_identity_ratio()
    assert ratio == (N - 2 * d_s - 1) / (N - 1)
    gap = sp.simplify(R.gain(teacher, "ols") - ratio * R.misfit(teacher, "ols"))
    k = 1 if teacher == "ols" else n / d_w
    # Without realizability the gap is -2 k theta^T (I - P_s) P_w theta; it vanishes for theta in V_s.
    assert sp.simplify(gap + 2 * k * (t2 - rho_w - c_sw)) == 0
    assert sp.simplify(gap - R.gain_misfit_gap(teacher, "ols")) == 0
    realizable = {c_sw: t2 - rho_w}
    assert sp.simplify(gap.subs(realizable)) == 0
    # Closed form of the expected misfit: E_perp (N - 1)/(N - d_s - 1).
    tm = R.teacher_moments(teacher)
    assert sp.simplify(R.misfit(teacher, "ols") - tm.residual * (N - 1) / (N - d_s - 1)) == 0


@pytest.mark.parametrize("teacher", R.REGIMES)
def test_misfit_identity_tends_to_charikar_equality(teacher):
    realizable = {c_sw: t2 - rho_w}
    g = R.gain(teacher, "ols").subs(realizable)
    m = R.misfit(teacher, "ols")
    assert sp.limit(R.misfit_identity_ratio(), N, sp.oo) == 1
    assert sp.limit(sp.cancel(sp.together(g - m)), N, sp.oo) == 0
    # In the limit both equal the population misfit E||(I - P_s) beta_w||^2 (Charikar et al.).
    assert sp.simplify(sp.limit(m, N, sp.oo) - R.teacher_moments(teacher).residual) == 0
    # ... and at every finite N the gain falls short of the misfit by 2 d_s/(N - 1) of it.
    assert sp.simplify(1 - R.misfit_identity_ratio() - 2 * d_s / (N - 1)) == 0
    assert sp.simplify((m - g) - 2 * d_s / (N - 1) * m) == 0


def test_interpolating_student_gain_gap_closed_form():
    for t in R.REGIMES:
        gap = R.gain(t, "interp") - R.misfit(t, "interp")
        assert sp.simplify(gap - R.gain_misfit_gap(t, "interp")) == 0


# --- direct Monte Carlo -------------------------------------------------------------------
def test_regimes_monte_carlo(geometry):
    """All four W2S regimes, both regimes of each single model, the misfit, the gain and the
    teacher moments, against a direct simulation of the canonical model."""
    V_s, V_w, theta, values = geometry
    configs = [(V_s, V_w, theta, values, n_, N_, 0.25)
               for n_, N_ in ((18, 16), (18, 4), (6, 16), (6, 4), (4, 1))]
    rows, crit = _run_family(configs, trials=10_000, seed=81)
    labels = {lab.split(":")[1] for lab, *_ in rows}
    assert {"weak", "strong", "ceiling", "w2s", "misfit", "gain"} <= labels
    _assert_family(rows, crit)


def test_haar_term_has_power():
    """The Haar (beta) term of the interpolating teacher is detected by the Monte Carlo: theta in
    V_w and orthogonal to V_s, little noise, so that E||P_s beta_w||^2 = beta d_sw + noise."""
    rng = np.random.default_rng(5)
    V_s = _orthonormal(rng, _D, _DS)
    V_w = _orthonormal(rng, _D, _DW)
    # a unit vector of V_w orthogonal to V_s (exists: 12 + 14 > 24)
    _, _, Vt = np.linalg.svd(V_s.T @ V_w)
    theta = V_w @ Vt[-1]
    theta -= V_s @ (V_s.T @ theta)
    theta /= np.linalg.norm(theta)
    assert np.linalg.norm(V_w.T @ theta) == pytest.approx(1, abs=1e-9)
    *_, values = make_geometry(_DS, _DW, _D, 0, theta=theta, V_s=V_s, V_w=V_w)
    rows, crit = _run_family([(V_s, V_w, theta, values, 6, 16, 0.02)], trials=10_000, seed=82)
    _assert_family(rows, crit)
    row = next(r for r in rows if r[0].endswith("teacher_proj"))
    _, mean, se, expected, _, vals, _ = row
    without_haar = expected - float(haar.beta(6, _DW)) * vals["d_sw"] * (vals["t2"] - vals["rho_w"])
    assert abs(mean - without_haar) / se > crit


def test_misfit_identity_monte_carlo():
    """E[gain - (N - 2 d_s - 1)/(N - 1) misfit] = -2 k r_sw, from per-trial pairs.

    Realizable (theta in V_s, r_sw = 0): the identity itself; Charikar's population equality
    (ratio 1) must be rejected at these N. Non-realizable: the extra term -2 k r_sw, and the
    realizable identity (gap 0) must be rejected there (power of the check)."""
    rng = np.random.default_rng(9)
    V_s = _orthonormal(rng, _D, _DS)
    V_w = _orthonormal(rng, _D, _DW)
    theta_in_Vs = V_s @ rng.standard_normal(_DS)
    theta_in_Vs /= np.linalg.norm(theta_in_Vs)
    tested, alternatives = [], []
    for label, theta, seed in (("realizable", theta_in_Vs, 91), ("non-realizable", None, 92)):
        _, _, theta, values = make_geometry(_DS, _DW, _D, 3, theta=theta, V_s=V_s, V_w=V_w)
        for n_, N_ in ((18, 16), (18, 40), (6, 16)):
            sim = simulate(V_s, V_w, theta, n_, N_, 0.25, 6_000, [seed, n_, N_], singles=False)
            ratio = (N_ - 2 * _DS - 1) / (N_ - 1)
            v = dict(values, n=n_, N=N_, sigma2=0.25)
            expected = float(R.evaluate(R.gain_misfit_gap(R.regime(n_, _DW), "ols"), **v))
            x = sim["gain"] - ratio * sim["misfit"]
            row = (f"{label} n={n_} N={N_}", x.mean(), x.std(ddof=1) / math.sqrt(x.size))
            tested.append(row + (expected,))
            if label == "realizable":
                assert expected == pytest.approx(0, abs=1e-12)
                y = sim["gain"] - sim["misfit"]
                alternatives.append((row[0] + " ratio 1", y.mean(), y.std(ddof=1) / math.sqrt(y.size), 0.0))
            else:
                alternatives.append((row[0] + " gap 0", *row[1:], 0.0))
    crit = stats.norm.isf(ALPHA / (2 * len(tested)))
    for lab, mean, se, expected in tested:
        assert abs(mean - expected) < crit * se, (lab, mean, se, expected)
    for lab, mean, se, wrong in alternatives:
        assert abs(mean - wrong) > crit * se, (lab, mean, se)


def test_degenerate_student_band_is_finite():
    """V_w inside V_s (d_sw = d_w): at N = d_s the pseudo-labels are exactly representable and
    the W2S risk is finite; the piecewise form gives its value and the simulation agrees."""
    rng = np.random.default_rng(13)
    d_s_, d_w_, D = 10, 5, 14
    V_s = _orthonormal(rng, D, d_s_)
    V_w = V_s @ _orthonormal(rng, d_s_, d_w_)
    theta = rng.standard_normal(D)
    theta /= np.linalg.norm(theta)
    *_, values = make_geometry(d_s_, d_w_, D, 0, theta=theta, V_s=V_s, V_w=V_w)
    values["d_sw"] = round(values["d_sw"], 9)
    assert values["d_sw"] == d_w_
    rows = []
    for n_, N_ in ((12, 9), (12, 10), (12, 11)):
        v = dict(values, n=n_, N=N_, sigma2=0.25)
        expected = float(R.evaluate("risk.w2s.piecewise", **v))
        sim = simulate(V_s, V_w, theta, n_, N_, 0.25, 6_000, [14, N_], singles=False)
        x = sim["w2s"]
        rows.append((N_, x.mean(), x.std(ddof=1) / math.sqrt(x.size), expected))
    crit = stats.norm.isf(ALPHA / (2 * len(rows)))
    for N_, mean, se, expected in rows:
        assert abs(mean - expected) < crit * se, (N_, mean, se, expected)


@pytest.mark.slow
def test_regimes_monte_carlo_heavy_rademacher_noise():
    """Larger dimensions, more trials and non-Gaussian (Rademacher) label noise: the
    expectations depend on the noise only through its variance."""
    V_s, V_w, theta, values = make_geometry(20, 24, 50, seed=77)
    configs = [(V_s, V_w, theta, values, n_, N_, 0.5)
               for n_, N_ in ((34, 30), (34, 8), (12, 30), (12, 8), (8, 2))]
    rows, crit = _run_family(configs, trials=40_000, seed=83, noise="rademacher")
    _assert_family(rows, crit)


def test_beyond_the_paper_tables_match_the_note():
    """notes/beyond-the-paper.md quotes the tables of examples/beyond_the_paper_tables.py; they
    must not drift from what the committed script computes."""
    import pathlib
    import runpy

    root = pathlib.Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(root / "examples" / "beyond_the_paper_tables.py"))
    note = (root / "notes" / "beyond-the-paper.md").read_text()
    blocks = [b.strip() for b in script["render"]().split("\n\n") if b.strip()]
    assert len(blocks) == 9
    for block in blocks:
        assert block in note, block[:80]
