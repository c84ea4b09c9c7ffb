"""The samples engine on an array-API device, tested with PyTorch's CPU build (skipped without).

A device run draws the same random numbers as the NumPy run (on the host, from the trials'
generators, in the same order) and accumulates the Grams on the device, so the two must agree
to floating-point rounding. The tolerance is for rounding in well-conditioned solves (every fit
here is at least 4 samples from its threshold), not for Monte Carlo error: two different
samples of these scenarios differ by tens of percent.
"""
import numpy as np
import pytest

import numeric.engines.samples as samples
from numeric import Scenario, TRIAL_BLOCK, simulate
from numeric.design import build_design
from numeric.executors import SerialExecutor
from numeric.result import PER_TRIAL_KEYS

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")

RTOL = 1e-11


def _bases_scenario(features, noise="gaussian", n=50, N=30):
    rng = np.random.default_rng(5)
    return Scenario.from_bases(rng.standard_normal((12, 4)), rng.standard_normal((12, 6)),
                               rng.standard_normal(12) / 3, n=n, N=N, sigma2=0.5,
                               features=features, noise=noise)


CASES = {
    # Gaussian, reduced design, every fit tall; fractional overlap (projector with
    # coefficients) and a target component outside both subspaces (fold > 0).
    "tall-gaussian-fold": lambda: Scenario(5, 8, 60, 40, 0.5, d_sw=2.5,
                                           theta=np.linspace(0.1, 0.3, 14)),
    # Gaussian: interpolating teacher (n < d_w), student (N < d_s) and ceiling (n + N < d_s).
    "wide-gaussian": lambda: Scenario(16, 12, 4, 5, 0.3, d_sw=3),
    # Student-t features and Rademacher noise, canonical bases: full design, sparse projectors.
    "tall-student-t": lambda: Scenario(5, 8, 60, 40, 0.5, d_sw=3, features="student-t:6",
                                       noise="rademacher"),
    # Student-t features, dense projectors (arbitrary bases), interpolating teacher and student.
    "wide-student-t-dense": lambda: _bases_scenario("student-t:6", n=2, N=1),
    # Rademacher features, dense projectors, tall.
    "tall-rademacher-dense": lambda: _bases_scenario("rademacher", n=60, N=40),
}


def _assert_close(dev, ref, rtol=RTOL):
    for k in PER_TRIAL_KEYS:
        np.testing.assert_allclose(dev.per_trial[k], ref.per_trial[k], rtol=rtol, atol=0,
                                   err_msg=k)


@pytest.mark.parametrize("name", list(CASES))
def test_torch_cpu_matches_numpy_to_rounding(name):
    sc = CASES[name]()
    ref = simulate(sc, TRIAL_BLOCK + 3, seed=31, engine="samples")
    dev = simulate(sc, TRIAL_BLOCK + 3, seed=31, engine="samples", device="torch:cpu")
    _assert_close(dev, ref)
    assert dev.engine == "samples"


def test_cases_cover_the_regimes_and_projectors():
    """The cases above really are what their names say (guards the parametrisation)."""
    kinds = {name: build_design(make()) for name, make in CASES.items()}
    assert kinds["tall-gaussian-fold"].fold > 0 and kinds["tall-gaussian-fold"].C_w is not None
    assert kinds["tall-gaussian-fold"].proj_w.kind == "runs"
    assert kinds["tall-student-t"].C_w is None
    assert kinds["wide-student-t-dense"].proj_s.kind == "dense"
    assert kinds["wide-student-t-dense"].proj_w.kind == "dense"
    wide = CASES["wide-gaussian"]()
    assert wide.n < wide.d_w and wide.N < wide.d_s and wide.n + wide.N < wide.d_s
    t = CASES["wide-student-t-dense"]()
    assert t.n < min(t.d_s, t.d_w) and t.N < t.d_s


@pytest.mark.parametrize("name", ["tall-student-t", "wide-gaussian", "tall-gaussian-fold"])
def test_rows_streamed_over_several_chunks(name, monkeypatch):
    """Chunks of 5 rows: the labelled and unlabelled sides each take several chunks, and the
    rows kept for the wide fits cross a chunk boundary (d_w = 12 > 10 rows)."""
    sc = CASES[name]()
    sc = sc.replace(n=sc.n + 7, N=sc.N + 6) if name == "wide-gaussian" else sc
    monkeypatch.setattr(samples, "chunk_rows", lambda m: 5)
    seen = []
    real = samples.stream

    def counting(design, gens, total, consumer):
        seen.append(total)
        return real(design, gens, total, consumer)
    monkeypatch.setattr(samples, "stream", counting)
    ref = simulate(sc, 6, seed=8, engine="samples")
    dev = simulate(sc, 6, seed=8, engine="samples", device="torch:cpu")
    _assert_close(dev, ref)
    assert seen and all(t > 5 for t in seen)              # more than one chunk per side


def test_device_path_is_really_taken(monkeypatch):
    import numeric.engines.samples_xp as sx
    calls = []
    real = sx.run_samples_device
    monkeypatch.setattr(sx, "run_samples_device",
                        lambda *a, **k: calls.append(a[-1].name) or real(*a, **k))
    simulate(CASES["tall-student-t"](), 3, seed=1, engine="samples", device="torch:cpu")
    assert calls == ["torch"]
    simulate(CASES["tall-student-t"](), 3, seed=1, engine="samples")
    assert calls == ["torch"]                              # the CPU run does not go there


def test_device_through_tasks_and_store(tmp_path):
    sc = CASES["tall-student-t"]()
    direct = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="samples", device="torch:cpu")
    tasks = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="samples", device="torch:cpu",
                     executor=SerialExecutor(), store=tmp_path)
    for k in PER_TRIAL_KEYS:
        np.testing.assert_array_equal(direct.per_trial[k], tasks.per_trial[k])
    again = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="samples", device="torch:cpu",
                     store=tmp_path)
    assert again.execution.tasks_from_store == again.execution.tasks == 2
    cpu = simulate(sc, 2 * TRIAL_BLOCK, seed=6, engine="samples", store=tmp_path)
    assert cpu.execution.tasks_from_store == 0        # device and CPU tasks are kept apart
    _assert_close(tasks, cpu)
