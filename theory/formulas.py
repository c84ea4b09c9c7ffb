r"""Named risk expressions of W2S ridgeless regression, each with its validity conditions.

Every expression built here is registered as a :class:`Formula` (name, SymPy expression,
conditions, description) so that :func:`theory.conditions` can recover the conditions from
either the name or the expression itself.

Forms
-----
``"exact"``
    Finite-sample expectations for Gaussian features (theory.md section 2), bias included.
``"paper"``
    The forms the paper's authors plot (theory.md section 3).
``"asymptotic"``
    Leading order in :math:`1/n` and :math:`1/N` of the exact forms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from theory.symbols import N, b_w2s, d_s, d_sw, d_w, m_sw, n, rho_s, rho_w, sigma2

#: The quantity names, defined here once for theory and verify (numeric keeps its own
#: per-trial keys, ``numeric.result.PER_TRIAL_KEYS``, as it cannot import theory).
SINGLE_MODELS = ("weak", "strong", "ceiling")
"""The fits to labels (the W2S student fits the teacher's pseudo-labels)."""
MODELS = SINGLE_MODELS + ("w2s",)
"""The four fits, by the names of their excess risks."""
RATIOS = ("pgr", "opr")
"""Ratios of expected risks: performance gap recovered, outperforming ratio."""
QUANTITIES = MODELS + RATIOS
"""Every quantity with a registered formula."""
MEANS = MODELS + ("misfit",)
"""The per-trial quantities a simulation returns, each estimated by its mean."""
FORMS = ("exact", "paper", "asymptotic")


@dataclass(frozen=True)
class Formula:
    """A named expression together with the conditions under which it is valid."""

    name: str
    expr: sp.Expr
    conditions: tuple = field(default_factory=tuple)
    description: str = ""


_REGISTRY: dict[str, Formula] = {}
_BY_EXPR: dict[sp.Expr, Formula] = {}

# Geometry is always constrained: d_sw = sum of squared cosines <= min(d_s, d_w).
GEOMETRY_CONDITIONS = (sp.Le(d_sw, d_s), sp.Le(d_sw, d_w))


def register(name: str, expr, conditions=(), description: str = "") -> sp.Expr:
    """Register ``expr`` under ``name`` with its validity ``conditions`` and return it."""
    expr = sp.sympify(expr)
    formula = Formula(name, expr, tuple(conditions), description)
    _REGISTRY[name] = formula
    # The first registration of an expression wins: it carries the most specific name.
    _BY_EXPR.setdefault(expr, formula)
    return expr


def formula(name_or_expr) -> Formula | None:
    """Return the registered :class:`Formula` for a name or an expression, or ``None``."""
    if isinstance(name_or_expr, str):
        return _REGISTRY.get(name_or_expr)
    return _BY_EXPR.get(sp.sympify(name_or_expr))


def registered_names() -> tuple[str, ...]:
    """Names of every registered formula, in registration order."""
    return tuple(_REGISTRY)


def _check(model: str, form: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")


# Effective label-noise variance seen by the weak teacher: the part of the target outside V_w is
# independent of phi_w for Gaussian features and so acts as noise.
q_w = sigma2 + rho_w
q_s = sigma2 + rho_s

COND_WEAK = (sp.Gt(n, d_w + 1),)
COND_STRONG = (sp.Gt(n, d_s + 1),)
COND_CEILING = (sp.Gt(n + N, d_s + 1),)
COND_STUDENT = (sp.Gt(N, d_s + 1),)
COND_W2S = COND_WEAK + COND_STUDENT + GEOMETRY_CONDITIONS

# --- exact (theory.md section 2) -------------------------------------------------------------
_w2s_inherited = q_w * d_sw / (n - d_w - 1)
_w2s_reduced = q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1))
_w2s_bias = b_w2s + d_s * m_sw / (N - d_s - 1)

_EXACT = {
    "weak": (rho_w + q_w * d_w / (n - d_w - 1), COND_WEAK),
    "strong": (rho_s + q_s * d_s / (n - d_s - 1), COND_STRONG),
    "ceiling": (rho_s + q_s * d_s / (n + N - d_s - 1), COND_CEILING),
    "w2s": (_w2s_bias + _w2s_inherited + _w2s_reduced, COND_W2S),
}
_DECOMP = {
    "exact": {"inherited": _w2s_inherited, "reduced": _w2s_reduced, "bias": _w2s_bias},
}

# --- paper forms (theory.md section 3) ---------------------------------------------------------
_p_inherited = sigma2 * d_sw / (n - d_w - 1)
_p_reduced = sigma2 * (d_w - d_sw) * d_s / ((n - d_w - 1) * N)
_p_bias = rho_w + rho_s
_PAPER = {
    "weak": (sigma2 * d_w / n + rho_w, ()),
    "strong": (sigma2 * d_s / n + rho_s, ()),
    "ceiling": (sigma2 * d_s / (n + N) + rho_s, ()),
    "w2s": (_p_inherited + _p_reduced + _p_bias, COND_WEAK + GEOMETRY_CONDITIONS),
}
_DECOMP["paper"] = {"inherited": _p_inherited, "reduced": _p_reduced, "bias": _p_bias}

# --- asymptotic: leading order in 1/n, 1/N of the exact forms ----------------------------------
_a_inherited = q_w * d_sw / n
_a_reduced = q_w * d_s * (d_w - d_sw) / (n * N)
_a_bias = b_w2s + d_s * m_sw / N
_ASYM = {
    "weak": (rho_w + q_w * d_w / n, ()),
    "strong": (rho_s + q_s * d_s / n, ()),
    "ceiling": (rho_s + q_s * d_s / (n + N), ()),
    "w2s": (_a_bias + _a_inherited + _a_reduced, GEOMETRY_CONDITIONS),
}
_DECOMP["asymptotic"] = {"inherited": _a_inherited, "reduced": _a_reduced, "bias": _a_bias}

_TABLE = {"exact": _EXACT, "paper": _PAPER, "asymptotic": _ASYM}
_DESCRIPTIONS = {
    "weak": "expected excess risk of the weak teacher (OLS on phi_w, n labels)",
    "strong": "expected excess risk of the strong baseline (OLS on phi_s, n labels)",
    "ceiling": "expected excess risk of the strong ceiling (OLS on phi_s, n + N labels)",
    "w2s": "expected excess risk of the W2S student (OLS on phi_s, N pseudo-labels)",
}

for _form, _table in _TABLE.items():
    for _model, (_expr, _cond) in _table.items():
        register(f"risk.{_model}.{_form}", _expr, _cond, f"{_DESCRIPTIONS[_model]}; {_form} form")
    _cond_w2s = _table["w2s"][1]
    for _part, _expr in _DECOMP[_form].items():
        register(f"w2s.{_part}.{_form}", _expr, _cond_w2s, f"W2S risk, {_part} part; {_form} form")


def risk(model: str, form: str = "exact") -> sp.Expr:
    r"""Expected excess risk of one of the four models.

    Parameters
    ----------
    model : {"weak", "strong", "ceiling", "w2s"}
    form : {"exact", "paper", "asymptotic"}

    Returns
    -------
    sympy.Expr
        For example the exact W2S risk

        .. math::
            b_{w2s} + \frac{\sigma^2 + \rho_w}{n - d_w - 1}
            \Big[d_{sw} + \frac{d_s (d_w - d_{sw})}{N - d_s - 1}\Big]
            + \frac{d_s\, m_{sw}}{N - d_s - 1}.
    """
    _check(model, form)
    return _TABLE[form][model][0]


def w2s_decomposition(form: str = "exact") -> dict[str, sp.Expr]:
    """The W2S risk split into ``inherited`` variance (V_s ∩ V_w), ``reduced`` variance
    (the discrepancy, shrunk by d_s/N) and ``bias`` terms. The three parts sum to
    ``risk("w2s", form)``."""
    _check("w2s", form)
    return dict(_DECOMP[form])


def pgr(form: str = "exact") -> sp.Expr:
    r"""Performance gap recovered, as a ratio of expected risks:
    :math:`(\mathrm{ER}_w - \mathrm{ER}_{w2s}) / (\mathrm{ER}_w - \mathrm{ER}_c)`."""
    _check("w2s", form)
    return _REGISTRY[f"pgr.{form}"].expr


def opr(form: str = "exact") -> sp.Expr:
    r"""Outperforming ratio, as a ratio of expected risks:
    :math:`\mathrm{ER}_s / \mathrm{ER}_{w2s}`."""
    _check("w2s", form)
    return _REGISTRY[f"opr.{form}"].expr


def _union(*conds):
    out = []
    for group in conds:
        for c in group:
            if c not in out:
                out.append(c)
    return tuple(out)


for _form, _table in _TABLE.items():
    _w, _s, _c, _x = (_table[m] for m in MODELS)
    register(
        f"pgr.{_form}",
        (_w[0] - _x[0]) / (_w[0] - _c[0]),
        _union(_w[1], _c[1], _x[1]),
        f"PGR as a ratio of expected risks; {_form} form",
    )
    register(
        f"opr.{_form}",
        _s[0] / _x[0],
        _union(_s[1], _x[1]),
        f"OPR as a ratio of expected risks; {_form} form",
    )

# --- the paper's lower bounds (theory.md section 3) --------------------------------------------
d_swN = d_sw + (d_w - d_sw) * d_s / N
_rho = rho_s + rho_w
_PGR_LB = register(
    "pgr.lower_bound",
    1 - n / (n - d_w - 1) * d_swN / d_w - (n / d_w) * _rho / sigma2,
    COND_WEAK + GEOMETRY_CONDITIONS,
    "the paper's lower bound on PGR",
)
_OPR_LB = register(
    "opr.lower_bound",
    1 / (n / (n - d_w - 1) * d_swN / d_s + (n / d_s) * _rho / sigma2),
    COND_WEAK + GEOMETRY_CONDITIONS,
    "the paper's lower bound on OPR",
)


def pgr_lower_bound() -> sp.Expr:
    r"""The paper-form PGR lower bound
    :math:`1 - \frac{n}{n - d_w - 1}\frac{d_{swN}}{d_w} - \frac{n}{d_w}\frac{\rho}{\sigma^2}`,
    with :math:`d_{swN} = d_{sw} + (d_w - d_{sw}) d_s / N` and :math:`\rho = \rho_s + \rho_w`."""
    return _PGR_LB


def opr_lower_bound() -> sp.Expr:
    r"""The paper-form OPR lower bound
    :math:`\Big(\frac{n}{n - d_w - 1}\frac{d_{swN}}{d_s} + \frac{n}{d_s}\frac{\rho}{\sigma^2}\Big)^{-1}`."""
    return _OPR_LB
