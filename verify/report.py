"""Reports of a run: terminal summary, ``report.md``, ``report.json``, ``junit.xml``, ``plots/``.

:func:`write_outputs` writes everything into a staging folder first and then moves each file
into place with ``os.replace``, so a reader never sees a half-written file and a failed run
leaves the previous report in place. It replaces or removes only the report's own files
(:mod:`verify.outputs`): the folder may hold other things, e.g. ``paper/``.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

from verify.citations import resolve
from verify.jsonsafe import jsonable
from verify import plots as plots_module
from verify.outputs import claim_files, replace_files
from verify.runner import RunResult, fmt

_MARK = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}

# Measured by benchmarks/audit_z_tails.py; see notes/false-alarm-level.md.
_CALIBRATION = ("the checks of simulated means use Hall's skewness-corrected test (the stricter of it "
                "and the z test on each side), because the per-trial risks are skewed; for the built-in "
                "claims the Edgeworth audit predicts a family-wise rate of 0.77-0.87 alpha at alpha = "
                "0.001 (default and --quick sets; the z test used before: 2.1-2.7 alpha), resampling of the most skewed checks "
                "leaves 0.9-1.6x the level on single two-sided checks, and measured end to end (quick claim set, "
                "200 seeds each) the rate of runs with a false alarm was 0.030 at alpha = 0.05 and 0.085 at "
                "alpha = 0.2 (notes/false-alarm-level.md).")


def _obs_resolution(o) -> str:
    """The number a statistical check is held to: the equivalence margin of an ``approx``
    check (relative, passed by TOST), else its resolution (largest acceptable MDE)."""
    if o.alternative == "equivalence":
        tol = (o.details or {}).get("tolerance")
        if tol is None and o.margin is not None and o.scale:
            tol = o.margin / o.scale
        return "-" if tol is None else f"±{tol:.3g}"
    return "-" if o.resolution is None else f"{o.resolution:.3g}"


def _resolution(r) -> str:
    """A claim's own resolution(s), as numbers (see :func:`_obs_resolution`)."""
    vals = sorted({_obs_resolution(o) for o in r.observations if o.alternative != "none"} - {"-"})
    if not vals:
        return "-"
    return vals[0] if len(vals) == 1 else f"{vals[0]}..{vals[-1]}"


def _passed_by(o) -> str:
    """Why a statistical check passed: confirmed by its one-sided/TOST test, or powered."""
    text = _status_reason(o)
    if not o.required and o.status != "fail":
        # a random draw without power, replaced by a spare (verify.expectation)
        text += "; replaced by a spare draw, not required"
    return text


def _status_reason(o) -> str:
    if o.status == "inconclusive" and o.alternative != "none" and o.mde is not None:
        if o.alternative == "equivalence":
            return "inconclusive (TOST not confirmed)"
        if o.resolution is not None:
            # Enough digits to show why: an MDE of 0.1003 against 0.1 prints as 0.1 otherwise.
            return f"inconclusive (MDE {o.mde:.4g} > res. {o.resolution:.4g})"
    if o.status != "pass" or o.alternative == "none":
        return o.status
    confirmed = o.pass_p_value is not None and o.level is not None and o.pass_p_value <= o.level
    return "pass (confirmed)" if confirmed else "pass (MDE <= res.)"


def _tolerance_text(tol) -> str:
    """A claim's tolerance as a number when it is one ("0.1", not "0.100000000000000")."""
    try:
        return f"{float(tol):g} (relative)"
    except (TypeError, ValueError):
        return f"`{tol}` (relative; its value at each configuration is in the table)"


def _row(r) -> list[str]:
    status = _MARK[r.status] + ("" if r.expect == "pass" else (" (expected)" if r.as_expected else " (UNEXPECTED)"))
    return [r.name, r.claim.kind, status, fmt(r.worst_deviation), fmt(r.max_mde), _resolution(r),
            str(len(r.observations))]


HEAD = ["claim", "kind", "status", "worst dev.", "MDE", "resolution", "checks"]


def summary_table(result: RunResult) -> str:
    rows = [HEAD] + [_row(r) for r in result.results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEAD))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_summary(result: RunResult, out: str | None = None, seconds: float | None = None,
                  file=None) -> None:
    """Print the summary table and the run's verdict."""
    file = file or sys.stdout
    s = result.summary
    print(summary_table(result), file=file)
    c = result.counts()
    print(f"\n{c['total']} claims: {c['pass']} pass, {c['fail']} fail, {c['inconclusive']} inconclusive; "
          f"{c['as_expected']} with their expected outcome.", file=file)
    print(f"Family-wise false-alarm rate alpha = {s['alpha']:g} (Holm over {s['m']} statistical checks); "
          f"MDE = minimum detectable deviation (relative to scale) at level alpha/m = {s['level']:.3g} "
          f"and power {s['power']:g}.", file=file)
    print(f"  calibration: {_CALIBRATION}", file=file)
    for r in result.results:
        if r.status == "fail" and r.counterexample:
            print(f"  counterexample for {r.name}{' (known-false)' if r.expect == 'fail' else ''}: "
                  f"{counterexample_text(r.counterexample)}", file=file)
    tail = f"Exit code {result.exit_code}."
    if seconds is not None:
        tail += f" {seconds:.1f} s."
    if out:
        tail += f" Report: {out}/report.md"
    print(tail, file=file)


def counterexample_text(ce: dict) -> str:
    """One line for a counterexample: a simulated one (theory, estimate +- SE, config, whether
    it was shrunk) or a deterministic one (the claim's own witness, e.g. an exact search's)."""
    if ce.get("error"):
        return f"could not be shrunk ({ce['error']})"
    if ce.get("theory") is None and ce.get("estimate") is None:
        det = ce.get("details") or {}
        vals = ", ".join(f"{k} {det[k]}" for k in ("exact_ratio", "bound") if k in det)
        cfg = ", ".join(f"{k}={v}" for k, v in (ce.get("config") or {}).items())
        spot = (det.get("spot_failures") or [None])[0]
        if not cfg and spot:            # a symbolic claim: its first failing spot check
            cfg = ", ".join(f"{k}={spot['point'][k]:.6g}" for k in sorted(spot.get("point", {})))
            vals = f"lhs {float(spot['lhs']):.6g}, rhs {float(spot['rhs']):.6g}"
        text = ce.get("label", "witness") + (f" at {cfg}" if cfg else "") + (f" ({vals})" if vals else "")
        return text + (f"; {det['proof']}" if det.get("proof") else "")
    how = {True: "shrunk with hypothesis.find", False: "not shrunk: the strongest failing check"}
    return (f"theory {fmt(ce.get('theory'), 5)}, simulated {fmt(ce.get('estimate'), 5)} +- "
            f"{fmt(ce.get('stderr'), 2)} (SE) at {_short(ce.get('config'))} "
            f"({how.get(ce.get('shrunk'), 'as found by the claim')})")


def _short(cfg) -> str:
    if not cfg:
        return "-"
    keys = ("d_s", "d_w", "n", "N", "sigma2", "features")
    parts = [f"{k}={cfg[k]}" for k in keys if k in cfg]
    if "cosines" in cfg:
        parts.append("cosines=[" + ", ".join(f"{c:.3g}" for c in cfg["cosines"]) + "]")
    if "theta" in cfg:
        th = cfg["theta"]
        parts.append("theta energies s/w/o=" + "/".join(f"{th.get(k, 0):.3g}" for k in "swo"))
    return ", ".join(parts)


def markdown(result: RunResult, plots: list[str] | None = None) -> str:
    s, st = result.summary, result.settings
    c = result.counts()
    env = result.environment
    out = ["# w2s-verifier report", ""]
    out.append(f"**Exit code {result.exit_code}** -- {c['total']} claims: {c['pass']} pass, {c['fail']} fail, "
               f"{c['inconclusive']} inconclusive; {c['as_expected']} with their expected outcome.")
    out.append("")
    out.append(f"- Family-wise false-alarm rate **alpha = {s['alpha']:g}**, Holm's step-down procedure over "
               f"all {s['m']} statistical checks of all claims (planned {s['m_planned']}). Calibration: "
               f"{_CALIBRATION}")
    out.append(f"- Power: each check states its minimum detectable deviation (MDE, in units of its scale, "
               f"relative to |theory| unless stated) at level alpha/m = {s['level']:.3g} and power "
               f"{s['power']:g}. A check that Holm does not reject passes only if it is *confirmed* "
               f"(an `approx` check by TOST: the deviation is significantly inside its tolerance "
               f"±tol; a bound by the one-sided test on the claimed side) or has *power* (its MDE "
               f"is at most its resolution); otherwise it is `inconclusive`. Each claim's own "
               f"resolution or tolerance is the *resolution* column; each check says which way it "
               f"passed.")
    out.append(f"- Seed {st['seed']}; {st['examples']} configurations per expectation claim; "
               f"{st['trials']} initial trials, adaptive up to {st['trials_budget']}; default "
               f"resolution {st['resolution']:g} (a claim may set its own); "
               f"{st.get('execution', {}).get('simulated_trials', '?')} trials simulated; "
               f"{result.seconds:.1f} s.")
    out.append(f"- Python {env.get('python')}; " + ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items()))
    out.append("- Known-false claims (`expect=fail`) are registered refutations: their expected outcome is "
               "`fail`, and the run confirms them.")
    out.append("- *worst dev.*: (simulated - theory) / scale of the most adverse check; for `ge` bounds the "
               "smallest slack (negative = below the bound), for `le` bounds the largest excess.")
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append("| " + " | ".join(HEAD) + " |")
    out.append("|" + "---|" * len(HEAD))
    for r in result.results:
        out.append("| " + " | ".join(x.replace("|", "\\|") for x in _row(r)) + " |")
    out.append("")
    out.append("## Claims")
    for r in result.results:
        d = r.claim.describe()
        out.append("")
        out.append(f"### `{r.name}` -- {_MARK[r.status]}" + ("" if r.expect == "pass" else
                   f" (known-false; outcome {'as expected' if r.as_expected else 'NOT as expected'})"))
        out.append("")
        if d.get("description") or d.get("source"):
            src = resolve(d.get("source"))
            out.append((resolve(d.get("description") or "") + (f" ({src})" if src else "")).strip())
            out.append("")
        if d["kind"] == "expectation":
            out.append(f"`E[{d['quantity']}]` {d['relation']} `{d['formula'] or d['expr']}`"
                       + (f", tolerance {_tolerance_text(d['tolerance'])}" if d.get("tolerance") else "")
                       + f", features {d['features']}.")
            out.append("")
        if r.error:
            out.append(f"Error: `{r.error}`")
            out.append("")
        stat = [o for o in r.observations if o.alternative != "none"]
        if stat:
            out.append("| config | theory | simulated | SE | rel. dev. | MDE | resolution | trials | p | status |")
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            for o in stat:
                out.append(f"| {_short(o.config)} | {fmt(o.theory, 5)} | {fmt(o.estimate, 5)} | {fmt(o.stderr, 2)} | "
                           f"{fmt(o.deviation)} | {fmt(o.mde)} | {_obs_resolution(o)} | {o.trials} | "
                           f"{fmt(o.p_value, 2)} | {_passed_by(o)} |")
            out.append("")
        for o in r.observations:
            if o.alternative == "none":
                det = o.details
                out.append(f"- {o.label}: **{o.status}**" + (f" -- {det.get('proof')}" if det.get("proof") else "")
                           + (f"; {det.get('spot_checks')} spot checks at {det.get('prec')} digits"
                              if "spot_checks" in det else ""))
        if r.counterexample:
            out.append("")
            out.append(f"Counterexample: {counterexample_text(r.counterexample)}.")
    if plots:
        out.append("")
        out.append("## Plots")
        out.append("")
        for p in plots:
            out.append(f"![{p}](plots/{p})")
    out.append("")
    return "\n".join(out)


def junit(result: RunResult) -> str:
    c = result.counts()
    suite = ET.Element("testsuite", name="w2s-verifier", tests=str(c["total"]),
                       failures=str(sum(not r.as_expected and r.status != "inconclusive" for r in result.results)),
                       skipped=str(sum(r.status == "inconclusive" for r in result.results)),
                       errors="0", time=f"{result.seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for k in ("seed", "alpha", "trials_budget"):
        ET.SubElement(props, "property", name=k, value=str(result.settings.get(k)))
    for r in result.results:
        case = ET.SubElement(suite, "testcase", classname=f"verify.{r.claim.kind}", name=r.name,
                             time=f"{r.seconds:.3f}")
        msg = f"status {r.status}, expected {r.expect}; worst deviation {fmt(r.worst_deviation)}, MDE {fmt(r.max_mde)}"
        if r.status == "inconclusive":
            ET.SubElement(case, "skipped", message=msg)
        elif not r.as_expected:
            f = ET.SubElement(case, "failure", message=msg, type="ClaimFailed" if r.status == "fail" else "UnexpectedPass")
            if r.counterexample:
                f.text = json.dumps(jsonable(r.counterexample))
        else:
            ET.SubElement(case, "system-out").text = msg
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


REPORT_FILES = ("report.md", "report.json", "junit.xml", "plots")


def write_outputs(result: RunResult, out: str, plots: dict | None = None, progress: bool = False,
                  figures: dict | None = None) -> str:
    """Write report.md, report.json, junit.xml and plots/ into ``out``.

    ``plots`` is :func:`verify.plots.plot_suite`'s data; the figures are drawn from it, unless
    ``figures`` already holds them (``{name: PNG bytes}``, :func:`verify.plots.figures`).

    Everything is first written to a staging folder inside ``out``; only then are the files moved
    into place (one ``os.replace`` each), so a failed run leaves the previous report as it was.
    Only the report's own files are replaced or removed (those the previous run recorded in
    ``out/.w2s-verify-check.json``, :mod:`verify.outputs`); anything else in ``out`` stays.
    ``progress``: the figures are announced on stderr as they are drawn.

    Raises
    ------
    verify.outputs.OutputError
        When ``out`` holds one of those names and the tool did not write it (nothing is written).
    """
    out = os.path.abspath(out)
    claim_files(out, "check", REPORT_FILES)
    os.makedirs(out, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".w2s-verify-stage-", dir=out)
    try:
        names = []
        if plots is not None:
            os.makedirs(os.path.join(stage, "plots"))
            if figures is None:
                names = plots_module.render(plots, os.path.join(stage, "plots"), progress=progress)
            else:
                names = list(figures)
                for name, png in figures.items():
                    with open(os.path.join(stage, "plots", name), "wb") as fh:
                        fh.write(png)
        data = result.to_dict()
        if plots is not None:
            data["plots"] = {"files": names, "data": plots}
        with open(os.path.join(stage, "report.json"), "w", encoding="utf-8") as f:
            json.dump(jsonable(data), f, indent=1, allow_nan=False)
        with open(os.path.join(stage, "report.md"), "w", encoding="utf-8") as f:
            f.write(markdown(result, names))
        with open(os.path.join(stage, "junit.xml"), "w", encoding="utf-8") as f:
            f.write(junit(result))
        replace_files(out, "check", stage,
                      ["report.json", "report.md", "junit.xml"] + [f"plots/{n}" for n in names])
    finally:
        shutil.rmtree(stage, ignore_errors=True)     # our own staging folder
    return out
