"""verify.features.analysis: fit on single-model curves, predict W2S, judge."""
import numpy as np
import pytest

from verify.features import analysis as A

DIMS = (200, 60, 20.0)   # n < 2 d_w + 1 on the N sweep: there PGR rises with N
TRUE = {"sigma2": 2.0, "rho_w": 0.02, "rho_s": 0.01}


def _paper_sweeps(dims=DIMS, rel_se=0.01, seed=0):
    """Sweeps whose means are the paper forms exactly (plus Gaussian noise of the stated SE)."""
    rng = np.random.default_rng(seed)
    fit = {"params": TRUE, "cov": np.zeros((3, 3))}
    out = {}
    for x, n, N in (("N", np.full(10, 300.0), np.linspace(200, 3000, 10)),
                    ("n", np.linspace(250, 900, 10), np.full(10, 2000.0))):
        pred = A.predict_paper(fit, dims, n, N)
        mean, se = {}, {}
        for k in ("weak", "strong", "ceiling", "w2s", "pgr", "opr"):
            se[k] = rel_se * np.abs(pred[k])
            mean[k] = pred[k] + se[k] * rng.standard_normal(n.size)
        out[x] = {"x": x, "n": n, "N": N, "trials": 10, "mean": mean, "se": se}
    return out


def test_fit_recovers_parameters_and_predicts_w2s():
    sweeps = _paper_sweeps()
    a = A.analyse(sweeps, DIMS)
    for k, v in TRUE.items():
        assert a["paper_fit"]["params"][k] == pytest.approx(v, abs=4 * a["paper_fit_se"][k])
    assert a["paper_fit"]["p_value"] > 1e-3
    for x in ("N", "n"):
        assert a["sweeps"][x]["compare"]["w2s"]["p_value"] > 1e-3


def test_wrong_correlation_dimension_is_rejected():
    """Measured with d_sw = 20, judged with d_sw = 30: the W2S prediction must fail."""
    a = A.analyse(_paper_sweeps(), (200, 60, 30.0))
    assert min(a["sweeps"][x]["compare"]["w2s"]["p_value"] for x in ("N", "n")) < 1e-6


def test_qualitative_on_theory_curves():
    a = A.analyse(_paper_sweeps(rel_se=0.002), DIMS)
    q = a["sweeps"]["N"]["qualitative"]
    assert q["pgr_rises"]["holds"] and q["pgr_rises"]["predicted_rises"]
    assert q["beats_teacher"]["beyond_threshold"]
    assert q["opr_gt1"]["disagreements"] == 0


def test_effective_dimension_recovers_the_exact_law():
    m = np.linspace(300, 3000, 20)
    mean = 5.0 * (m - 1) / (m - 120 - 1)
    ed = A.effective_dim(m, mean, 0.001 * mean)
    assert ed["d"] == 120 and ed["A"] == pytest.approx(5.0)


def test_exact_band_contains_the_paper_substitution():
    ex = {"A_w": TRUE["sigma2"] + TRUE["rho_w"], "A_s": TRUE["sigma2"] + TRUE["rho_s"]}
    lo, hi = A.exact_w2s_band(ex, DIMS, np.array([300.0]), np.array([1000.0]))
    d_w, d_s, d_sw = DIMS
    mid = TRUE["sigma2"] + TRUE["rho_w"] + TRUE["rho_s"] + ex["A_w"] / (300 - d_w - 1) * (
        d_sw + d_s * (d_w - d_sw) / (1000 - d_s - 1))
    assert lo[0] <= mid <= hi[0]
