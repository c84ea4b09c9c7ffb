"""Profile ``python -m verify`` in one process (cProfile) and write its top entries as text.

Usage::

    .venv/bin/python benchmarks/profile_check.py --top 45 --write benchmarks/profile_quick.txt \\
        -- --quick --seed 5 --workers 0 --no-progress --out /tmp/prof-report

    .venv/bin/python benchmarks/profile_check.py --read run.prof --write out.txt   # an existing profile

``--workers 0`` keeps every claim in the profiled process (with workers the profile sees only
the driver). Times under cProfile are 1.2-1.5x the unprofiled ones, more for call-heavy code
(Hypothesis, SymPy) than for NumPy.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import runpy
import sys


def report(stats: pstats.Stats, top: int) -> str:
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(top)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(top // 2)
    return out.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--write", required=True, help="text file for the top entries")
    ap.add_argument("--read", default=None, help="an existing .prof file instead of a new run")
    ap.add_argument("--save", default=None, help="also keep the raw profile here")
    ap.add_argument("args", nargs="*", help="arguments of python -m verify (after --)")
    a = ap.parse_args(argv)
    if a.read:
        stats = pstats.Stats(a.read)
    else:
        prof = cProfile.Profile()
        sys.argv = ["verify", *a.args]
        code = 0
        prof.enable()
        try:
            runpy.run_module("verify", run_name="__main__")
        except SystemExit as exc:
            code = exc.code
        finally:
            prof.disable()
        if a.save:
            prof.dump_stats(a.save)
        stats = pstats.Stats(prof)
        print(f"python -m verify exited {code}", file=sys.stderr)
    text = report(stats, a.top)
    # paths of this machine are noise in a committed file
    text = text.replace(sys.prefix + "/lib/python3.11/site-packages/", "")
    text = text.replace(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/", "")
    with open(a.write, "w") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
