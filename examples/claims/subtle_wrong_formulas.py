"""Subtle mistakes in user formulas (issue 16): every claim here is FALSE and fails under the
oracle; by simulation alone (--simulation-only) a --quick run catches them only sometimes,
because in the default regime these edits change the value by at most 4-6 % (the reduced term's
off-by-one: its share / 9; the inherited term's threshold: where d_s and d_w differ and the
inherited term dominates), about the MDE a quick run's power-seeking configurations reach.
(The ceiling's off-by-one, once here, is in wrong_formulas.py: the simulation now catches it.)
Measured in notes/verification-power.md.
"""
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2
from verify import Claim

q_w = sigma2 + rho_w
q_s = sigma2 + rho_s

CLAIMS = [
    Claim("wrong.w2s.inherited_ds", "w2s",
          b_w2s + d_s * m_sw / (N - d_s - 1) + q_w * d_sw / (n - d_s - 1)
          + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1)),
          description="wrong threshold in the inherited term: n - d_s - 1 for n - d_w - 1"),
    Claim("wrong.w2s.reduced_off_by_one", "w2s",
          b_w2s + d_s * m_sw / (N - d_s - 1) + q_w * d_sw / (n - d_w - 1)
          + q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s)),
          description="off by one in the reduced term only: N - d_s for N - d_s - 1"),
]
