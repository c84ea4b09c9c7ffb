"""Paper forms versus exact finite-sample forms at the paper's parameters (notes/paper-forms.md).

Run: python examples/paper_forms_table.py
Prints Markdown: closed-form relative errors, then tables at d_w=200, d_s=100, n=2000,
N in {400, 4000}, d_sw in {10, 50, 90}. All values are computed exactly and rounded for display.
"""
import sympy as sp

import theory
from theory.symbols import b_w2s, m_sw, rho_s, rho_w

NO_BIAS = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0}
BASE = dict(n=2000, d_s=100, d_w=200, sigma2=0.1)
GRID = [(N_, overlap) for N_ in (400, 4000) for overlap in (10, 50, 90)]


def rel(paper, exact) -> str:
    return f"{float((paper - exact) / exact):+.2%}"


def closed_forms() -> None:
    print("Relative error (paper - exact)/exact without bias (rho = 0), in closed form:\n")
    for model in theory.MODELS:
        exact = theory.risk(model, "exact").subs(NO_BIAS)
        paper = theory.risk(model, "paper").subs(NO_BIAS)
        print(f"- {model}: `{sp.factor(sp.simplify(paper / exact - 1))}`")
    print()


def table(title: str, extra: dict) -> None:
    print(f"{title}\n")
    print("| N | d_sw | ER_w rel | ER_s rel | ER_c rel | ER_w2s exact | ER_w2s paper | rel "
          "| PGR exact | PGR paper | PGR bound | OPR exact | OPR paper | OPR bound |")
    print("|" + "---|" * 14)
    for N_, overlap in GRID:
        pt = {**BASE, **extra, "N": N_, "d_sw": overlap}
        ex = {m: theory.evaluate_exact(f"risk.{m}.exact", **pt) for m in theory.MODELS}
        pa = {m: theory.evaluate_exact(f"risk.{m}.paper", **pt) for m in theory.MODELS}
        ratios = [theory.evaluate_exact(name, **pt) for name in (
            "pgr.exact", "pgr.paper", "pgr.lower_bound", "opr.exact", "opr.paper", "opr.lower_bound")]
        cells = [rel(pa[m], ex[m]) for m in ("weak", "strong", "ceiling")]
        cells += [f"{float(ex['w2s']):.4g}", f"{float(pa['w2s']):.4g}", rel(pa["w2s"], ex["w2s"])]
        cells += [f"{float(r):.4f}" for r in ratios]
        print(f"| {N_} | {overlap} | " + " | ".join(cells) + " |")
    print()


if __name__ == "__main__":
    closed_forms()
    table("Table 1: no approximation error (theta in V_s ∩ V_w), sigma2 = 0.1 "
          "(relative errors do not depend on sigma2 here).", {
              "rho_s": 0, "rho_w": 0, "b_w2s": 0, "m_sw": 0})
    table("Table 2: theta orthogonal to V_s and V_w with ||theta||^2 = 0.01, sigma2 = 0.1 "
          "(rho_s = rho_w = b_w2s = 0.01, m_sw = 0): the paper counts the bias twice.", {
              "rho_s": 0.01, "rho_w": 0.01, "b_w2s": 0.01, "m_sw": 0})
