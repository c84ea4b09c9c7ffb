"""Mutation test of the verifier (issue 16): does a wrong formula fail, and what catches it?

Two parts, each a Markdown table on stdout (and in ``--out FILE`` if given):

A. Planted one-line mutations of ``theory/``. Each mutation is applied to a *copy* of the
   packages (``theory``, ``numeric``, ``verify``) in a temporary folder -- the working tree is
   never touched -- and ``python -m verify --quick`` is run there on the claims ``--claims``
   (default ``core.*`` and ``regimes.*``). A mutation is *caught* when some claim has an
   unexpected outcome (a believed claim fails, or a known-false claim passes). For each
   mutation the table names the claims that caught it and how: ``symbolic`` (a SymbolicClaim or
   another deterministic check), ``oracle`` (the symbolic oracle of an expectation claim) or
   ``simulation`` (a statistical observation). The exact theory is both the claim and the
   oracle's reference for the built-in expectation claims, so a mutation of it is invisible to
   the oracle there: the simulation (and the symbolic cross-checks) must catch it.

B. Claims files of wrong user formulas (``examples/claims/wrong_formulas.py`` and the subtler
   ``subtle_wrong_formulas.py``) and the right ones (``examples/claims/right_formulas.py``), run
   with the oracle and with
   ``--simulation-only``: which observation failed each wrong claim (oracle, or simulation at a
   random / power-seeking configuration), and whether the right ones passed.

Run by hand (minutes; 2 cores): ``python benchmarks/mutation_test.py [--seed S] [--out FILE]
[--only A|B] [--claims PATTERN ...] [--mutations 1-12] [--state FILE.jsonl]``; with ``--state``
each finished mutation is appended to the JSONL file and a rerun skips it (one mutation at a
time, resumable: ``--only A --state m.jsonl`` again after an interruption); ``--only P --report DIR/report.json`` prints the power
statement of a finished run (per expectation claim, the terms a 10 % error in which it would
detect). Exit code 0 when every mutation and every wrong formula
was caught (the subtle ones: by the oracle) and every right formula passed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, file under theory/, exact old text, new text): one line each.
MUTATIONS = [
    ("weak: n - d_w - 1 -> n - d_w", "formulas.py",
     '"weak": (rho_w + q_w * d_w / (n - d_w - 1), COND_WEAK)', '"weak": (rho_w + q_w * d_w / (n - d_w), COND_WEAK)'),
    ("strong: n - d_s - 1 -> n - d_s", "formulas.py",
     '"strong": (rho_s + q_s * d_s / (n - d_s - 1), COND_STRONG)', '"strong": (rho_s + q_s * d_s / (n - d_s), COND_STRONG)'),
    ("ceiling: n + N - d_s - 1 -> n + N - d_s", "formulas.py",
     '"ceiling": (rho_s + q_s * d_s / (n + N - d_s - 1), COND_CEILING)',
     '"ceiling": (rho_s + q_s * d_s / (n + N - d_s), COND_CEILING)'),
    ("w2s reduced: N - d_s - 1 -> N", "formulas.py",
     "_w2s_reduced = q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1))",
     "_w2s_reduced = q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * N)"),
    ("w2s reduced: d_s (d_w - d_sw) -> d_w (d_s - d_sw)", "formulas.py",
     "_w2s_reduced = q_w * d_s * (d_w - d_sw) / ((n - d_w - 1) * (N - d_s - 1))",
     "_w2s_reduced = q_w * d_w * (d_s - d_sw) / ((n - d_w - 1) * (N - d_s - 1))"),
    ("w2s misfit term: N - d_s - 1 -> N", "formulas.py",
     "_w2s_bias = b_w2s + d_s * m_sw / (N - d_s - 1)", "_w2s_bias = b_w2s + d_s * m_sw / N"),
    ("w2s inherited: n - d_w - 1 -> n - d_s - 1", "formulas.py",
     "_w2s_inherited = q_w * d_sw / (n - d_w - 1)", "_w2s_inherited = q_w * d_sw / (n - d_s - 1)"),
    ("weak noise: sigma2 + rho_w -> sigma2", "formulas.py", "q_w = sigma2 + rho_w\n", "q_w = sigma2\n"),
    ("paper W2S bias: rho_w + rho_s -> rho_w", "formulas.py", "_p_bias = rho_w + rho_s", "_p_bias = rho_w"),
    ("PGR bound: n/(n - d_w - 1) -> n/(n - d_w)", "formulas.py",
     "1 - n / (n - d_w - 1) * d_swN / d_w", "1 - n / (n - d_w) * d_swN / d_w"),
    ("Haar: inverse Gram trace rows/(cols - rows - 1) -> rows/(cols - rows)", "haar.py",
     "    return rows / (cols - rows - 1)", "    return rows / (cols - rows)"),
    ("regimes: interpolating single fit (1 - s/d) -> (1 - s/(d + 1))", "regimes.py",
     "return rho + (1 - samples / dim) * (t2 - rho)", "return rho + (1 - samples / (dim + 1)) * (t2 - rho)"),
]


def _copy_tree(dst: str) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for pkg in ("theory", "numeric", "verify"):
        shutil.copytree(os.path.join(ROOT, pkg), os.path.join(dst, pkg), ignore=ignore)
    os.makedirs(os.path.join(dst, "examples"), exist_ok=True)
    shutil.copytree(os.path.join(ROOT, "examples", "claims"), os.path.join(dst, "examples", "claims"))


def _mutate(dst: str, file: str, old: str, new: str) -> None:
    path = os.path.join(dst, "theory", file)
    with open(path) as f:
        text = f.read()
    if text.count(old) != 1:
        raise SystemExit(f"mutation text not found exactly once in theory/{file}: {old!r}")
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def _run_verify(cwd: str, args: list[str], out: str) -> dict:
    env = dict(os.environ, PYTHONPATH=cwd)
    cmd = [sys.executable, "-m", "verify", "--quick", "--no-plots", "--no-progress", "--no-shrink",
           "--fresh", "--out", out, *args]
    t = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    report = os.path.join(out, "report.json")
    if not os.path.exists(report):
        return {"error": (p.stderr or p.stdout)[-2000:], "exit_code": p.returncode}
    with open(report) as f:
        data = json.load(f)
    data["_wall"] = time.monotonic() - t
    return data


def _how(claim: dict) -> str:
    """How a failing claim failed: oracle, symbolic/deterministic, or simulation (with roles)."""
    bad = [o for o in claim["observations"] if o["status"] == "fail"]
    kinds = set()
    for o in bad:
        if o["alternative"] == "none":
            kinds.add("oracle" if (o.get("details") or {}).get("oracle") is True else "symbolic")
        else:
            role = ((o.get("details") or {}).get("role") or {}).get("chosen_by", "random draw")
            kinds.add("simulation (" + ("power-seeking" if "power" in role else "random") + ")")
    if claim["status"] == "pass" and claim["expect"] == "fail":
        kinds.add("known-false claim passed")
    return ", ".join(sorted(kinds)) or claim["status"]


def _row(seed: int, name: str, rep: dict) -> dict:
    """One mutation's result, as stored in the state file."""
    if "error" in rep:
        return {"seed": seed, "mutation": name, "error": rep["error"][-500:]}
    hits = [c for c in rep["claims"] if not c["as_expected"] and c["status"] != "inconclusive"]
    return {"seed": seed, "mutation": name, "caught": bool(hits),
            "hits": [[c["claim"]["name"], _how(c)] for c in hits],
            "inconclusive": [c["claim"]["name"] for c in rep["claims"] if c["status"] == "inconclusive"],
            "counts": rep.get("counts"), "wall": round(rep.get("_wall", 0.0), 1)}


def _line(r: dict) -> str:
    if "error" in r:
        return f"| {r['mutation']} | error | {r['error'].strip().splitlines()[-1] if r['error'].strip() else ''} |"
    hits = r["hits"]
    desc = "; ".join(f"`{c}` ({how})" for c, how in hits[:8])
    if len(hits) > 8:
        desc += f"; ... {len(hits) - 8} more"
    if r["inconclusive"]:
        desc += f" [inconclusive: {', '.join(r['inconclusive'])}]"
    return f"| {r['mutation']} | {'yes' if r['caught'] else 'NO'} | {desc or '-'} |"


def _load_state(path: str | None) -> dict:
    out = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:      # a line cut by a crash: redo it
                    continue
                out[(r["seed"], r["mutation"])] = r
    return out


def part_a(seed: int, claims: list[str], tmp: str, which: list[int] | None = None,
           state: str | None = None) -> tuple[list[str], bool]:
    """Run the planted mutations ``which`` (1-based; default all), one at a time. With ``state``
    (a JSONL file) each finished mutation is appended there and skipped when rerun."""
    lines = ["| mutation (theory/) | caught | claims with an unexpected outcome (how) |",
             "|---|---|---|"]
    ok = True
    sel = [a for pat in claims for a in ("--claims", pat)]
    done = _load_state(state)
    for i, (name, file, old, new) in enumerate(MUTATIONS, start=1):
        if which and i not in which:
            continue
        r = done.get((seed, name))
        if r is None:
            dst = os.path.join(tmp, "m")
            shutil.rmtree(dst, ignore_errors=True)
            _copy_tree(dst)
            _mutate(dst, file, old, new)
            r = _row(seed, name, _run_verify(dst, ["--seed", str(seed), *sel], os.path.join(tmp, "out")))
            if state:
                with open(state, "a") as f:
                    f.write(json.dumps(r) + "\n")
        ok &= bool(r.get("caught"))
        lines.append(_line(r))
        print(f"{i:2d}/{len(MUTATIONS)} " + lines[-1], flush=True)
    return lines, ok


_SUBTLE = ("wrong.ceiling.off_by_one", "wrong.w2s.inherited_ds", "wrong.w2s.reduced_off_by_one")


def part_b(seeds: list[int], tmp: str) -> tuple[list[str], bool]:
    ok = True
    wrong = os.path.join("examples", "claims", "wrong_formulas.py")
    subtle = os.path.join("examples", "claims", "subtle_wrong_formulas.py")
    right = os.path.join("examples", "claims", "right_formulas.py")
    dst = os.path.join(tmp, "b")
    shutil.rmtree(dst, ignore_errors=True)
    _copy_tree(dst)
    header = "| claim | " + " | ".join(f"oracle, seed {s} | simulation only, seed {s}" for s in seeds) + " |"
    lines = [header, "|---|" + "---|" * (2 * len(seeds))]
    rows: dict[str, list[str]] = {}
    for s in seeds:
        for mode in ([], ["--simulation-only"]):
            rep = _run_verify(dst, ["--seed", str(s), "--claims-file", wrong, "--claims-file", subtle,
                                    "--claims-file", right, *mode],
                              os.path.join(tmp, "outb"))
            if "error" in rep:
                raise SystemExit(rep["error"])
            for c in rep["claims"]:
                name = c["claim"]["name"]
                want = "fail" if name.startswith("wrong.") else "pass"
                good = c["status"] == want
                # the subtle ones need not fail by a quick simulation alone
                ok &= good or (bool(mode) and name in _SUBTLE)
                cell = f"{c['status']}" + (f" ({_how(c)})" if c["status"] == "fail" else "")
                rows.setdefault(name, []).append(cell if good else f"**{cell}**")
            print(f"seed {s} {'simulation-only' if mode else 'oracle'}: {rep['counts']} in "
                  f"{rep['seconds']:.1f} s (run), {rep['_wall']:.1f} s (wall)", flush=True)
    for name, cells in rows.items():
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines, ok


def power_table(report_path: str) -> list[str]:
    """Per expectation claim of a run's report.json: the power statement (section 4 of
    notes/verification-power.md) -- terms a 10 % error in which some configuration would detect,
    and those it would not."""
    with open(report_path) as f:
        data = json.load(f)
    lines = ["| claim | configurations (random + power-seeking) | terms covered | terms not covered (best share, MDE) |",
             "|---|---|---|---|"]
    for c in data["claims"]:
        if c["claim"]["kind"] != "expectation":
            continue
        stat = [o for o in c["observations"] if o["alternative"] != "none"]
        st = next((o["details"].get("power_statement") for o in stat if o["details"].get("power_statement")), None)
        if st is None:
            continue
        roles = [((o["details"].get("role") or {}).get("chosen_by", "")) for o in stat]
        n_rand = sum(r == "random draw" for r in roles)
        yes = [t for t, v in st["terms"].items() if v["covered"]]
        no = [f"`{t}` ({v['share']:.2f}, {v['mde']:.3f})" for t, v in st["terms"].items() if not v["covered"]]
        lines.append(f"| `{c['claim']['name']}` | {n_rand} + {len(stat) - n_rand} | {len(yes)} of "
                     f"{len(st['terms'])} | {'; '.join(no) or '-'} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds-b", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--claims", action="append", default=None, metavar="PATTERN")
    ap.add_argument("--only", choices=("A", "B", "P"), default=None,
                    help="one part; P: the power statement table of --report (a report.json)")
    ap.add_argument("--report", default=None, help="report.json of a run, for --only P")
    ap.add_argument("--out", default=None)
    ap.add_argument("--mutations", default=None, metavar="LIST",
                    help="part A: only these planted mutations, 1-based (e.g. 1-4,9)")
    ap.add_argument("--state", default=None, metavar="JSONL",
                    help="part A: append each finished mutation here and skip those already "
                         "there (resumable)")
    args = ap.parse_args(argv)
    claims = args.claims or ["core.*", "regimes.*"]
    out, ok = [], True
    if args.only == "P":
        if not args.report:
            ap.error("--only P needs --report REPORT_JSON")
        print("\n".join(power_table(args.report)))
        return 0
    with tempfile.TemporaryDirectory(prefix="w2s-mutation-") as tmp:
        if args.only in (None, "A"):
            which = None
            if args.mutations:
                which = []
                for part in args.mutations.split(","):
                    lo, _, hi = part.partition("-")
                    which += list(range(int(lo), int(hi or lo) + 1))
            lines, good = part_a(args.seed, claims, tmp, which, args.state)
            out += [f"## A. Planted mutations of theory/ (`--quick --seed {args.seed}`, claims "
                    f"{', '.join(claims)})", "", *lines, ""]
            ok &= good
        if args.only in (None, "B"):
            lines, good = part_b(args.seeds_b, tmp)
            out += ["## B. Wrong user formulas (examples/claims/wrong_formulas.py, "
                    "subtle_wrong_formulas.py) and right ones (right_formulas.py), `--quick`", "", *lines, ""]
            ok &= good
    text = "\n".join(out)
    print(text)
    if args.out:
        tmp_out = args.out + ".tmp"
        with open(tmp_out, "w") as f:
            f.write(text + "\n")
        os.replace(tmp_out, args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
