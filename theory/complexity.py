r"""Sample complexities of W2S ridgeless regression, derived by SymPy from the risk formulas.

Every function returns a :class:`Threshold`: the closed-form critical sample size (where one
exists), the *margin* whose sign decides the property, the validity conditions, and an exact
verdict at concrete parameter values (:meth:`Threshold.at`), which says whether the property
switches on above a threshold, holds always, never, or only inside a bounded window.

The closed forms come from ``sympy.solve`` applied to the registered expectations
(``theory.risk``); the verdicts at concrete values come from
``sympy.solvers.inequalities.reduce_rational_inequalities`` over the
rationals, so they are exact and do not rely on the closed form being the right branch.

Forms and bias
--------------
``form="exact"`` uses the finite-sample Gaussian expectations, ``form="paper"`` the forms the
paper's authors plot. ``bias=False`` is the variance-only reading :math:`\rho = 0`: the target
lies in :math:`V_s \cap V_w`, hence :math:`\rho_s = \rho_w = b_{w2s} = m_{sw} = 0`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, wraps

import sympy as sp
from sympy.solvers.inequalities import reduce_rational_inequalities

from theory.formulas import GEOMETRY_CONDITIONS, MODELS, formula, risk
from theory.symbols import BY_NAME, N, b_w2s, d_s, d_w, m_sw, n, rho_s, rho_w
from theory.validation import to_exact

FORMS = ("exact", "paper")
STATUSES = ("threshold", "always", "never", "window")

VARIANCE_ONLY = {rho_s: 0, rho_w: 0, b_w2s: 0, m_sw: 0}
"""Substitution for :math:`\\rho = 0`: the target lies in :math:`V_s \\cap V_w`."""

# Geometry of the bias scalars: b_w2s = rho_s + ||P_s (I - P_w) theta||^2 <= rho_s + rho_w.
BIAS_CONDITIONS = (sp.Ge(b_w2s, rho_s), sp.Le(b_w2s, rho_s + rho_w))

target = sp.Symbol("target", positive=True, real=True)
"""Symbolic PGR / OPR target used when none is given."""
eps = sp.Symbol("eps", positive=True, real=True)
"""Symbolic excess-risk target used when none is given."""


@dataclass(frozen=True)
class Verdict:
    """Exact answer of a :class:`Threshold` at concrete parameter values.

    Attributes
    ----------
    status : {"threshold", "always", "never", "window"}
        ``threshold``: the property holds exactly for ``variable`` beyond ``critical``;
        ``always``: on the whole valid domain; ``never``: nowhere (the target is unreachable,
        or no threshold exists); ``window``: only on a bounded set (``critical`` to ``upper``).
    region : sympy.Set
        Exact set of real values of the variable (inside its valid domain) where it holds.
    domain : sympy.Set
        The valid domain of the variable at these values.
    critical, upper : sympy.Expr or None
        Infimum and supremum of ``region`` (``None`` when it is empty).
    smallest : int or None
        Smallest integer sample size in ``region``.
    """

    status: str
    region: sp.Set
    domain: sp.Set
    critical: sp.Expr | None
    upper: sp.Expr | None
    smallest: int | None

    @property
    def reachable(self) -> bool:
        """Whether some integer sample size has the property."""
        return self.smallest is not None


@dataclass(frozen=True)
class Threshold:
    r"""A sample-complexity result: the property holds where ``margin`` is positive.

    Attributes
    ----------
    name : str
        Dotted name, e.g. ``"beat_teacher.exact"``.
    variable : sympy.Symbol
        The sample size solved for (``N`` or ``n``).
    margin : sympy.Expr
        The property holds iff ``margin > 0`` (``strict``) or ``margin >= 0``.
    strict : bool
    critical : sympy.Expr or None
        Closed form of the threshold (the root of ``margin`` where it turns positive), valid
        under ``exists``; ``None`` where no single closed form applies.
    exists : sympy.Boolean
        Condition on the other parameters under which the property holds exactly for
        ``variable > critical``.
    limit : sympy.Expr or None
        ``margin`` (or the ratio it encodes) as ``variable`` tends to infinity.
    sign_factor : tuple of sympy.Expr
        Factors :math:`f_i`, each positive under ``exists`` and the conditions, such that
        ``margin == prod(f_i) * (variable - critical)``: the exact sign change (empty when the
        margin is not of that form).
    conditions : tuple of sympy relationals
        Validity conditions (the domain of the formulas, including that of ``variable``).
    defined : tuple of sympy relationals
        Further conditions for the compared quantity to be defined (e.g. a positive PGR gap).
    roots : tuple of sympy.Expr
        All solutions of ``margin = 0`` returned by ``sympy.solve``.
    description : str
    """

    name: str
    variable: sp.Symbol
    margin: sp.Expr
    strict: bool
    critical: sp.Expr | None
    exists: sp.Basic
    limit: sp.Expr | None
    sign_factor: tuple = ()
    conditions: tuple = ()
    defined: tuple = ()
    roots: tuple = ()
    description: str = ""
    extras: dict = field(default_factory=dict)

    def holds(self, **values) -> bool:
        """Exact truth of the property at fully specified values (``variable`` included)."""
        subs = exact_values(values)
        _check_conditions(self.conditions + self.defined, subs)
        m = sp.cancel(sp.together(self.margin.xreplace(subs)))
        if m.free_symbols:
            raise ValueError(f"values for {sorted(map(str, m.free_symbols))} are missing")
        return bool(m > 0) if self.strict else bool(m >= 0)

    def at(self, **values) -> Verdict:
        """Exact verdict at concrete values of every parameter except ``variable``.

        Parameters
        ----------
        **values
            Keyword names are symbol names (``n``, ``d_s``, ``sigma2``, ...; ``target`` or
            ``eps`` where the target was left symbolic). Floats are converted to their exact
            binary value (:func:`theory.validation.to_exact`, as in ``evaluate_exact``).

        Raises
        ------
        ValueError
            If a value is missing or violates a validity condition (the message names it).
        """
        values = {k: v for k, v in values.items() if k != self.variable.name}
        subs = exact_values(values)
        x = self.variable
        fixed = [c for c in self.conditions if x not in c.free_symbols]
        _check_conditions(fixed, subs)
        # reduce_rational_inequalities on a real dummy: exact, and ~10x faster than solveset
        # (which runs periodicity/simplify on every call).
        X = sp.Dummy(x.name, real=True)
        rels = [X > 0]
        for cond in [c for c in self.conditions + self.defined if x in c.free_symbols]:
            rels.append(_in_dummy(cond.func, cond.lhs - cond.rhs, subs, x, X))
        m = sp.cancel(sp.together(self.margin.xreplace(subs)))
        missing = m.free_symbols - {x}
        if missing:
            raise ValueError(f"values for {sorted(map(str, missing))} are missing")
        domain = reduce_rational_inequalities([rels], X, relational=False)
        prop = _in_dummy(sp.StrictGreaterThan if self.strict else sp.GreaterThan, m, {}, x, X)
        region = reduce_rational_inequalities([rels + [prop]], X, relational=False)
        return _classify(region, domain)


def _in_dummy(rel, expr, subs, x, X):
    e = sp.cancel(sp.together(sp.sympify(expr).xreplace(subs))).xreplace({x: X})
    if e.free_symbols - {X}:
        raise ValueError(f"values for {sorted(map(str, e.free_symbols - {X}))} are missing")
    # A rational function of X is left to reduce_rational_inequalities, which solves it
    # exactly; evaluating the relational first only asks the assumptions system about its sign
    # (most of the cost of a verdict, and at best a shortcut to the same set).
    return rel(e, 0) if e.is_number else rel(e, 0, evaluate=False)


def _classify(region: sp.Set, domain: sp.Set) -> Verdict:
    if region is sp.S.EmptySet or region.is_empty:
        return Verdict("never", sp.S.EmptySet, domain, None, None, None)
    lo, hi = region.inf, region.sup
    smallest = _smallest_integer(region, lo, hi)
    if region == domain:
        status = "always"
    elif hi is sp.oo:
        status = "threshold"
    else:
        status = "window"
    if smallest is None:
        status = "never"
    return Verdict(status, region, domain, lo, hi, smallest)


def _smallest_integer(region: sp.Set, lo, hi) -> int | None:
    k = int(sp.ceiling(lo))
    # A bounded region holds at most floor(hi) - k + 1 integers; an unbounded one contains
    # ceil(lo) or ceil(lo) + 1 (only an open endpoint can exclude ceil(lo)).
    last = k + 1 if hi is sp.oo else int(sp.floor(hi))
    for cand in range(k, last + 1):
        if region.contains(cand) is sp.true:
            return cand
    return None


def _to_exact(name: str, value):
    # One converter for the package (a float is its exact binary value, as in evaluate_exact);
    # symbolic values pass through.
    return to_exact(name, value, symbolic=True)


def exact_values(values: dict) -> dict:
    """``{name: value}`` as ``{symbol: exact value}`` for this module's formulas.

    Names are those of :data:`theory.symbols.BY_NAME` plus ``target`` and ``eps``; values go
    through the package's one converter (:func:`theory.validation.to_exact`, symbols pass).

    Raises
    ------
    ValueError
        For an unknown name, or a value that is not a real number or a symbol.
    """
    known = dict(BY_NAME, target=target, eps=eps)
    out = {}
    for name, value in values.items():
        if name not in known:
            raise ValueError(f"unknown parameter {name!r}; valid names: {sorted(known)}")
        out[known[name]] = _to_exact(name, value)
    return out


def _check_conditions(conditions, subs) -> None:
    for cond in conditions:
        # xreplace: the keys are symbols, so it gives subs' answer at a fraction of its cost
        # (this runs at every point of a threshold verdict)
        val = cond.xreplace(subs)
        if val is sp.false:
            raise ValueError(f"condition {cond} violated at the given values")


def _validate_target(name: str, value, low=0, low_open=True, high=sp.oo, meaning=""):
    """Exact target, or a symbol; raise ValueError naming ``name`` and its valid range."""
    if value is None:
        return None
    if isinstance(value, sp.Symbol):
        return value
    rng = f"{'(' if low_open else '['}{low}, {'oo' if high is sp.oo else high})"
    try:
        v = _to_exact(name, value)
    except ValueError as exc:
        raise ValueError(f"{exc}; {name} must lie in {rng}{meaning}") from None
    if not v.is_real or v.free_symbols:
        raise ValueError(f"{name} must be a real number in {rng}, got {value!r}")
    if (v <= low if low_open else v < low) or v >= high:
        raise ValueError(f"{name} must lie in {rng}{meaning}, got {value!r}")
    return v


def _check_form(form: str) -> None:
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")


def _model(model: str, form: str, bias: bool) -> tuple[sp.Expr, tuple]:
    expr = risk(model, form)
    conds = formula(f"risk.{model}.{form}").conditions
    if not bias:
        expr = expr.subs(VARIANCE_ONLY)
    return expr, conds


def _conditions(*groups, bias: bool = True) -> tuple:
    out = []
    for group in groups + (GEOMETRY_CONDITIONS, (BIAS_CONDITIONS if bias else ())):
        for c in group:
            if c not in out:
                out.append(c)
    return tuple(out)


def _tag(form: str, bias: bool) -> str:
    return f"{form}{'' if bias else '.variance_only'}"


def _cached(func):
    """Memoise a builder (the symbolic derivations cost seconds); unhashable arguments bypass
    the cache so that validation still raises its ValueError."""
    cached = lru_cache(maxsize=128)(func)

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            hash((args, tuple(sorted(kwargs.items()))))
        except TypeError:
            return func(*args, **kwargs)
        return cached(*args, **kwargs)

    wrapper.cache_clear = cached.cache_clear
    return wrapper


def _limit_at_infinity(expr, x):
    """Limit of a rational function of ``x`` as ``x -> oo`` from leading coefficients (what
    ``sympy.limit`` returns, without its cost on the many-symbol bias expressions)."""
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    p, q = sp.Poly(num, x), sp.Poly(den, x)
    if p.degree() < q.degree():
        return sp.S.Zero
    if p.degree() > q.degree():
        raise ValueError(f"{expr} is unbounded as {x} -> oo")
    return sp.cancel(p.LC() / q.LC())


def _linear_threshold(margin, x, offset, name, strict, conditions, description, defined=()):
    r"""Threshold for a margin of the form :math:`A - B/(x - \text{offset})`, B >= 0."""
    num, den = sp.fraction(sp.cancel(sp.together(margin)))
    # The numerator is linear in x; skip solve's simplification and checking passes (seconds
    # on the many-symbol bias expressions) -- the claims substitute the root back exactly.
    roots = tuple(sp.solve(num, x, simplify=False, check=False))
    a_inf = _limit_at_infinity(margin, x)
    b = sp.cancel(sp.together((a_inf - margin) * (x - offset)))
    if b.has(x):
        raise AssertionError(f"{name}: margin is not of the form A - B/(x - c)")
    if len(roots) != 1:
        # B = 0 identically: the margin does not depend on x; no threshold.
        return Threshold(name, x, margin, strict, None, sp.false, a_inf, (), conditions, defined,
                         roots, description, {"A": a_inf, "B": b})
    # Present x* = offset + B/A (the form the docstrings state); the claims and tests check
    # that it is the root sympy.solve returns.
    a_f, b_f = sp.factor(a_inf), sp.factor(b)
    crit = offset + b_f / a_f
    # margin = (A / (x - offset)) (x - x*): A > 0 and x > offset fix the sign.
    factors = (a_f, 1 / (x - offset))
    return Threshold(name, x, margin, strict, crit, sp.Gt(a_inf, 0), a_inf, factors,
                     conditions, defined, roots, description, {"A": a_inf, "B": b})


# --- beating the teacher ---------------------------------------------------------------------
@_cached
def pseudo_labels_to_beat_teacher(form: str = "exact", bias: bool = True) -> Threshold:
    r"""Pseudo-labels N above which the W2S student's expected risk is below the teacher's.

    The gain :math:`E\,\mathrm{ER}_w - E\,\mathrm{ER}_{w2s} = A - B/(N - d_s - 1)` (exact form)
    with

    .. math::
        A = \rho_w - b_{w2s} + \frac{(\sigma^2 + \rho_w)(d_w - d_{sw})}{n - d_w - 1},\qquad
        B = d_s\Big[\frac{(\sigma^2 + \rho_w)(d_w - d_{sw})}{n - d_w - 1} + m_{sw}\Big],

    so :math:`N^* = d_s + 1 + B/A` when :math:`A > 0`; no N suffices when :math:`A \le 0`.
    With :math:`\rho = 0` and :math:`d_{sw} < d_w`, :math:`N^* = 2 d_s + 1`. The paper form
    gives :math:`A - B/N` with its own A, B.

    Parameters
    ----------
    form : {"exact", "paper"}
    bias : bool
        ``False`` for the variance-only reading :math:`\rho = 0`.

    Returns
    -------
    Threshold
        In the variable ``N``; strict (``ER_w2s < ER_w``).
    """
    _check_form(form)
    ew, cw = _model("weak", form, bias)
    ex, cx = _model("w2s", form, bias)
    offset = d_s + 1 if form == "exact" else 0
    conds = _conditions(cw, cx, ((sp.Gt(N, offset),) if form == "paper" else ()), bias=bias)
    return _linear_threshold(
        ew - ex, N, offset, f"beat_teacher.{_tag(form, bias)}", True, conds,
        "pseudo-labels N above which E ER_w2s < E ER_w")


# --- PGR target --------------------------------------------------------------------------------
@_cached
def pseudo_labels_for_pgr(target_value=None, form: str = "exact", bias: bool = True) -> Threshold:
    r"""Pseudo-labels N at which the PGR (ratio of expected risks) reaches ``target``.

    PGR >= t iff :math:`\mathrm{num}(N) - t\,\mathrm{gap}(N) \ge 0` where
    :math:`\mathrm{num} = E\,\mathrm{ER}_w - E\,\mathrm{ER}_{w2s}` and
    :math:`\mathrm{gap} = E\,\mathrm{ER}_w - E\,\mathrm{ER}_c > 0` (required: PGR is defined
    only for a positive gap). Multiplying by the positive denominators gives a quadratic in
    N. When its leading coefficient :math:`A - tG` is positive (t below the
    :math:`N \to \infty` limit :math:`A/G`), its larger root is the threshold. When
    :math:`t \ge A/G` the set where PGR >= t is bounded or empty: in the exact form it is
    *not* always empty, because the ceiling also improves with N (see ``notes/complexity.md``).

    Parameters
    ----------
    target_value : float, Rational or None
        PGR target in :math:`(0, \infty)`; ``None`` leaves it symbolic (``target``).
    form : {"exact", "paper"}
    bias : bool

    Raises
    ------
    ValueError
        If ``target_value`` is not a finite real number in :math:`(0, \infty)`.
    """
    _check_form(form)
    t = _validate_target("target", target_value, meaning=" (a PGR target; PGR <= 0 only asks "
                         "W2S not to lose to the teacher, see pseudo_labels_to_beat_teacher)")
    t = target if t is None else t
    ew, cw = _model("weak", form, bias)
    ec, cc = _model("ceiling", form, bias)
    ex, cx = _model("w2s", form, bias)
    num, gap = ew - ex, ew - ec
    margin = num - t * gap
    offset = d_s + 1 if form == "exact" else 0
    conds = _conditions(cw, cc, cx, ((sp.Gt(N, offset),) if form == "paper" else ()), bias=bias)
    # Positive multiplier turning the margin into a polynomial in N.
    mult = (N - offset) * (n + N - d_s - 1 if form == "exact" else n + N)
    poly = sp.Poly(sp.expand(sp.cancel(margin * mult)), N)
    if poly.degree() != 2:
        raise AssertionError("PGR margin is not quadratic in N")
    a2, a1, a0 = poly.all_coeffs()
    disc = a1**2 - 4 * a2 * a0
    crit = (-a1 + sp.sqrt(disc)) / (2 * a2)
    # sympy.roots is the polynomial solver behind sympy.solve, minus solve's checking pass.
    roots = tuple(sp.roots(poly, multiple=True))
    limit = sp.factor(sp.cancel(_limit_at_infinity(num, N) / _limit_at_infinity(gap, N)))
    name = f"pgr_target.{_tag(form, bias)}"
    return Threshold(
        name, N, margin, False, crit, sp.Gt(a2, 0), limit, (),
        conds, (sp.Gt(gap, 0),), roots,
        "pseudo-labels N at which PGR = (E ER_w - E ER_w2s)/(E ER_w - E ER_c) >= target",
        {"polynomial": poly, "multiplier": mult, "numerator": num, "gap": gap, "target": t})


# --- OPR target --------------------------------------------------------------------------------
@_cached
def labels_for_opr(target_value=None, form: str = "exact", bias: bool = True) -> Threshold:
    r"""Labels n at which OPR = E ER_s / E ER_w2s reaches ``target`` (N held fixed).

    OPR >= t iff :math:`E\,\mathrm{ER}_s - t\,E\,\mathrm{ER}_{w2s} \ge 0`. In the exact form
    both risks are of the form :math:`c + k/(n - d - 1)`, so after multiplying by
    :math:`(n - d_s - 1)(n - d_w - 1)` the margin is a quadratic in n. Its
    :math:`n \to \infty` limit is :math:`\rho_s - t\,(b_{w2s} + d_s m_{sw}/(N - d_s - 1))`
    (biased case) or, for :math:`\rho = 0`, OPR tends to :math:`d_s / d_{swN}` with
    :math:`d_{swN} = d_{sw} + d_s (d_w - d_{sw})/(N - d_s - 1)`.

    Parameters
    ----------
    target_value : float, Rational or None
        OPR target in :math:`(0, \infty)`; ``None`` leaves it symbolic.
    form : {"exact", "paper"}
    bias : bool

    Raises
    ------
    ValueError
        If ``target_value`` is not a finite real number in :math:`(0, \infty)`.
    """
    _check_form(form)
    t = _validate_target("target", target_value, meaning=" (an OPR target)")
    t = target if t is None else t
    es, cs = _model("strong", form, bias)
    ex, cx = _model("w2s", form, bias)
    margin = es - t * ex
    conds = _conditions(cs, cx, bias=bias)
    mult = (n - d_s - 1) * (n - d_w - 1) if form == "exact" else n * (n - d_w - 1)
    poly = sp.Poly(sp.expand(sp.cancel(margin * mult)), n)
    roots = tuple(sp.roots(poly, multiple=True))
    coeffs = poly.all_coeffs()
    if poly.degree() == 2:
        a2, a1, a0 = coeffs
        crit = (-a1 + sp.sqrt(a1**2 - 4 * a2 * a0)) / (2 * a2)
        exists = sp.Gt(a2, 0)
    else:
        a1, a0 = coeffs[-2:]
        crit, exists = -a0 / a1, sp.Gt(a1, 0)
    limit = sp.factor(_limit_at_infinity(es / ex, n))
    return Threshold(
        f"opr_target.{_tag(form, bias)}", n, margin, False, crit, exists, limit, (),
        conds, (), roots, "labels n at which OPR = E ER_s / E ER_w2s >= target",
        {"polynomial": poly, "multiplier": mult, "target": t})


# --- risk target -------------------------------------------------------------------------------
@_cached
def labels_to_reach_risk(model: str, eps_value=None, form: str = "exact", bias: bool = True,
                         pseudo_labels=None) -> Threshold:
    r"""Labels n with which ``model`` reaches expected excess risk at most ``eps``.

    For the teacher :math:`n^*_w = d_w + 1 + (\sigma^2 + \rho_w) d_w / (\varepsilon - \rho_w)`,
    for the strong baseline :math:`n^*_s = d_s + 1 + (\sigma^2 + \rho_s) d_s/(\varepsilon - \rho_s)`,
    for the ceiling the same with n replaced by n + N, and for the W2S student (N pseudo-labels)

    .. math::
        n^*_{w2s} = d_w + 1 + \frac{(\sigma^2 + \rho_w)\, d_{swN}}
        {\varepsilon - b_{w2s} - d_s m_{sw}/(N - d_s - 1)},\quad
        d_{swN} = d_{sw} + \frac{d_s (d_w - d_{sw})}{N - d_s - 1}.

    Each exists iff :math:`\varepsilon` exceeds the model's :math:`n \to \infty` risk.

    Parameters
    ----------
    model : {"weak", "strong", "ceiling", "w2s"}
    eps_value : float, Rational or None
        Excess-risk target in :math:`(0, \infty)`; ``None`` leaves it symbolic (``eps``).
    form : {"exact", "paper"}
    bias : bool
    pseudo_labels : None, int or ``sympy.oo``
        For ``"w2s"`` and ``"ceiling"``: a fixed N (``None`` keeps the symbol ``N``,
        ``sympy.oo`` the unlimited-pseudo-label limit, W2S only).

    Raises
    ------
    ValueError
        If ``model`` is unknown or ``eps_value`` is not a finite real number in
        :math:`(0, \infty)`.
    """
    _check_form(form)
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    e = _validate_target("eps", eps_value, meaning=" (an excess-risk target)")
    e = eps if e is None else e
    expr, conds = _model(model, form, bias)
    conds = _conditions(conds, bias=bias)
    if pseudo_labels is not None:
        if pseudo_labels is sp.oo:
            if model != "w2s":
                raise ValueError("pseudo_labels=oo is meaningful only for model='w2s'")
            expr = _limit_at_infinity(expr, N)
            conds = tuple(c for c in conds if N not in c.free_symbols)
        else:
            nn = _validate_target("pseudo_labels", pseudo_labels)
            expr = expr.subs(N, nn)
            conds = tuple(c.subs(N, nn) for c in conds)
            conds = tuple(c for c in conds if c is not sp.true)
    margin = e - expr
    offset = {"weak": d_w + 1, "strong": d_s + 1, "w2s": d_w + 1,
              "ceiling": d_s + 1 - N}[model] if form == "exact" else 0
    if model == "ceiling" and pseudo_labels is not None and form == "exact":
        offset = offset.subs(N, pseudo_labels)
    if form == "paper" and model == "ceiling":
        offset = -(N if pseudo_labels is None else pseudo_labels)
    if form == "paper" and model == "w2s":
        offset = d_w + 1
    suffix = "" if pseudo_labels is None else f".N={pseudo_labels}"
    th = _linear_threshold(margin, n, offset, f"risk_target.{model}.{_tag(form, bias)}{suffix}",
                           False, conds, f"labels n with which E ER_{model} <= eps")
    return th


@_cached
def label_saving(eps_value=None, form: str = "exact", bias: bool = True, pseudo_labels=sp.oo):
    r"""Labels saved by W2S over the strong baseline at excess-risk target ``eps``.

    Returns
    -------
    dict
        ``difference`` :math:`n^*_s - n^*_{w2s}`, ``ratio`` :math:`n^*_s / n^*_{w2s}`, and
        ``ratio_limit`` (the ratio as :math:`\varepsilon \to 0`, variance-only: it is
        :math:`d_s / d_{sw}` with unlimited pseudo-labels), with the two thresholds.
    """
    ts = labels_to_reach_risk("strong", eps_value, form, bias)
    tx = labels_to_reach_risk("w2s", eps_value, form, bias, pseudo_labels=pseudo_labels)
    diff = sp.factor(sp.cancel(sp.together(ts.critical - tx.critical)))
    ratio = sp.factor(sp.cancel(sp.together(ts.critical / tx.critical)))
    e = eps if eps_value is None else None
    ratio_limit = sp.simplify(sp.limit(ratio, e, 0)) if (e is not None and not bias) else None
    return {"difference": diff, "ratio": ratio, "ratio_limit": ratio_limit,
            "strong": ts, "w2s": tx}


# --- the (n, N) region where W2S beats the strong baseline --------------------------------------
@dataclass(frozen=True)
class Region:
    r"""The part of the (n, N) plane where :math:`E\,\mathrm{ER}_{w2s} < E\,\mathrm{ER}_s`.

    Attributes
    ----------
    boundary : sympy.Expr
        :math:`N_b(n)`: for each n with ``n_condition`` true, OPR > 1 exactly when
        :math:`N > N_b(n)`.
    n_condition : sympy.Boolean
        :math:`A'(n) > 0`; where it fails no N makes OPR > 1.
    threshold : Threshold
        The same statement as a threshold in N at fixed n.
    conditions : tuple
    """

    boundary: sp.Expr
    n_condition: sp.Basic
    threshold: Threshold
    conditions: tuple
    description: str = ""

    def contains(self, **values) -> bool:
        """Exact membership of a point (``n`` and ``N`` included in ``values``)."""
        return self.threshold.holds(**values)


@_cached
def opr_region(form: str = "exact", bias: bool = True) -> Region:
    r"""Region of the (n, N) plane where OPR > 1 (W2S beats the strong baseline).

    :math:`E\,\mathrm{ER}_s - E\,\mathrm{ER}_{w2s} = A'(n) - B(n)/(N - d_s - 1)` with the same
    B as in :func:`pseudo_labels_to_beat_teacher` and
    :math:`A'(n) = E\,\mathrm{ER}_s - b_{w2s} - (\sigma^2 + \rho_w) d_{sw}/(n - d_w - 1)`.
    Hence OPR > 1 iff :math:`A'(n) > 0` and :math:`N > N_b(n) = d_s + 1 + B/A'`. For
    :math:`\rho = 0`:

    .. math::
        N_b(n) = d_s + 1 + \frac{d_s (d_w - d_{sw})(n - d_s - 1)}
        {d_s (n - d_w - 1) - d_{sw} (n - d_s - 1)}.
    """
    _check_form(form)
    es, cs = _model("strong", form, bias)
    ex, cx = _model("w2s", form, bias)
    offset = d_s + 1 if form == "exact" else 0
    conds = _conditions(cs, cx, ((sp.Gt(N, offset),) if form == "paper" else ()), bias=bias)
    th = _linear_threshold(es - ex, N, offset, f"opr_gt_1.{_tag(form, bias)}", True, conds,
                           "pseudo-labels N above which E ER_w2s < E ER_s (OPR > 1)")
    # The n-range of A'(n) > 0 stays a condition here; at concrete values of the other
    # parameters, n_range_for_opr solves it exactly.
    return Region(th.critical, th.exists, th, conds,
                  "(n, N) with OPR > 1: n_condition and N > boundary")


def n_range_for_opr(form: str = "exact", **values) -> sp.Set:
    """Exact set of n (at concrete values of everything but n and N) on which some N gives
    OPR > 1, from ``reduce_rational_inequalities`` of :math:`A'(n) > 0` on the valid domain."""
    reg = opr_region(form, bias=True)
    subs = exact_values({k: v for k, v in values.items() if k not in ("n", "N")})
    X = sp.Dummy("n", real=True)
    rels = [X > 0]
    for c in reg.conditions:
        if n in c.free_symbols and N not in c.free_symbols:
            rels.append(_in_dummy(c.func, c.lhs - c.rhs, subs, n, X))
    rels.append(_in_dummy(sp.StrictGreaterThan, reg.threshold.extras["A"], subs, n, X))
    return reduce_rational_inequalities([rels], X, relational=False)


__all__ = [
    "FORMS", "STATUSES", "VARIANCE_ONLY", "BIAS_CONDITIONS", "Threshold", "Verdict", "Region",
    "pseudo_labels_to_beat_teacher", "pseudo_labels_for_pgr", "labels_for_opr",
    "labels_to_reach_risk", "label_saving", "opr_region", "n_range_for_opr", "target", "eps",
    "exact_values",
]
