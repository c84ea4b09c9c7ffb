r"""Exact expected risks of ridgeless (min-norm) fits in every parameterization regime.

The paper covers an OLS teacher and an OLS student (``n > d_w + 1``, ``N > d_s + 1``). A
min-norm fit interpolates below its threshold, so there are four W2S regimes
``<teacher>_<student>``, each side ``ols`` or ``interp``:

- teacher ``ols`` if ``n > d_w + 1``, ``interp`` if ``n < d_w - 1``;
- student ``ols`` if ``N > d_s + 1``, ``interp`` if ``N < d_s - 1``;

and two regimes for each single model (weak: ``n`` vs ``d_w``; strong: ``n`` vs ``d_s``;
ceiling: ``n + N`` vs ``d_s``). Within one sample of a threshold the expectation is infinite
(an inverse-Wishart factor with no finite mean; the one exception is the student threshold
when ``d_sw = d_w``, where the pseudo-labels are exactly representable): :func:`evaluate` raises
:class:`InfiniteExpectation` there instead of returning a number. Derivations:
``notes/regimes.md``; the Haar lemma used for interpolating fits: ``notes/haar-lemma.md``.

The forms use the target scalars :math:`t_2 = \|\theta\|^2`,
:math:`c_{sw} = \theta^\top P_s P_w \theta`, :math:`p_{sw} = \|P_s P_w\theta\|^2` and
:math:`\|P_w\theta\|^2 = t_2 - \rho_w`; the paper-era symbols follow from them
(:data:`TARGET_SUBS`): :math:`b_{w2s} = t_2 - 2c_{sw} + p_{sw}`,
:math:`m_{sw} = t_2 - \rho_w - p_{sw}`.

Registered names: ``risk.<model>.regime.<ols|interp>`` (single models),
``risk.w2s.regime.<teacher>_<student>``, ``risk.<model>.piecewise``,
``misfit.regime.<teacher>_<student>``, ``gain.regime.<teacher>_<student>``,
``misfit.piecewise``, ``misfit_identity.ratio``, ``teacher.<regime>.<moment>``.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from theory import haar
from theory.evaluation import evaluate as _evaluate
from theory.formulas import GEOMETRY_CONDITIONS, MODELS, SINGLE_MODELS, formula, register
from theory.symbols import (
    BY_NAME,
    N,
    b_w2s,
    c_sw,
    d_s,
    d_sw,
    d_w,
    m_sw,
    n,
    p_sw,
    rho_s,
    rho_w,
    sigma2,
    t2,
)
from theory.validation import to_exact

REGIMES = ("ols", "interp")


class InfiniteExpectation(ValueError):
    """The requested expectation is infinite (within one sample of an interpolation threshold)."""


# --- target scalars ------------------------------------------------------------------------
PW_ENERGY = t2 - rho_w
r""":math:`\|P_w\theta\|^2 = t_2 - \rho_w`."""
B_W2S = t2 - 2 * c_sw + p_sw
r""":math:`b_{w2s} = \|\theta - P_s P_w\theta\|^2 = t_2 - 2 c_{sw} + p_{sw}`."""
M_SW = t2 - rho_w - p_sw
r""":math:`m_{sw} = \|(I - P_s) P_w\theta\|^2 = t_2 - \rho_w - p_{sw}`."""
R_SW = t2 - rho_w - c_sw
r""":math:`r_{sw} = \theta^\top (I - P_s) P_w \theta = t_2 - \rho_w - c_{sw}`: the defect of the
finite-N misfit identity; zero when :math:`\theta \in V_s` (realizability)."""
TARGET_SUBS = {b_w2s: B_W2S, m_sw: M_SW}
"""Substitution taking the paper-era symbols ``b_w2s, m_sw`` to ``t2, c_sw, p_sw, rho_w``."""

# The part of theta outside V_w is independent of phi_w for Gaussian features: label noise of
# variance rho_w on top of sigma2, so the teacher sees noise of variance _Q.
_Q = sigma2 + rho_w

# --- thresholds ---------------------------------------------------------------------------
TEACHER_BAND = sp.Le(sp.Abs(n - d_w), 1)
STUDENT_BAND = sp.Le(sp.Abs(N - d_s), 1)
_COND = {
    "teacher": {"ols": (sp.Gt(n, d_w + 1),), "interp": (sp.Lt(n, d_w - 1),)},
    "student": {"ols": (sp.Gt(N, d_s + 1),), "interp": (sp.Lt(N, d_s - 1),)},
}
_SINGLE = {  # model -> (samples, dimension, approximation error)
    "weak": (n, d_w, rho_w),
    "strong": (n, d_s, rho_s),
    "ceiling": (n + N, d_s, rho_s),
}

_BANDS: dict[str, tuple] = {}
"""Registered name -> ((condition, message), ...) under which its expectation is infinite."""


def _band_message(fit: str, samples: str, dim: str) -> str:
    return (
        f"the expectation is infinite when |{samples} - {dim}| <= 1: the {fit} min-norm fit on "
        f"{samples} samples of {dim} features has an inverse Gram matrix with no finite mean "
        f"within one sample of its interpolation threshold {samples} = {dim} (the risk curve "
        f"peaks there: double descent)"
    )


_TEACHER_BAND_MSG = _band_message("weak teacher's", "n", "d_w")
_STUDENT_BAND_MSG = _band_message("W2S student's", "N", "d_s") + (
    "; it is finite only in the degenerate case d_sw = d_w (V_w inside V_s), where the "
    "pseudo-labels are exactly representable"
)
_SINGLE_FIT = {"weak": "weak model's", "strong": "strong baseline's", "ceiling": "strong ceiling's"}


def check_regime(regime: str, what: str) -> str:
    """``regime`` if it is one of :data:`REGIMES`, else ``ValueError`` naming ``what``."""
    if regime not in REGIMES:
        raise ValueError(f"{what} must be one of {REGIMES}, got {regime!r}")
    return regime


def _union(*groups) -> tuple:
    out = []
    for group in groups:
        for c in group:
            if c not in out:
                out.append(c)
    return tuple(out)


# --- single models -----------------------------------------------------------------------
def _single_expr(samples, dim, rho, regime):
    if regime == "ols":
        return rho + (sigma2 + rho) * dim / (samples - dim - 1)
    # Interpolating: coefficients = Pi a* + noise with Pi a Haar rank-m projection of R^d.
    return rho + (1 - samples / dim) * (t2 - rho) + (sigma2 + rho) * haar.inverse_gram_trace(samples, dim)


def _single_cond(samples, dim, regime):
    return (sp.Gt(samples, dim + 1),) if regime == "ols" else (sp.Lt(samples, dim - 1),)


def single_risk(model: str, regime: str) -> sp.Expr:
    r"""Expected excess risk of a single min-norm model (weak, strong or ceiling) in one regime.

    With ``m`` samples, ``d`` features, :math:`\rho = \|(I - P)\theta\|^2`:

    .. math::
        \text{OLS } (m > d + 1):\ \rho + (\sigma^2 + \rho)\frac{d}{m - d - 1}, \qquad
        \text{interp } (m < d - 1):\ \rho + \Big(1 - \frac{m}{d}\Big)(t_2 - \rho)
        + (\sigma^2 + \rho)\frac{m}{d - m - 1}.
    """
    if model not in SINGLE_MODELS:
        raise ValueError(f"model must be one of {SINGLE_MODELS}, got {model!r}")
    check_regime(regime, "regime")
    return formula(f"risk.{model}.regime.{regime}").expr


# --- the teacher's coefficient moments -------------------------------------------------------
@dataclass(frozen=True)
class TeacherMoments:
    r"""Moments of the weak teacher's ambient coefficient vector :math:`\beta_w`.

    Attributes
    ----------
    regime : str
    mean_factor : sympy.Expr
        :math:`k` with :math:`\mathbb{E}\beta_w = k P_w\theta` (1 for OLS, ``n/d_w`` interpolating).
    proj_energy : sympy.Expr
        :math:`S = \mathbb{E}\|P_s\beta_w\|^2`.
    energy : sympy.Expr
        :math:`B = \mathbb{E}\|\beta_w\|^2`.
    conditions : tuple
    """

    regime: str
    mean_factor: sp.Expr
    proj_energy: sp.Expr
    energy: sp.Expr
    conditions: tuple

    @property
    def residual(self) -> sp.Expr:
        r""":math:`E_\perp = \mathbb{E}\|(I - P_s)\beta_w\|^2 = B - S`: energy the student
        cannot represent, which it sees as label noise."""
        return self.energy - self.proj_energy

    @property
    def cross(self) -> sp.Expr:
        r""":math:`\theta^\top P_s \mathbb{E}\beta_w = k\,c_{sw}`."""
        return self.mean_factor * c_sw


def teacher_moments(regime: str) -> TeacherMoments:
    r"""Moments of the weak teacher in a regime.

    OLS (``n > d_w + 1``): :math:`k = 1`,
    :math:`S = p_{sw} + q\,d_{sw}/(n - d_w - 1)`, :math:`B = t_2 - \rho_w + q\,d_w/(n - d_w - 1)`.

    Interpolating (``n < d_w - 1``), with the Haar coefficients :math:`\alpha, \beta` at
    :math:`(n, d_w)`: :math:`k = n/d_w`,
    :math:`S = \alpha p_{sw} + \beta d_{sw}(t_2 - \rho_w) + q\,\frac{d_{sw}}{d_w}\frac{n}{d_w - n - 1}`,
    :math:`B = \frac{n}{d_w}(t_2 - \rho_w) + q\frac{n}{d_w - n - 1}`. Here :math:`q = \sigma^2 + \rho_w`.
    """
    check_regime(regime, "regime")
    cond = _COND["teacher"][regime]
    if regime == "ols":
        var = _Q / (n - d_w - 1)
        return TeacherMoments("ols", sp.Integer(1), p_sw + var * d_sw, PW_ENERGY + var * d_w, cond)
    a, b = haar.alpha(n, d_w), haar.beta(n, d_w)
    var = _Q * haar.inverse_gram_trace(n, d_w) / d_w
    return TeacherMoments(
        "interp", n / d_w, a * p_sw + b * d_sw * PW_ENERGY + var * d_sw,
        n / d_w * PW_ENERGY + var * d_w, cond,
    )


def _student_risk(student: str, tm: TeacherMoments):
    if student == "ols":
        return t2 - 2 * tm.cross + tm.proj_energy + d_s / (N - d_s - 1) * tm.residual
    k = N / d_s
    return t2 - 2 * k * tm.cross + k * tm.proj_energy + haar.inverse_gram_trace(N, d_s) * tm.residual


def _student_misfit(student: str, tm: TeacherMoments):
    if student == "ols":
        return tm.residual * (N - 1) / (N - d_s - 1)
    return (1 - N / d_s) * tm.proj_energy + tm.residual * (d_s - 1) / (d_s - N - 1)


def _exact_fit(tm: TeacherMoments):
    # Student band with d_sw = d_w: beta_w lies in V_s, the pseudo-labels are noiseless in the
    # student's features, and the fit is Pi_s beta_w with Pi_s of rank min(N, d_s).
    k = sp.Min(N, d_s) / d_s
    return t2 - 2 * k * tm.cross + k * tm.proj_energy, (1 - k) * tm.proj_energy


def _regime_name(teacher: str, student: str) -> str:
    check_regime(teacher, "teacher")
    check_regime(student, "student")
    return f"{teacher}_{student}"


def w2s_risk(teacher: str = "ols", student: str = "ols") -> sp.Expr:
    r"""Expected excess risk of the W2S student in one regime.

    With teacher moments :math:`k, S, B, E_\perp = B - S` (:func:`teacher_moments`):

    .. math::
        \text{OLS student: } t_2 - 2k c_{sw} + S + \frac{d_s}{N - d_s - 1} E_\perp, \qquad
        \text{interp student: } t_2 - 2\frac{N}{d_s} k c_{sw} + \frac{N}{d_s} S
        + \frac{N}{d_s - N - 1} E_\perp .
    """
    return formula(f"risk.w2s.regime.{_regime_name(teacher, student)}").expr


def misfit(teacher: str = "ols", student: str = "ols") -> sp.Expr:
    r"""Expected misfit
    :math:`\mathbb{E}\,\mathbb{E}_x (f_{w2s}(x) - f_w(x))^2 = \mathbb{E}\|\beta_{w2s} - \beta_w\|^2`.

    .. math::
        \text{OLS student: } E_\perp \frac{N - 1}{N - d_s - 1}, \qquad
        \text{interp student: } \Big(1 - \frac{N}{d_s}\Big) S + E_\perp \frac{d_s - 1}{d_s - N - 1}.
    """
    return formula(f"misfit.regime.{_regime_name(teacher, student)}").expr


def gain(teacher: str = "ols", student: str = "ols") -> sp.Expr:
    r"""Expected gain of W2S over its teacher, :math:`\mathbb{E}[\mathrm{ER}_w - \mathrm{ER}_{w2s}]`."""
    return formula(f"gain.regime.{_regime_name(teacher, student)}").expr


def misfit_identity_ratio() -> sp.Expr:
    r"""The finite-N factor in :math:`\mathbb{E}[\mathrm{gain}] = \mathbb{E}[\mathrm{misfit}]
    \dfrac{N - 2 d_s - 1}{N - 1}` (OLS student, :math:`r_{sw} = 0`, e.g. :math:`\theta\in V_s`)."""
    return formula("misfit_identity.ratio").expr


def gain_misfit_gap(teacher: str = "ols", student: str = "ols") -> sp.Expr:
    r"""Closed form of
    :math:`\mathbb{E}[\mathrm{gain}] - \dfrac{N - 2d_s - 1}{N - 1}\mathbb{E}[\mathrm{misfit}]`
    for an OLS student, or of :math:`\mathbb{E}[\mathrm{gain}] - \mathbb{E}[\mathrm{misfit}]` for an
    interpolating one.

    OLS student: :math:`-2 k\, r_{sw}` with :math:`r_{sw} = \theta^\top (I - P_s) P_w\theta`, the
    extra term without realizability. Interpolating student:
    :math:`-\frac{2N}{d_s - N - 1}E_\perp - 2k\big(t_2 - \rho_w - \frac{N}{d_s}c_{sw}\big)`.
    """
    tm = teacher_moments(teacher)
    _regime_name(teacher, student)
    if student == "ols":
        return -2 * tm.mean_factor * R_SW
    return -2 * N / (d_s - N - 1) * tm.residual - 2 * tm.mean_factor * (PW_ENERGY - N / d_s * c_sw)


def risk_piecewise(model: str) -> sp.Piecewise:
    """Expected excess risk of ``model`` as a :class:`sympy.Piecewise` over all regimes, with
    value ``oo`` within one sample of a threshold. Evaluate it with :func:`evaluate`, which
    raises :class:`InfiniteExpectation` there."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    return formula(f"risk.{model}.piecewise").expr


def misfit_piecewise() -> sp.Piecewise:
    """Expected misfit as a :class:`sympy.Piecewise` over the four regimes (``oo`` in the bands)."""
    return formula("misfit.piecewise").expr


# --- registration ---------------------------------------------------------------------------
def _register(name, expr, conditions, description, bands=()):
    register(name, expr, conditions, description)
    _BANDS[name] = tuple(bands)


_teacher_band = ((TEACHER_BAND, _TEACHER_BAND_MSG),)
_student_band = ((sp.And(STUDENT_BAND, sp.Ne(d_sw, d_w)), _STUDENT_BAND_MSG),)

for _model, (_m, _d, _rho) in _SINGLE.items():
    _msg = _band_message(_SINGLE_FIT[_model], "n + N" if _model == "ceiling" else "n", str(_d))
    _band = ((sp.Le(sp.Abs(_m - _d), 1), _msg),)
    _pieces = [(sp.oo, _band[0][0])]
    for _reg in REGIMES:
        _e = _single_expr(_m, _d, _rho, _reg)
        _c = _single_cond(_m, _d, _reg)
        _register(f"risk.{_model}.regime.{_reg}", _e, _c,
                  f"expected excess risk of the {_model} model, {_reg} regime", _band)
        _pieces.append((_e, _c[0]))
    # The exclusion is also a registered condition, so that theory.evaluate refuses the bands
    # (with a ValueError naming it) instead of returning or failing on oo.
    _register(f"risk.{_model}.piecewise", sp.Piecewise(*_pieces), (sp.Gt(sp.Abs(_m - _d), 1),),
              f"expected excess risk of the {_model} model, all regimes", _band)

TEACHER = {reg: teacher_moments(reg) for reg in REGIMES}
for _reg, _tm in TEACHER.items():
    for _mom in ("mean_factor", "proj_energy", "energy", "residual"):
        _register(f"teacher.{_reg}.{_mom}", getattr(_tm, _mom), _tm.conditions + GEOMETRY_CONDITIONS,
                  f"weak teacher coefficient moment {_mom}, {_reg} regime", _teacher_band)

_risk_pieces = [(sp.oo, TEACHER_BAND)]
_misfit_pieces = [(sp.oo, TEACHER_BAND)]
for _t, _tm in TEACHER.items():
    _fit_risk, _fit_misfit = _exact_fit(_tm)
    _degenerate = sp.And(STUDENT_BAND, sp.Eq(d_sw, d_w), *_tm.conditions)
    _risk_pieces.append((_fit_risk, _degenerate))
    _misfit_pieces.append((_fit_misfit, _degenerate))
_risk_pieces.append((sp.oo, STUDENT_BAND))
_misfit_pieces.append((sp.oo, STUDENT_BAND))

for _t, _tm in TEACHER.items():
    for _s in REGIMES:
        _name = f"{_t}_{_s}"
        _cond = _union(_tm.conditions, _COND["student"][_s], GEOMETRY_CONDITIONS)
        _bands = _teacher_band + _student_band
        _r = _student_risk(_s, _tm)
        _register(f"risk.w2s.regime.{_name}", _r, _cond,
                  f"expected excess risk of the W2S student, {_t} teacher, {_s} student", _bands)
        _mf = _student_misfit(_s, _tm)
        _register(f"misfit.regime.{_name}", _mf, _cond,
                  f"expected misfit E||beta_w2s - beta_w||^2, {_t} teacher, {_s} student", _bands)
        _register(f"gain.regime.{_name}", formula(f"risk.weak.regime.{_t}").expr - _r,
                  _cond, f"expected gain E[ER_w - ER_w2s], {_t} teacher, {_s} student", _bands)
        _cond_and = sp.And(*_cond[:2])
        _risk_pieces.append((_r, _cond_and))
        _misfit_pieces.append((_mf, _cond_and))

_FINITE = (sp.Gt(sp.Abs(n - d_w), 1), sp.Or(sp.Gt(sp.Abs(N - d_s), 1), sp.Eq(d_sw, d_w)))
_register("risk.w2s.piecewise", sp.Piecewise(*_risk_pieces), _FINITE + GEOMETRY_CONDITIONS,
          "expected excess risk of the W2S student, all regimes", _teacher_band + _student_band)
_register("misfit.piecewise", sp.Piecewise(*_misfit_pieces), _FINITE + GEOMETRY_CONDITIONS,
          "expected misfit, all regimes", _teacher_band + _student_band)
_register("misfit_identity.ratio", (N - 2 * d_s - 1) / (N - 1), (sp.Gt(N, d_s + 1),),
          "E[gain] / E[misfit] for an OLS student when theta^T (I - P_s) P_w theta = 0")


# --- numeric evaluation -------------------------------------------------------------------
_COUNT_NAMES = ("n", "N", "d_s", "d_w")
_NONNEG_NAMES = ("d_sw", "rho_s", "rho_w", "b_w2s", "m_sw", "t2", "p_sw")


def regime(samples: int, dim: int) -> str:
    """``"ols"`` if ``samples > dim + 1``, ``"interp"`` if ``samples < dim - 1``; raises
    :class:`InfiniteExpectation` within one sample of the threshold."""
    for name, v in (("samples", samples), ("dim", dim)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if abs(samples - dim) <= 1:
        raise InfiniteExpectation(
            f"samples={samples}, dim={dim}: the expected risk of a min-norm fit is infinite "
            f"when |samples - dim| <= 1"
        )
    return "ols" if samples > dim + 1 else "interp"


def exact_values(values: dict) -> dict:
    """``{name: value}`` as ``{symbol: exact value}`` for :func:`evaluate`, validated.

    Raises
    ------
    ValueError
        For an unknown name, a value that is not a finite real number, a count that is not a
        positive integer, ``sigma2 <= 0`` or a negative energy.
    """
    subs = {}
    for name, v in values.items():
        if name not in BY_NAME:
            raise ValueError(f"unknown parameter {name!r}; valid names: {sorted(BY_NAME)}")
        # The one converter (theory.validation): a float is its exact binary value, which
        # keeps Eq(d_sw, d_w) and the band tests exact and loses nothing before the
        # evaluation at ``prec`` digits; strings, None and booleans are refused.
        x = to_exact(name, v)
        if name in _COUNT_NAMES:
            if not x.is_integer or x < 1:
                raise ValueError(f"{name} must be a positive integer (>= 1), got {v!r}")
        elif name == "sigma2" and x <= 0:
            raise ValueError(f"sigma2 must be > 0, got {v!r}")
        elif name in _NONNEG_NAMES and x < 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")
        subs[BY_NAME[name]] = x
    return subs


def _truth(cond, subs):
    val = cond.subs(subs)
    if val not in (sp.true, sp.false):
        val = sp.simplify(val)
    if val not in (sp.true, sp.false):
        raise ValueError(f"cannot decide condition {cond} with the given values (missing a parameter?)")
    return bool(val)


def evaluate(name_or_expr, prec: int = 50, **values) -> mpmath.mpf:
    r"""Evaluate a regime formula (name or expression) at numeric ``values`` (symbol names).

    Raises
    ------
    InfiniteExpectation
        Within one sample of an interpolation threshold, where the expectation is infinite.
    ValueError
        For bad or missing values, or values outside the formula's regime (naming the condition).
    """
    rec = formula(name_or_expr)
    if rec is None and isinstance(name_or_expr, str):
        raise ValueError(f"no registered formula named {name_or_expr!r}")
    subs = exact_values(values)
    # What this adds to theory.evaluate: within one sample of a threshold the expectation is
    # infinite, which deserves its own exception rather than "condition violated".
    for band, message in (_BANDS.get(rec.name, ()) if rec is not None else ()):
        missing = sorted(s.name for s in band.free_symbols if s not in subs)
        if missing:
            raise ValueError(f"missing values for {missing}")
        if _truth(band, subs):
            given = ", ".join(f"{k}={v}" for k, v in values.items())
            raise InfiniteExpectation(f"{message} (got {given})")
    return _evaluate(name_or_expr, prec=prec, **values)


__all__ = [
    "REGIMES", "check_regime", "SINGLE_MODELS", "MODELS", "InfiniteExpectation", "PW_ENERGY",
    "B_W2S", "M_SW",
    "R_SW", "TARGET_SUBS", "TEACHER_BAND", "STUDENT_BAND", "TeacherMoments", "teacher_moments",
    "single_risk", "w2s_risk", "misfit", "gain", "misfit_identity_ratio", "gain_misfit_gap",
    "risk_piecewise", "misfit_piecewise", "regime", "evaluate", "exact_values",
]
