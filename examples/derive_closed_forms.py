"""Derive and print the closed forms of W2S ridgeless regression with `theory`.

Run: python examples/derive_closed_forms.py
"""
import mpmath
import numpy as np
import sympy as sp

import theory
from theory.symbols import N, b_w2s, m_sw, rho_s, rho_w

# 1. The exact expected risk of the W2S student and its validity conditions.
print("E ER_w2s =", theory.risk("w2s"))
print("valid when", theory.conditions("risk.w2s.exact"))

# 2. Its decomposition: inherited variance (V_s ∩ V_w), reduced variance (discrepancy), bias.
for part, expr in theory.w2s_decomposition().items():
    print(f"  {part:9s} = {expr}")

# 3. PGR as N -> oo with no approximation error (theta in V_s ∩ V_w).
no_bias = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0}
print("PGR(N -> oo) =", sp.expand(sp.limit(theory.pgr().subs(no_bias), N, sp.oo)))
print("LaTeX of E ER_w2s:", theory.latex("risk.w2s.exact"))

# 4. An exact evaluation at the paper's parameters, rounded to 30 digits.
point = dict(n=2000, N=4000, d_s=100, d_w=200, d_sw=50, sigma2=0.1,
             rho_s=0, rho_w=0, b_w2s=0, m_sw=0)
value = theory.evaluate("pgr.exact", prec=30, **point)
print("PGR at the paper's n=2000, N=4000, d_sw=50:", mpmath.nstr(value, 30))
print("   as a fraction:", theory.evaluate_exact("pgr.exact", **point))

# 5. A vectorised sweep over N and d_sw (conditions are checked elementwise).
pgr = theory.lambdify_numpy("pgr.exact")
Ns = np.array([400, 1000, 4000, 40000])
for overlap in (10, 50, 90):
    values = pgr(**{**point, "N": Ns, "d_sw": overlap})
    print(f"  d_sw={overlap:2d}: PGR(N={Ns.tolist()}) =", np.round(values, 4).tolist())
