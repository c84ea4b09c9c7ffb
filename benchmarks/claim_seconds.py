"""Per-claim seconds and exact-search sizes of one or more ``report.json`` files, side by side.

Run by hand (issue 17's exact searches, benchmarks/README.md)::

    SEL="--claims complexity.bounds.* --claims complexity.threshold.* \\
         --only complexity.pgr.never_exceeds_limit --only complexity.pgr.overshoot_iff_n_gt_2dw_plus_1"
    python -m verify --quick --seed 5 --workers 0 --no-plots $SEL --out before   # at the base commit
    python -m verify --quick --seed 5 --workers 0 --no-plots $SEL --out after
    python benchmarks/claim_seconds.py before/report.json after/report.json

For each claim: its status and seconds in each report, and, for the exact searches, the points
checked inside the restriction (``inside_restriction``) or the configurations with a threshold.
"""
import json
import sys


def _rows(path):
    out = {}
    for c in json.load(open(path))["claims"]:
        size = ""
        for o in c["observations"]:
            d = o.get("details") or {}
            if "inside_restriction" in d:
                size = f"{d['inside_restriction']}/{d.get('drawn', d.get('examples'))}"
            elif "with_threshold" in d:
                size = f"{d['with_threshold']} thr"
        out[c["claim"]["name"]] = (c["status"], c["seconds"] or 0.0, size)
    return out


def main(paths):
    if not paths:
        sys.exit("usage: python benchmarks/claim_seconds.py REPORT.json [REPORT.json ...]")
    reports = [_rows(p) for p in paths]
    names = list(reports[0])
    for r in reports[1:]:
        names += [n for n in r if n not in names]
    for name in names:
        cells = []
        for r in reports:
            status, sec, size = r.get(name, ("-", 0.0, ""))
            cells.append(f"{status:5s} {sec:6.2f} s {size:>13s}")
        print(f"{name:55s} " + " | ".join(cells))
    print(f"{'total':55s} " + " | ".join(f"{sum(v[1] for v in r.values()):12.2f} s {'':13s}" for r in reports))


if __name__ == "__main__":
    main(sys.argv[1:])
