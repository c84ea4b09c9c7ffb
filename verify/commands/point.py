"""Every form of the theory next to the simulation, for one scenario file.

Usage: ``python -m verify point SCENARIO_FILE [--json] [--engine auto|wishart|samples]
[--trials T] [--seed S] [--alpha A]``.

``SCENARIO_FILE`` is a TOML or JSON scenario (``numeric.Scenario.save``). The output (``--json``:
one JSON object on stdout) holds ``scenario`` (inputs and derived geometry), ``regime`` (which
regime of ``theory.regimes`` applies to each model: OLS, interpolating, or an infinite
expectation within one sample of a threshold), ``infinite`` (quantities whose exact expectation
is infinite: flagged, never tested), ``caveats`` (e.g. Gaussian-feature values for non-Gaussian
features), ``theory`` (forms ``exact``, from the piecewise risks of every regime, and ``paper``,
each keyed by ``weak, strong, ceiling, w2s, pgr, opr``, plus the paper's lower bounds under
``bound``), ``simulation`` (engine, trials, seed, means and standard errors,
PGR/OPR of mean risks and means of per-trial PGR/OPR) and ``deviation`` (per quantity, relative
errors and tests). Exit status: 0 the simulation agrees with the exact theory (two-sided tests,
Holm at ``--alpha`` across the defined quantities); 1 it does not; 2 usage error; 3 inconclusive:
fewer than ``verify.stats.MIN_TRIALS`` (100) trials, below which the tests are not valid for
the skewed, heavy-tailed per-trial risks and are not run.

The tests are Hall's skewness-corrected studentised tests (``verify.stats``), which hold their
level for the right-skewed per-trial risks near ``n ~ d``; Student's t test at 10 trials
rejected the exact theory of a true scenario with ``n - d_w - 1 = N - d_s - 1 = 5`` in 30 of
100 seeds at ``--alpha 0.05`` (``notes/false-alarm-level.md``).
"""
from __future__ import annotations

import json

from verify.exitcodes import ExitCode, usage_error

ENGINES = ("auto", "wishart", "samples")
DEFAULT_SEED = 20250205
_RATIO_PARTS = {"pgr": ("weak", "w2s", "ceiling"), "opr": ("strong", "w2s")}


def add_arguments(parser):
    parser.add_argument("scenario", metavar="SCENARIO_FILE", help="scenario file (.toml or .json)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="simulation engine (default: auto = wishart for Gaussian laws)")
    parser.add_argument("--trials", type=int, default=400,
                        help="Monte Carlo trials (default 400). The tests (Hall's skewness-"
                             "corrected, two-sided, Holm at --alpha) need at least 100 trials: "
                             "below that nothing is tested, the checks are inconclusive and the "
                             "exit status is 3")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="root seed (default %(default)s, like the other commands)")
    parser.add_argument("--alpha", type=float, default=0.001,
                        help="family-wise false-alarm rate of the checks (default 0.001)")


def _fmt(v, spec=".6g"):
    return "undefined" if v is None else format(v, spec)


#: Below this |exact| value a ratio (PGR, OPR: scale 1) is compared in absolute terms: a relative
#: error of a quantity near 0 ("+491 %") says nothing about how far apart the two values are.
NEAR_ZERO = 0.1


def paper_vs_exact(q: str, d: dict) -> str:
    """The paper form's deviation from the exact value: relative, or absolute for a ratio near 0."""
    if d["exact"] is None or d["paper"] is None:
        return "—"
    if q in ("pgr", "opr") and abs(d["exact"]) < NEAR_ZERO:
        return f"{d['paper_minus_exact']:+.3g} abs"
    return "—" if d["rel_paper_vs_exact"] is None else f"{d['rel_paper_vs_exact']:+.2%}"


def _exact_cell(q, d, infinite):
    return "infinite" if q in infinite else _fmt(d["exact"])


def _text(rec: dict) -> str:
    sc, sim = rec["scenario"], rec["simulation"]
    geo = ", ".join(f"{k}={_fmt(sc.get(k))}" for k in ("d_s", "d_w", "d_sw", "n", "N", "sigma2",
                                                       "rho_s", "rho_w", "b_w2s", "m_sw"))
    gaussian = not rec["caveats"]
    exact_head = "exact" if gaussian else "exact(Gauss)"
    infinite = set(rec["infinite"])
    lines = [f"scenario: {geo}"
             + ("" if gaussian else f"; features {sc.get('features')}"),
             f"simulation: engine {sim['engine']}, {sim['trials']} trials, seed {sim['seed']}",
             "regimes (exact values from theory.regimes, notes/regimes.md): "
             + "; ".join(f"{m} {r}" for m, r in rec["regime"].items() if m != "w2s"),
             f"  w2s: {rec['regime']['w2s']}", "",
             f"{'quantity':<9} {exact_head:>12} {'paper':>12} {'simulated':>12} {'SE':>10} "
             f"{'z vs exact':>10} {'paper-exact':>11}"]
    for q, d in rec["deviation"].items():
        z = "—" if d["z_vs_exact"] is None else f"{d['z_vs_exact']:+.2f}"
        lines.append(f"{q:<9} {_exact_cell(q, d, infinite):>12} {_fmt(d['paper']):>12} "
                     f"{_fmt(d['simulated']):>12} {_fmt(d['se'], '.3g'):>10} {z:>10} "
                     f"{paper_vs_exact(q, d):>11}")
    lines += ["", "PGR/OPR above are ratios of mean risks (theory: ratios of expectations); "
              "means of per-trial ratios: "
              f"PGR {_fmt(sim['mean_of_pgr'])} ± {_fmt(sim['mean_of_pgr_se'], '.3g')}, "
              f"OPR {_fmt(sim['mean_of_opr'])} ± {_fmt(sim['mean_of_opr_se'], '.3g')}. "
              f"paper-exact: relative, or absolute (abs) for a PGR/OPR with |exact| < {NEAR_ZERO}."]
    for q in rec["infinite"]:
        if q in rec["regime"]:
            lines.append(f"exact {q} is INFINITE ({rec['regime'][q]}): a fit is within one sample "
                         f"of its interpolation threshold; the simulated mean estimates nothing "
                         f"(infinite variance) and is not tested")
        else:
            parts = [p for p in _RATIO_PARTS[q] if p in rec["infinite"]]
            lines.append(f"exact {q} has no finite value: a ratio involving the infinite "
                         f"expectation of {', '.join(parts)}; not tested")
    for form, bad in rec["undefined"].items():
        for q, conds in bad.items():
            lines.append(f"{form} {q} undefined: needs {', '.join(conds)}")
    for caveat in rec["caveats"]:
        lines.append(f"caveat: {caveat}")
    chk = rec["checks"]
    if chk["inconclusive"]:
        lines.append(f"checks: inconclusive, not tested: {', '.join(chk['inconclusive'])} "
                     f"({sim['trials']} trials; the tests need at least {chk['min_trials']})")
    else:
        lines.append(f"checks: {len(chk['rejected'])} of {chk['tests']} tests against the exact theory "
                     f"rejected (Holm, alpha={chk['alpha']})"
                     + (": " + ", ".join(chk["rejected"]) if chk["rejected"] else ""))
    return "\n".join(lines)


def run(args) -> int:
    try:
        import numeric
        from numeric.validation import check_scalar

        check_scalar(args.trials, "--trials", int, min_val=2)    # a standard error needs 2
        if args.seed is not None:
            check_scalar(args.seed, "--seed", int, min_val=0)
        check_scalar(args.alpha, "--alpha", float, min_val=0.0, max_val=1.0,
                     include_boundaries="neither")

        try:
            scenario = numeric.Scenario.load(args.scenario)
        except FileNotFoundError:
            raise ValueError(f"scenario file {args.scenario!r} not found") from None
        except IsADirectoryError:
            raise ValueError(f"scenario file {args.scenario!r} is a folder") from None
        except UnicodeDecodeError as exc:
            raise ValueError(f"scenario file {args.scenario!r} is not UTF-8 text (byte "
                             f"{exc.start}: {exc.reason})") from None
        except (OSError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot read scenario file {args.scenario!r}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"scenario file {args.scenario!r}: {exc}") from None
        numeric.choose_engine(scenario, args.engine)  # e.g. wishart with Rademacher features
    except ValueError as exc:
        return usage_error("verify point", str(exc))
    from verify.compare import QUANTITIES, compare
    from verify.stats import MIN_TRIALS, holm

    rec = compare(scenario, trials=args.trials, seed=args.seed, engine=args.engine)
    tested = [(q, rec["deviation"][q]["p_vs_exact"]) for q in QUANTITIES
              if rec["deviation"][q]["p_vs_exact"] is not None]
    # too few trials: quantities with a finite exact value are not tested (inconclusive)
    small = [q for q in QUANTITIES if args.trials < MIN_TRIALS and q not in rec["infinite"]
             and rec["deviation"][q]["exact"] is not None and rec["deviation"][q]["p_vs_exact"] is None]
    reject = holm([p for _, p in tested], args.alpha)[0] if tested else []
    rec["checks"] = {"alpha": args.alpha, "tests": len(tested), "min_trials": MIN_TRIALS,
                     "rejected": [q for (q, _), r in zip(tested, reject) if r], "inconclusive": small}
    if args.json:
        print(json.dumps(rec, indent=2, allow_nan=False))
    else:
        print(_text(rec))
    if rec["checks"]["rejected"]:
        return ExitCode.CLAIM_FAILED
    return ExitCode.INCONCLUSIVE if small else ExitCode.OK
