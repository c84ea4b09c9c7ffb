"""Built-in claim sets: every module here defines a module-level list ``CLAIMS``.

:func:`collect` imports each module of this package (in name order, ``core`` first) and
concatenates their ``CLAIMS``; :func:`registry` returns them (``REGISTRY`` builds them on
first access). The claim sets are found and imported at call time (plug-in discovery), so this
package imports no claim set at its own import. A module that
fails to import is reported on stderr and replaced by one inconclusive claim
``<name>.import_error``, so that one broken claim set cannot stop the others from being checked
nor let a run exit 0 without them.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

from verify.claims import CustomClaim, Observation


def modules() -> list[str]:
    """Names of the claim-set modules, ``core`` first."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return sorted(names, key=lambda x: (x != "core", x))


class BrokenClaimSet:
    """Stands in for a claim set that failed to import: reported as an inconclusive claim
    ``<set>.import_error``, so that the run cannot exit 0 with claims silently missing."""

    def __new__(cls, name: str, error: str):
        class _Broken(CustomClaim):
            kind = "custom"

            def plan(self, ctx):
                return 0

            def run(self, ctx):
                return [Observation.check(f"claim set {name!r} failed to import", "inconclusive",
                                          details={"error": error})]

        return _Broken(f"{name}.import_error", description=f"claim set {name!r} failed to import: {error}")


def collect(strict: bool = False) -> list:
    """All built-in claims. Duplicate names raise ``ValueError``; a claim set that fails to
    import is reported on stderr and stands in as one inconclusive claim."""
    claims, seen = [], {}
    for name in modules():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except Exception as exc:  # noqa: BLE001 - a broken claim set must not stop the others
            if strict:
                raise
            print(f"verify: claim set {name!r} failed to import: {exc!r}", file=sys.stderr)
            claims.append(BrokenClaimSet(name, repr(exc)))
            continue
        for c in getattr(module, "CLAIMS", []):
            if c.name in seen:
                raise ValueError(f"claim name {c.name!r} registered by both {seen[c.name]} and {name}")
            seen[c.name] = name
            claims.append(c)
    return claims


def registry() -> list:
    """Every built-in claim: the ``CLAIMS`` lists of all modules in this package."""
    return collect()


def __getattr__(name: str):
    # REGISTRY is built on access, not at import: building it imports every claim set.
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
