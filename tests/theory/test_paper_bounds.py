"""The paper's PGR/OPR lower bounds against the exact ratios of expected risks, without bias.

Findings (documented in notes/paper-forms.md): at rho = 0 the OPR bound *is* the paper's OPR
form, and it holds for the exact OPR iff d_sw N (N - d_s - 1) >= d_s (d_w - d_sw)(n - N), so it
fails at the paper's own N = 400 < n = 2000. The PGR bound holds on the paper's N-sweep but
fails for N close to d_s.
"""
import numpy as np
import pytest
import sympy as sp

import theory
from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w

RHO0 = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0}
PAPER = dict(n=2000, d_s=100, d_w=200, sigma2=0.1, rho_s=0, rho_w=0, b_w2s=0, m_sw=0)
N_SWEEP = np.linspace(400, 4000, 20).round().astype(int)


def test_opr_bound_is_the_paper_opr_form_without_bias():
    assert sp.simplify(theory.opr("paper").subs(RHO0) - theory.opr_lower_bound().subs(RHO0)) == 0


def test_opr_bound_holds_exactly_when_the_criterion_does():
    gap = theory.opr("exact").subs(RHO0) - theory.opr_lower_bound().subs(RHO0)
    criterion = d_sw * N * (N - d_s - 1) - d_s * (d_w - d_sw) * (n - N)
    # the remaining factors are positive under n > d_w + 1, n > d_s + 1, N > d_s + 1
    positive = (d_s * (d_s + 1) * (n - d_w - 1)
                / (n * (n - d_s - 1) * (N * d_sw + d_s * (d_w - d_sw))
                   * (d_sw * (N - d_s - 1) + d_s * (d_w - d_sw))))
    assert sp.simplify(gap - positive * criterion) == 0


@pytest.mark.parametrize("overlap", [10, 50, 90])
def test_opr_bound_fails_at_the_papers_smallest_N(overlap):
    point = {**PAPER, "N": 400, "d_sw": overlap}
    assert theory.evaluate_exact("opr.exact", **point) < theory.evaluate_exact("opr.lower_bound", **point)
    point["N"] = 2000  # N >= n: the criterion holds
    assert theory.evaluate_exact("opr.exact", **point) >= theory.evaluate_exact("opr.lower_bound", **point)


def test_pgr_bound_on_the_papers_sweep_and_its_failure_near_N_equal_d_s():
    exact, bound = theory.lambdify_numpy("pgr.exact"), theory.lambdify_numpy("pgr.lower_bound")
    overlaps = np.array([[10], [50], [90]])
    grid = {**PAPER, "N": N_SWEEP, "d_sw": overlaps}
    margin = exact(**grid) - bound(**grid)
    assert margin.shape == (3, 20) and (margin > 0.01).all()
    point = {**PAPER, "N": 152, "d_sw": 50}
    assert theory.evaluate_exact("pgr.exact", **point) < theory.evaluate_exact("pgr.lower_bound", **point)
