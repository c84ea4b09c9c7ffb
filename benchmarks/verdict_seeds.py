"""Verdicts of the built-in claim set under ``--quick`` over many seeds (issue 16).

The promise measured: ``python -m verify --quick`` reaches every expected outcome (exit 0) for at
least 19 seeds in 20. Each seed is one ``python -m verify --quick --seed S`` run in a fresh
subprocess (the command a user or CI runs, with its exit code), one at a time, under ``nice``;
after each seed one JSON line is appended to ``--out``: the exit code, the claims with an
unexpected outcome (inconclusive ones with their short observations: configuration role,
deviation, MDE, trials), CPU and wall seconds and the load average. A rerun with the same
``--out`` skips the seeds already recorded (resumable; Ctrl-C stops the running seed and records
nothing for it). The code run is the tree this script lives in (``PYTHONPATH`` is set to it), so
a frozen copy (``git archive``) can be measured while the working tree changes.

Usage::

    python benchmarks/verdict_seeds.py --seeds 1-40 --out verdicts.jsonl [--timeout 600]
    python benchmarks/verdict_seeds.py --summary --out verdicts.jsonl

``--seeds`` takes ranges and lists (``1-20,31,35-40``). ``--args`` passes extra arguments to every
run (e.g. ``--args=--simulation-only``). The summary prints the count of exit-0 seeds and each
other seed's unexpected claims.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_seeds(text: str) -> list[int]:
    """``"1-3,7"`` -> ``[1, 2, 3, 7]`` (ascending, without repetition)."""
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--seeds: {part!r} is not N or N-M") from None
        if a < 0 or b < a:
            raise argparse.ArgumentTypeError(f"--seeds: {part!r} must be N or N-M with 0 <= N <= M")
        out.update(range(a, b + 1))
    if not out:
        raise argparse.ArgumentTypeError("--seeds: no seed given")
    return sorted(out)


def _done(path: str) -> dict[int, dict]:
    recs = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:    # a line cut by a crash: redo that seed
                        continue
                    recs[rec["seed"]] = rec
    return recs


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _short(obs: dict) -> dict:
    d = obs.get("details") or {}
    return {"label": obs.get("label", "")[:60], "status": obs.get("status"),
            "deviation": obs.get("deviation"), "mde": obs.get("mde"), "trials": obs.get("trials"),
            "role": (d.get("role") or {}).get("chosen_by"), "second_pass": d.get("second_pass")}


def _summarise_report(path: str) -> dict:
    with open(path) as f:
        data = json.load(f)
    unexpected = []
    for c in data["claims"]:
        if c["as_expected"]:
            continue
        entry = {"claim": c["claim"]["name"], "status": c["status"], "expect": c["expect"]}
        if c["status"] == "inconclusive":
            entry["observations"] = [_short(o) for o in c["observations"] if o["status"] != "pass"]
        unexpected.append(entry)
    return {"counts": data.get("counts"), "run_seconds": data.get("seconds"), "unexpected": unexpected}


def run_seed(seed: int, extra: list[str], timeout: float, nice: int) -> dict:
    tmp = tempfile.mkdtemp(prefix=f"w2s-verdict-{seed}-")
    out = os.path.join(tmp, "out")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "verify", "--quick", "--seed", str(seed), "--fresh", "--no-plots",
           "--no-progress", "--out", out, "--run-dir", os.path.join(tmp, "run"), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    # own process group, so that a timeout or Ctrl-C ends the run and its workers together
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)
    try:
        text, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except BaseException:       # timeout, Ctrl-C: stop the whole group, then decide
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if sys.exc_info()[0] is subprocess.TimeoutExpired:
            return {"seed": seed, "exit": None, "timeout": timeout, "wall": time.monotonic() - t0}
        raise
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec = {"seed": seed, "exit": code, "wall": round(wall, 1),
           "cpu_user": round(after.ru_utime - before.ru_utime, 1),
           "cpu_sys": round(after.ru_stime - before.ru_stime, 1),
           "load": round(os.getloadavg()[0], 2), "commit": _commit(), "args": extra}
    report = os.path.join(out, "report.json")
    if os.path.exists(report):
        rec.update(_summarise_report(report))
    else:
        rec["error"] = text[-2000:]
    shutil.rmtree(tmp, ignore_errors=True)
    return rec


def summary(recs: dict[int, dict]) -> str:
    done = [r for r in recs.values() if r.get("exit") is not None]
    ok = sum(r["exit"] == 0 for r in done)
    lines = [f"{ok} of {len(done)} seeds exit 0"]
    if done:
        walls = sorted(r["wall"] for r in done)
        cpus = sorted(r.get("cpu_user", 0) + r.get("cpu_sys", 0) for r in done)
        lines.append(f"wall s: median {walls[len(walls) // 2]}, max {walls[-1]}; "
                     f"CPU s (user+sys): median {cpus[len(cpus) // 2]:.1f}, max {cpus[-1]:.1f}")
    for r in sorted(recs.values(), key=lambda r: r["seed"]):
        if r.get("exit") != 0:
            what = "; ".join(f"{u['claim']} {u['status']}" for u in r.get("unexpected", [])) \
                or r.get("error", "")[-200:] or f"timeout {r.get('timeout')}"
            lines.append(f"  seed {r['seed']}: exit {r.get('exit')}: {what}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=parse_seeds, default=parse_seeds("1-40"))
    ap.add_argument("--out", required=True, help="JSONL file, appended to (resumable)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per seed (default 600)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs (default 10)")
    ap.add_argument("--args", default="", help="extra arguments of every run, one string")
    ap.add_argument("--summary", action="store_true", help="only print the summary of --out")
    args = ap.parse_args(argv)
    if args.summary:
        print(summary(_done(args.out)))
        return 0
    extra = args.args.split()
    recs = _done(args.out)

    def _stop(_signum, _frame):
        # SIGTERM (e.g. from `timeout`) as Ctrl-C: the running seed's process group is ended
        # too (it runs in its own session, so it would not get the signal and outlive us)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        for seed in args.seeds:
            if seed in recs:
                continue
            rec = run_seed(seed, extra, args.timeout, args.nice)
            with open(args.out, "a") as f:     # one line per seed, flushed: resumable
                f.write(json.dumps(rec) + "\n")
            recs[seed] = rec
            bad = ", ".join(f"{u['claim']} {u['status']}" for u in rec.get("unexpected", []))
            print(f"seed {seed}: exit {rec.get('exit')} wall {rec.get('wall')} s {bad}", flush=True)
    except KeyboardInterrupt:
        print("interrupted; finished seeds are in", args.out, file=sys.stderr)
        return 130
    print(summary({s: recs[s] for s in args.seeds if s in recs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
