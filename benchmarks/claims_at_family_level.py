"""Run some built-in claims at the planning level of the whole built-in set (issue 16).

A run of a subset (``python -m verify --claims NAME``) has a Holm family of a few checks, so its
trials are sized and its decisions made at a level ~100x looser than in the full run, and it
hides the inconclusives of the full run. Here ``alpha' = alpha * m_sub / m_full``: the planning
level is ``alpha / m_full`` exactly as in the full run, and Holm over the subset is at least as
strict as the full run's.

Usage: ``python benchmarks/claims_at_family_level.py SEED NAME [NAME ...]`` (quick preset).
Prints one line per claim (seed, name, status, m_full, seconds, non-passing observations) and one
indented line per observation.
"""
import sys

from verify.claimsets import registry
from verify.context import Context
from verify.runner import run_claims


def main(argv):
    seed, names = int(argv[0]), argv[1:]
    ctx = Context.preset("quick", seed=seed)
    claims = registry()
    m_full = sum(max(int(c.plan(ctx)), 0) for c in claims)
    sub = [c for c in claims if c.name in names]
    m_sub = sum(max(int(c.plan(ctx)), 0) for c in sub)
    ctx = Context.preset("quick", seed=seed, alpha=ctx.alpha * m_sub / m_full)
    for r in run_claims(sub, ctx, shrink=False).results:
        bad = [(o.label[:30], round(o.deviation or 0, 4), round(o.mde or 0, 3), o.trials)
               for o in r.observations if o.status != "pass"]
        print(seed, r.claim.name, r.status, m_full, "%.2fs" % r.seconds, bad)
        for o in r.observations:
            c = o.config or {}
            print("   ", o.status, {k: c.get(k) for k in ("d_s", "d_w", "n", "N", "sigma2")},
                  c.get("cosines"), round(o.deviation or 0, 4), round(o.mde or 0, 3), o.trials,
                  o.details.get("second_pass"), (o.details.get("role") or {}).get("chosen_by"))


if __name__ == "__main__":
    main(sys.argv[1:])
