"""numeric.spectral (the finite-size truth of the ridge asymptotic claims) against the wishart
engine's full simulation: same expected risks (z tests, Holm at family-wise 1e-3)."""
import math

import numpy as np

import numeric
from numeric import Scenario, spectral

from ._stats import holm, z_pvalue


def test_spectral_expectations_match_engine():
    pvals = {}
    for i, (k, lw, ls) in enumerate(((1, 0.3, 0.2), (2, 0.05, 1.0))):
        sc = Scenario.from_block_energies(3 * k, 2 * k, 4 * k, 6 * k, 0.5, d_sw=k, both=1.0,
                                          weak_only=0.3, strong_only=0.2, neither=0.1)
        sc = sc.replace(lambda_w=lw, lambda_s=ls)
        g = sc.geometry()
        rng = np.random.default_rng(i)
        draws = 40000
        spec = {
            "weak": spectral.single_risk_draws(rng, sc.n, sc.d_w, lw, 0.5, g["rho_w"], g["t2"], draws),
            "strong": spectral.single_risk_draws(rng, sc.n, sc.d_s, ls, 0.5, g["rho_s"], g["t2"], draws),
            "ceiling": spectral.single_risk_draws(rng, sc.n + sc.N, sc.d_s, ls, 0.5, g["rho_s"], g["t2"], draws),
            "w2s": spectral.w2s_risk_draws(
                rng, **{x: g[x] for x in ("n", "N", "d_s", "d_w", "d_sw", "sigma2", "rho_w", "t2",
                                          "c_sw", "p_sw")}, lambda_w=lw, lambda_s=ls, draws=draws),
        }
        res = numeric.simulate(sc, 24000, seed=50 + i, engine="wishart")
        for q, x in spec.items():
            pvals[f"{k}:{q}"] = z_pvalue(res.mean[q], res.stderr[q], x.mean(), x.std(ddof=1) / math.sqrt(draws))
    assert holm(pvals) == []
