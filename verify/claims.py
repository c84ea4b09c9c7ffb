r"""Claims: what the verifier checks, and the protocol every kind of check follows.

Three kinds of claim, all subclasses of :class:`CustomClaim`:

* :class:`Claim` -- an expectation claim about a simulated quantity (``weak``, ``strong``,
  ``ceiling``, ``w2s``, ``misfit`` risks, or the ratios of expected risks ``pgr`` and ``opr``)
  against a SymPy expression, relation ``eq`` / ``le`` / ``ge`` / ``approx``;
* :class:`SymbolicClaim` -- an identity, bound or limit proved by SymPy, with a
  high-precision numeric spot check;
* :class:`CustomClaim` -- anything else (two one-sided tests at a threshold, a fitted
  exponent's confidence interval, an exact-rational counterexample search ...).

Protocol (see also ``notes/verify.md``)
---------------------------------------
A claim is run by the runner as ``claim.run(ctx)`` with a :class:`verify.context.Context`,
and returns a list of :class:`Observation`. An observation is either

* *statistical* (``alternative`` in ``two-sided | less | greater | equivalence``): it carries
  ``estimate``, ``stderr``, ``theory``, ``scale`` (the unit of deviations and power, usually
  ``|theory|``), ``resolution`` (the largest acceptable minimum detectable deviation, in units
  of ``scale``) and ``p_value`` -- the p-value of the test whose rejection means *the claim is
  false*. The runner puts every such p-value of every claim into ONE Holm family at the run's
  family-wise level ``alpha`` and then sets the status (:func:`verify.stats.decide`): rejected
  -> ``fail``; else ``pass`` if the observation has enough power (MDE <= resolution; not for
  equivalence) or is confirmed (its ``pass_p_value``, the p-value of a confirmatory test such as
  TOST or a strict bound, is at most ``alpha / m``); else ``inconclusive``. Claims must NOT set ``status`` on statistical
  observations; or
* *deterministic* (``alternative="none"``): the claim sets ``status`` itself (symbolic proofs,
  exact-rational searches). Deterministic observations are not in the Holm family.

Helpers that build observations: :meth:`Observation.test` (from an estimate and its SE) and
:meth:`Observation.check` (deterministic). ``ctx`` gives deterministic seeds
(``ctx.seed_sequence(*key)``), deterministic Hypothesis draws (``ctx.draw(strategy, k, key)``),
cached simulations (``ctx.simulate(config, trials)``), expression evaluation
(``ctx.evaluate(expr, geometry)``), and the run settings (``ctx.alpha``, ``ctx.power``,
``ctx.planning_level``, ``ctx.quick``, ``ctx.trials``, ``ctx.trials_budget``, ``ctx.examples``).
Estimates from the simulated trials and adaptive trial counts: :mod:`verify.measurement`
(``estimate(ctx, config, quantity, trials)``, ``adaptive_estimate(ctx, measure, scale, ...)``).

``expect="fail"`` marks a *known-false* claim (a confirmed refutation): the run counts it as
having its expected outcome when it fails. Exit code 0 means every claim had its expected outcome.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import math
import os
import traceback

import sympy as sp

import theory
from theory.formulas import MEANS, RATIOS
from theory.symbols import BY_NAME
from verify.expectation import observe_claim, shrink_expectation
from verify.observation import NUMERICAL_FLOOR, RELATION_ALTERNATIVE, STATUSES, Observation
from verify.oracle import consult
from verify.planning import plan_configs
from verify.strategies import as_regime, check_law
from verify.symbolic import run_symbolic

QUANTITIES = MEANS + RATIOS
"""What an expectation claim may be about."""
RELATIONS = ("eq", "le", "ge", "approx")
SYMBOLIC_RELATIONS = ("eq", "le", "ge", "lt", "gt", "limit")
EXPECTS = ("pass", "fail")


class CustomClaim:
    """Base class of every claim; subclass it for custom checks.

    Subclasses set ``name`` (unique, dotted, e.g. ``"complexity.n_star.pgr"``) and implement
    :meth:`run`; they may override :meth:`plan`.

    Attributes
    ----------
    name : str
    source : str
        Where the claim comes from (``"theory.md §4"``, ``"paper Thm 3"`` ...).
    description : str
    expect : {"pass", "fail"}
        ``"fail"`` registers a known-false claim (a refutation the run confirms).
    kind : str
        ``"custom"``, ``"expectation"`` or ``"symbolic"`` (for reports).

    Protocol
    --------
    ``plan(ctx) -> int``: how many statistical hypotheses :meth:`run` will emit (an upper bound
    is fine). The runner sums the plans of all selected claims into ``m_planned`` and sets
    ``ctx.planning_level = alpha / m_planned``, the level at which checks size their trial
    counts (:func:`verify.measurement.adaptive`). Default: ``ctx.examples``.

    ``run(ctx) -> list[Observation]``: perform the check. Statistical observations come from
    :meth:`Observation.test` and are left without a status; deterministic ones come from
    :meth:`Observation.check`. Randomness must come from ``ctx.seed_sequence(...)`` or
    ``ctx.simulate(...)`` so that the run is reproducible. An exception is reported as an
    ``error`` observation (status ``inconclusive``) and does not stop the run, except an
    ``OSError``: an I/O error of the run (a full run folder), not an outcome of the claim,
    which stops it.

    ``counterexample(ctx, observation) -> dict | None``: optional; called for a failing
    observation to shrink it to a minimal counterexample. Default: ``None`` (the failing
    observation's own config is reported).
    """

    name: str = ""
    source: str = ""
    description: str = ""
    expect: str = "pass"
    kind: str = "custom"

    def __init__(self, name: str | None = None, *, source: str | None = None,
                 description: str | None = None, expect: str | None = None):
        if name is not None:
            self.name = name
        if source is not None:
            self.source = source
        if description is not None:
            self.description = description
        if expect is not None:
            self.expect = expect
        _validate_name(self.name)
        if self.expect not in EXPECTS:
            raise ValueError(f"expect must be one of {EXPECTS}, got {self.expect!r}")

    def plan(self, ctx) -> int:
        return int(ctx.examples)

    def run(self, ctx) -> list[Observation]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.run")

    def counterexample(self, ctx, observation: Observation) -> dict | None:
        return None

    def describe(self) -> dict:
        """JSON-serialisable description of the claim (for reports)."""
        return {"name": self.name, "kind": self.kind, "source": self.source,
                "description": self.description, "expect": self.expect}

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


def _validate_name(name) -> None:
    if not isinstance(name, str) or not name or any(c.isspace() for c in name):
        raise ValueError(f"name must be a non-empty string without whitespace, got {name!r}")


def _as_expr(expr) -> tuple[sp.Expr, str | None]:
    """A SymPy expression from an expression, a number or a registered formula name."""
    if isinstance(expr, str):
        rec = theory.formula(expr)
        if rec is None:
            raise ValueError(f"expr {expr!r} is not a registered formula name "
                             f"(see theory.registered_names())")
        return rec.expr, expr
    try:
        e = sp.sympify(expr)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"expr must be a SymPy expression or a formula name, got {expr!r}") from exc
    rec = theory.formula(e)
    return e, (rec.name if rec is not None else None)


def _known_symbols(expr, what: str) -> None:
    """Reject, at construction, an expression in symbols no configuration supplies (a typo
    would otherwise end as an INCONCLUSIVE claim after the whole simulation)."""
    unknown = sorted(s.name for s in getattr(expr, "free_symbols", ()) if s.name not in BY_NAME)
    if unknown:
        raise ValueError(f"{what} uses unknown symbol(s) {unknown}; the known ones are "
                         f"{sorted(BY_NAME)}")


class Claim(CustomClaim):
    r"""An expectation claim: ``E[quantity]`` (or a ratio of expected risks) against ``expr``.

    Parameters
    ----------
    name : str
    quantity : {"weak", "strong", "ceiling", "w2s", "pgr", "opr", "misfit"}
        ``pgr`` and ``opr`` are ratios of expected risks, estimated as ratios of means with
        delta-method standard errors.
    expr : sympy.Expr or str
        Expression in the ``theory.symbols`` symbols, or a registered formula name.
    relation : {"eq", "le", "ge", "approx"}
        ``eq``: :math:`E = \text{expr}` (two-sided); ``le``/``ge``: :math:`E \le` / :math:`\ge`
        expr (one-sided); ``approx``: :math:`|E - \text{expr}| \le \tau |\text{expr}|` (equivalence).
    regime : verify.strategies.Regime, dict, callable or None
        Restricts the configurations (a Regime, keyword arguments of one, or a predicate on the
        geometry dict applied on top of the default regime).
    tolerance : float or sympy.Expr
        Relative tolerance :math:`\tau` of an ``approx`` claim (may be an expression).
    features : {"gaussian", "rademacher", "student-t:<df>"}
    resolution : float, optional
        Target MDE in units of ``scale`` (default: the run's, 0.05 relative).
    scale : float, sympy.Expr or str, optional
        Unit of deviations (default ``|expr|``; a registered formula name is allowed), e.g. 1
        for PGR, whose value may be near 0.
    examples : int, optional
        Number of configurations to draw at random (default: the run's).
    fragile : int, optional
        Number of power-seeking configurations chosen from the formula (default: the run's,
        ``Context.fragile``; 0 for none).
    expect : {"pass", "fail"}
    """

    kind = "expectation"

    def __init__(self, name, quantity, expr, relation="eq", regime=None, source="", description="",
                 tolerance=None, features="gaussian", *, resolution=None, scale=None, examples=None,
                 fragile=None, expect="pass"):
        super().__init__(name, source=source, description=description, expect=expect)
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
        if relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
        check_law(features, "features")
        if relation == "approx":
            if tolerance is None:
                raise ValueError("tolerance is required for relation 'approx' (a relative tolerance > 0)")
            tol = sp.sympify(tolerance)
            if tol.is_number and not float(tol) > 0:
                raise ValueError(f"tolerance must be > 0, got {tolerance!r}")
        elif tolerance is not None:
            raise ValueError(f"tolerance applies only to relation 'approx', not {relation!r}")
        if resolution is not None and not (0 < resolution < math.inf):
            raise ValueError(f"resolution must be > 0, got {resolution!r}")
        if examples is not None and (not isinstance(examples, int) or examples < 1):
            raise ValueError(f"examples must be an integer >= 1, got {examples!r}")
        if fragile is not None and (not isinstance(fragile, int) or isinstance(fragile, bool) or fragile < 0):
            raise ValueError(f"fragile must be an integer >= 0, got {fragile!r}")
        self.quantity = quantity
        self.expr, self.formula_name = _as_expr(expr)
        _known_symbols(self.expr, "expr")
        self.relation = relation
        self.tolerance = None if tolerance is None else sp.sympify(tolerance)
        self.features = features
        self.resolution = resolution
        self.scale = None if scale is None else _as_expr(scale)[0]
        if self.scale is not None:
            _known_symbols(self.scale, "scale")
        if self.tolerance is not None:
            _known_symbols(self.tolerance, "tolerance")
        self.examples = examples
        self.fragile = fragile
        self.regime = as_regime(regime, features=features)

    def plan(self, ctx) -> int:
        # random draws + power-seeking configurations
        return int(self.examples or ctx.examples) + int(ctx.fragile if self.fragile is None else self.fragile)

    def run(self, ctx) -> list[Observation]:
        """The claim's observations, in one direction (:mod:`verify.expectation`): plan the
        configurations from the formula alone, ask the oracle, then simulate and observe with
        the oracle's verdict handed in. The runner decides (:func:`verify.stats.decide`)."""
        planned = plan_configs(self, ctx)                 # 1. plan
        verdict = consult(self, ctx, planned)             # 2. the exact theory's verdict, or None
        return observe_claim(self, ctx, planned, verdict)  # 3. simulate and observe

    def counterexample(self, ctx, observation):
        return shrink_expectation(self, ctx, observation)

    def describe(self) -> dict:
        d = super().describe()
        d.update(quantity=self.quantity, relation=self.relation, expr=str(self.expr),
                 latex=sp.latex(self.expr), formula=self.formula_name, features=self.features,
                 tolerance=None if self.tolerance is None else str(self.tolerance),
                 regime=self.regime.describe())
        return d


class SymbolicClaim(CustomClaim):
    r"""A symbolic claim, proved by SymPy and spot-checked numerically at high precision.

    Parameters
    ----------
    name : str
    lhs, rhs : sympy.Expr or str (registered formula name)
    relation : {"eq", "le", "ge", "lt", "gt", "limit"}
        ``eq``: ``simplify(lhs - rhs) == 0``. ``le``/``ge``/``lt``/``gt``: the sign of
        ``lhs - rhs`` is decided by SymPy's assumptions (after ``subs``), e.g. a factorised
        difference of positive factors. ``limit``: :math:`\lim_{v \to p} \text{lhs} = \text{rhs}`
        with ``variable``/``point`` (``point`` may be ``sympy.oo``).
    subs : dict, optional
        Substitutions applied to both sides first (special cases such as ``{d_sw: d_w}``).
    variable, point : limit variable and point (``relation="limit"``).
    spot_checks : int
        Number of random points (satisfying the conditions) for the numeric check at
        ``prec`` digits; a mismatch beyond :math:`10^{-(prec-10)}` relative fails the claim.
    prec : int
        mpmath precision (decimal digits).

    A claim SymPy cannot prove but every spot check supports is ``inconclusive``, never ``pass``.
    """

    kind = "symbolic"

    def __init__(self, name, lhs, rhs, relation="eq", *, subs=None, variable=None, point=None,
                 source="", description="", spot_checks=5, prec=50, expect="pass"):
        super().__init__(name, source=source, description=description, expect=expect)
        if relation not in SYMBOLIC_RELATIONS:
            raise ValueError(f"relation must be one of {SYMBOLIC_RELATIONS}, got {relation!r}")
        if relation == "limit" and (variable is None or point is None):
            raise ValueError("relation 'limit' needs variable and point")
        if not isinstance(spot_checks, int) or spot_checks < 0:
            raise ValueError(f"spot_checks must be an integer >= 0, got {spot_checks!r}")
        if not isinstance(prec, int) or prec < 20:
            raise ValueError(f"prec must be an integer >= 20, got {prec!r}")
        self.lhs, self.lhs_name = _as_expr(lhs)
        self.rhs, self.rhs_name = _as_expr(rhs)
        self.relation = relation
        self.subs = {sp.sympify(k): sp.sympify(v) for k, v in (subs or {}).items()}
        self.variable = variable
        self.point = None if point is None else sp.sympify(point)
        self.spot_checks = spot_checks
        self.prec = prec

    def plan(self, ctx) -> int:
        return 0

    def run(self, ctx) -> list[Observation]:
        return run_symbolic(self, ctx)

    def describe(self) -> dict:
        d = super().describe()
        d.update(relation=self.relation, lhs=str(self.lhs), rhs=str(self.rhs),
                 subs={str(k): str(v) for k, v in self.subs.items()},
                 variable=None if self.variable is None else str(self.variable),
                 point=None if self.point is None else str(self.point))
        return d


def load_claims_file(path) -> list[CustomClaim]:
    """Claims from a user's Python file defining a module-level list ``CLAIMS``.

    The file is executed as Python (also for ``--list``). Every problem is a ``ValueError``
    naming the file (and the line, where there is one): a missing path or a folder, bytes that
    are not UTF-8, a syntax error, an exception while executing it, a ``CLAIMS`` that is missing,
    empty or holds something other than claims.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"claims file {path!r} is a folder, not a Python file")
    if not os.path.isfile(path):
        raise ValueError(f"claims file {path!r} does not exist")
    try:
        with open(path, "rb") as f:
            f.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"claims file {path!r} is not UTF-8 text (byte {exc.start}: "
                         f"{exc.reason})") from None
    except OSError as exc:
        raise ValueError(f"claims file {path!r} cannot be read: {exc.strerror or exc}") from None
    spec = importlib.util.spec_from_file_location(f"_verify_user_claims_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"claims file {path!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ValueError(f"claims file {path!r}, line {exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - the user's code: any exception is reported
        raise ValueError(f"claims file {path!r}, line {_user_line(exc, path)}: "
                         f"{type(exc).__name__}: {exc}") from None
    claims = getattr(module, "CLAIMS", None)
    if not isinstance(claims, (list, tuple)):
        raise ValueError(f"claims file {path!r} must define a module-level list CLAIMS")
    if not claims:
        raise ValueError(f"claims file {path!r} defines an empty CLAIMS: nothing to check")
    for c in claims:
        if not isinstance(c, CustomClaim):
            raise ValueError(f"claims file {path!r}: CLAIMS entries must be verify claims, got {c!r}")
    return list(claims)


def _user_line(exc: BaseException, path: str):
    """The last line of ``path`` in the traceback of ``exc`` ("?" if it is not there)."""
    line = "?"
    for fr in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(fr.filename) == os.path.abspath(path):
            line = fr.lineno
    return line


def select(claims, only=None, patterns=None) -> list[CustomClaim]:
    """Claims whose name equals one of ``only`` or matches one of the fnmatch ``patterns``
    (all claims when both are empty). Unknown ``only`` names raise ``ValueError``."""
    claims = list(claims)
    names = [c.name for c in claims]
    dup = {x for x in names if names.count(x) > 1}
    if dup:
        raise ValueError(f"duplicate claim names: {sorted(dup)}")
    only = list(only or [])
    patterns = list(patterns or [])
    missing = [o for o in only if o not in names]
    if missing:
        raise ValueError(f"--only: unknown claim name(s) {missing}")
    if not only and not patterns:
        return claims
    out = [c for c in claims if c.name in only or any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    if not out:
        raise ValueError(f"--claims: no claim matches {patterns}")
    return out


__all__ = [
    "Claim", "SymbolicClaim", "CustomClaim", "load_claims_file", "select", "QUANTITIES", "RELATIONS",
    "SYMBOLIC_RELATIONS", "EXPECTS",
    # the observation, defined in verify.observation, is part of the claim protocol
    "Observation", "STATUSES", "NUMERICAL_FLOOR", "RELATION_ALTERNATIVE",
]
