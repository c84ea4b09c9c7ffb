"""Ten claims as a user might check them (issue 16: a claims file of 10 claims checks in under
30 s with ``--quick``): five right exact expectations, five wrong ones (one edit each).

    python -m verify --claims-file examples/claims/ten_claims.py --quick

Expected: the ``right.*`` claims pass, the ``wrong.*`` ones fail (exit code 1).
"""
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2
from verify import Claim

q_w = sigma2 + rho_w
q_s = sigma2 + rho_s
w2s = (b_w2s + d_s * m_sw / (N - d_s - 1) + q_w * d_sw / (n - d_w - 1)
       + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1)))

CLAIMS = [
    Claim("right.weak", "weak", rho_w + q_w * d_w / (n - d_w - 1)),
    Claim("right.strong", "strong", rho_s + q_s * d_s / (n - d_s - 1)),
    Claim("right.ceiling", "ceiling", rho_s + q_s * d_s / (n + N - d_s - 1)),
    Claim("right.w2s", "w2s", w2s),
    Claim("right.w2s.noise_only", "w2s", w2s.subs({rho_w: 0, rho_s: 0, b_w2s: 0, m_sw: 0}),
          regime=dict(theta_s=(0.0, 0.0), theta_w=(0.0, 0.0), theta_o=(0.0, 0.0)),
          description="zero target: only the noise terms"),
    Claim("wrong.weak.n_minus_dw", "weak", rho_w + q_w * d_w / (n - d_w),
          description="off by one: n - d_w for n - d_w - 1"),
    Claim("wrong.strong.n_minus_ds_plus_1", "strong", rho_s + q_s * d_s / (n - d_s + 1),
          description="off by one: n - d_s + 1 for n - d_s - 1"),
    Claim("wrong.ceiling.off_by_one", "ceiling", rho_s + q_s * d_s / (n + N - d_s),
          description="off by one: n + N - d_s for n + N - d_s - 1"),
    Claim("wrong.w2s.reduced_swapped", "w2s",
          w2s - q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1))
          + q_w * d_w * (d_s - d_sw) / ((n - d_w - 1) * (N - d_s - 1)),
          description="d_s and d_w swapped in the reduced term"),
    Claim("wrong.w2s.no_misfit_term", "w2s", w2s - d_s * m_sw / (N - d_s - 1),
          description="term missing: the misfit term d_s m_sw / (N - d_s - 1)"),
]
