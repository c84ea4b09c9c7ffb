"""End to end: ``python -m verify`` (``--quick`` and the default run) at a baseline commit and at
the working tree, run alternately on the same machine, with ratios (issue 17).

The baseline's tree is extracted with ``git archive BASE`` into a temporary folder and run with
the same interpreter (this venv), the baseline's folder first on ``PYTHONPATH`` so that
``python -m verify`` imports its ``verify``, ``numeric`` and ``theory``, not the working tree's
(the command prints which files each side imported). Every run starts from an empty report
folder and an empty run folder (nothing is reused), with the same arguments (``--seed``,
``--no-progress``, the CLI's own defaults otherwise, so both use all CPUs). Runs alternate
baseline / current (the first of each pair alternates too), so both see the same load: the
machine may be shared, and each pair's ratio is more trustworthy than either time alone.

By default both sides check the claims registered at the baseline (``--only`` each name), the
same work: the registry has grown since. ``--all-claims`` runs each side's own registry.

Reported per run: wall seconds, CPU seconds (user + sys of the command and its workers, which
depend less on other jobs), the load average at the start, the exit code, the claims'
pass/fail/inconclusive counts, and the number of files and bytes in the run folder. Then,
per mode, the ratio baseline / current of the summed wall and CPU times, and each pair's
wall ratio.

Usage::

    .venv/bin/python benchmarks/end_to_end.py                     # both modes, 3 pairs each
    .venv/bin/python benchmarks/end_to_end.py --modes quick --pairs 3
    .venv/bin/python benchmarks/end_to_end.py --base 2a30bd8 --seed 5 --json e2e.json
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = {"quick": ["--quick"], "default": []}


def extract(base: str, into: str) -> str:
    """The tree of commit ``base`` under ``into`` (``git archive | tar -x``)."""
    tree = os.path.join(into, f"tree-{base}")
    os.makedirs(tree)
    archive = subprocess.run(["git", "-C", REPO, "archive", base], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
    return tree


def folder_size(path: str) -> tuple[int, int]:
    files = size = 0
    for root, _, names in os.walk(path):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


def run_once(label: str, tree: str, mode: str, seed: int, scratch: str, extra: list[str]) -> dict:
    """One ``python -m verify`` run from ``tree`` with empty output folders."""
    out = tempfile.mkdtemp(prefix=f"{label}-{mode}-", dir=scratch)
    env = dict(os.environ, PYTHONPATH=tree + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "verify", *MODES[mode], "--seed", str(seed), "--no-progress",
           "--out", os.path.join(out, "report"), *extra]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rec = {"code": label, "mode": mode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
           "load_1min": round(load, 2), "exit": proc.returncode}
    try:
        with open(os.path.join(out, "report", "report.json")) as fh:
            report = json.load(fh)
        counts = report["counts"]
        rec["claims"] = {k: counts.get(k) for k in ("pass", "fail", "inconclusive")}
        rec["statuses"] = {c["claim"]["name"]: c["status"] for c in report["claims"]}
    except (OSError, KeyError, ValueError):
        rec["claims"] = None
        rec["stderr_tail"] = proc.stderr[-2000:]
    # the run folder: --out's default sibling OUT.run
    rec["run_folder_files"], rec["run_folder_bytes"] = folder_size(os.path.join(out, "report.run"))
    shutil.rmtree(out, ignore_errors=True)
    return rec


def which_tree(tree: str) -> str:
    """The folder ``python -m verify`` imports ``verify`` from, with this PYTHONPATH and cwd."""
    env = dict(os.environ, PYTHONPATH=tree + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = "import verify, numeric, theory; print(verify.__file__, numeric.__file__, theory.__file__)"
    return subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def claim_names(tree: str) -> list[str]:
    """The registered claims of ``tree`` (``python -m verify --list``)."""
    env = dict(os.environ, PYTHONPATH=tree + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "verify", "--list", "--no-progress"], cwd=tree, env=env,
                         check=True, capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def show(rec: dict) -> str:
    c = rec["claims"] or {}
    return (f"{rec['mode']:8s} {rec['code']:8s} wall {rec['wall_s']:8.1f} s  cpu {rec['cpu_s']:8.1f} s  "
            f"load {rec['load_1min']:5.2f}  exit {rec['exit']}  "
            f"pass/fail/inconcl {c.get('pass')}/{c.get('fail')}/{c.get('inconclusive')}  "
            f"run folder {rec['run_folder_files']} files {rec['run_folder_bytes'] / 1e6:.1f} MB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="2a30bd8", help="baseline commit (default %(default)s)")
    ap.add_argument("--current", default=None, metavar="COMMIT",
                    help="compare this commit (extracted like the baseline) instead of the working "
                         "tree, e.g. HEAD, so that edits during the measurement do not enter it")
    ap.add_argument("--modes", default="quick,default", help="comma-separated: quick, default")
    ap.add_argument("--pairs", type=int, default=3, help="baseline/current pairs per mode (default 3)")
    ap.add_argument("--seed", type=int, default=5, help="run seed of both (default 5)")
    ap.add_argument("--all-claims", action="store_true",
                    help="each side checks its own registry (default: both check the baseline's "
                         "claims, selected with --only, so that the work compared is the same)")
    ap.add_argument("--json", default=None, help="also write every run's record here")
    ap.add_argument("extra", nargs="*", help="further arguments for both commands (after --)")
    args = ap.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or args.pairs < 1:
        ap.error(f"--modes must name some of {tuple(MODES)} and --pairs must be >= 1")
    scratch = tempfile.mkdtemp(prefix="w2s-e2e-")
    records = []
    try:
        base_tree = extract(args.base, scratch)
        if args.current is None:
            cur_tree = REPO
            head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                  text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True).stdout.strip()
            head += " (+ uncommitted changes)" if dirty else ""
        else:
            cur_tree = extract(args.current, scratch)
            head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", args.current],
                                  capture_output=True, text=True).stdout.strip()
        trees = {"base": base_tree, "current": cur_tree}
        print(f"baseline {args.base}: {which_tree(base_tree)}")
        print(f"current  {head}: {which_tree(cur_tree)}")
        extra = list(args.extra)
        if not args.all_claims:
            base_claims, current = claim_names(base_tree), set(claim_names(cur_tree))
            missing = [c for c in base_claims if c not in current]
            if missing:
                raise SystemExit(f"claims of {args.base} missing from the working tree: {missing}; "
                                 "use --all-claims")
            extra += [a for c in base_claims for a in ("--only", c)]
            print(f"both check the {len(base_claims)} claims registered at {args.base} (--only)")
        else:
            print("each side checks its own registry (--all-claims)")
        print(f"{os.cpu_count()} CPUs; {sys.executable}; pairs alternate which side runs first\n",
              flush=True)
        for mode in modes:
            for i in range(args.pairs):
                order = ("base", "current") if i % 2 == 0 else ("current", "base")
                for label in order:
                    rec = run_once(label, trees[label], mode, args.seed, scratch, extra)
                    records.append(rec)
                    print(show(rec), flush=True)
        print()
        for mode in modes:
            rs = [r for r in records if r["mode"] == mode]
            base = [r for r in rs if r["code"] == "base"]
            cur = [r for r in rs if r["code"] == "current"]
            wall = sum(r["wall_s"] for r in base) / sum(r["wall_s"] for r in cur)
            cpu = sum(r["cpu_s"] for r in base) / sum(r["cpu_s"] for r in cur)
            pairs = [b["wall_s"] / c["wall_s"] for b, c in zip(base, cur)]
            print(f"{mode}: baseline / current = {wall:.2f}x wall, {cpu:.2f}x CPU "
                  f"(means {sum(r['wall_s'] for r in base) / len(base):.1f} s vs "
                  f"{sum(r['wall_s'] for r in cur) / len(cur):.1f} s wall); per pair "
                  + ", ".join(f"{p:.2f}x" for p in pairs))
            if base and cur and base[0].get("statuses") and cur[0].get("statuses"):
                b, c = base[0]["statuses"], cur[0]["statuses"]
                differ = {k: (b[k], c.get(k)) for k in b if b[k] != c.get(k)}
                print("  claims whose status differs (baseline -> current): "
                      + (", ".join(f"{k} {v[0]} -> {v[1]}" for k, v in differ.items()) or "none"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump({"base": args.base, "seed": args.seed, "runs": records}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
