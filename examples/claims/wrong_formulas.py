"""Typical mistakes in user formulas for the W2S expectations (issue 16): every claim here is
FALSE, and `python -m verify --claims-file examples/claims/wrong_formulas.py` must fail each one
(by the oracle; with --quick --simulation-only, by simulation at the power-seeking
configurations). Subtler ones, which only the oracle or a default-sized run is sure to catch,
are in subtle_wrong_formulas.py.

Each claim is one edit away from the exact expectation (theory.md section 2); the comment names
the edit. The right formulas are in right_formulas.py next to this file.
"""
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2
from verify import Claim

q_w = sigma2 + rho_w
q_s = sigma2 + rho_s

CLAIMS = [
    # the four of the issue
    Claim("wrong.weak.n_minus_dw", "weak", rho_w + q_w * d_w / (n - d_w),
          description="off by one: n - d_w for n - d_w - 1"),
    Claim("wrong.strong.n_minus_ds", "strong", rho_s + q_s * d_s / (n - d_s),
          description="off by one: n - d_s for n - d_s - 1"),
    Claim("wrong.w2s.ds_over_N", "w2s",
          b_w2s + d_s * m_sw / N + q_w * d_sw / (n - d_w - 1) + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * N),
          description="d_s / N for d_s / (N - d_s - 1) in the reduced and misfit terms"),
    Claim("wrong.w2s.reduced_swapped", "w2s",
          b_w2s + d_s * m_sw / (N - d_s - 1) + q_w * d_sw / (n - d_w - 1)
          + q_w * d_w * (d_s - d_sw) / ((n - d_w - 1) * (N - d_s - 1)),
          description="d_s and d_w swapped in the reduced term: d_w (d_s - d_sw) for d_s (d_w - d_sw)"),
    # a few more
    Claim("wrong.weak.noise_only", "weak", rho_w + sigma2 * d_w / (n - d_w - 1),
          description="the target's part outside V_w forgotten as label noise: sigma2 for sigma2 + rho_w"),
    Claim("wrong.w2s.no_misfit_term", "w2s",
          b_w2s + q_w * d_sw / (n - d_w - 1) + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1)),
          description="term missing: the misfit term d_s m_sw / (N - d_s - 1)"),
    Claim("wrong.strong.rho_w", "strong", rho_s + (sigma2 + rho_w) * d_s / (n - d_s - 1),
          description="rho_w for rho_s in the strong model's effective noise"),
    # off by one the other way: N - d_s + 1 reads as the interpolating denominator
    # -(d_s - N - 1), whose condition d_s > N + 1 excludes every OLS configuration; the claim's
    # domain is its quantity's (N > d_s + 1), so it must fail, not end inconclusive
    Claim("wrong.w2s.N_minus_ds_plus_1", "w2s",
          b_w2s + d_s * m_sw / (N - d_s + 1) + q_w * d_sw / (n - d_w - 1)
          + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s + 1)),
          description="off by one: N - d_s + 1 for N - d_s - 1 in the misfit and reduced terms"),
    Claim("wrong.strong.n_minus_ds_plus_1", "strong", rho_s + q_s * d_s / (n - d_s + 1),
          description="off by one: n - d_s + 1 for n - d_s - 1"),
    # the smallest change here: at most 1/(n + N - d_s) of the value, 4-6 % in the default regime
    Claim("wrong.ceiling.off_by_one", "ceiling", rho_s + q_s * d_s / (n + N - d_s),
          description="off by one: n + N - d_s for n + N - d_s - 1"),
]
