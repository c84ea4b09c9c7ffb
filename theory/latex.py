r"""LaTeX rendering of named formulas with the paper's notation (:math:`\sigma^2`, :math:`d_{sw}`)."""
from __future__ import annotations

import sympy as sp

from theory.conditions import conditions, resolve
from theory.symbols import b_w2s, c_sw, d_s, d_sw, d_w, m_sw, p_sw, rho_s, rho_w, sigma2, t2

__all__ = ["latex", "SYMBOL_LATEX"]

SYMBOL_LATEX = {
    sigma2: r"\sigma^{2}",
    rho_s: r"\rho_{s}",
    rho_w: r"\rho_{w}",
    d_s: r"d_{s}",
    d_w: r"d_{w}",
    d_sw: r"d_{sw}",
    b_w2s: r"b_{\mathrm{w2s}}",
    m_sw: r"m_{sw}",
    t2: r"\|\theta\|^{2}",
    c_sw: r"c_{sw}",
    p_sw: r"p_{sw}",
}
r"""LaTeX of each symbol whose default SymPy rendering would mislead (``sigma2`` as :math:`\sigma_2`)."""


def latex(name_or_expr, with_conditions: bool = False) -> str:
    r"""LaTeX for a registered formula (by name) or any expression.

    Parameters
    ----------
    name_or_expr : str or sympy.Expr
        A registered name such as ``"risk.w2s.exact"``, or an expression.
    with_conditions : bool, default False
        Append the validity conditions as ``\quad (n > d_w + 1, \dots)``.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If a string is not a registered name.
    """
    expr, _ = resolve(name_or_expr)
    body = sp.latex(expr, symbol_names=SYMBOL_LATEX)
    if with_conditions:
        conds = ", ".join(sp.latex(c, symbol_names=SYMBOL_LATEX) for c in conditions(expr))
        if conds:
            body = rf"{body} \quad ({conds})"
    return body
