"""The exact expectations written out by hand (theory.md section 2): every claim here is TRUE
and must pass. The wrong versions are in wrong_formulas.py next to this file."""
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2
from verify import Claim

q_w = sigma2 + rho_w
q_s = sigma2 + rho_s

CLAIMS = [
    Claim("right.weak", "weak", rho_w + q_w * d_w / (n - d_w - 1)),
    Claim("right.strong", "strong", rho_s + q_s * d_s / (n - d_s - 1)),
    Claim("right.ceiling", "ceiling", rho_s + q_s * d_s / (n + N - d_s - 1)),
    Claim("right.w2s", "w2s",
          b_w2s + d_s * m_sw / (N - d_s - 1) + q_w * d_sw / (n - d_w - 1)
          + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1))),
]
