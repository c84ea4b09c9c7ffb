"""Built-in claim sets: every module here defines a module-level list ``CLAIMS``.

:func:`collect` imports each module of this package (in name order, ``core`` first) and
concatenates their ``CLAIMS``; it is what :func:`verify.claims.registry` returns. A module that
fails to import is reported on stderr and skipped, so that one broken claim set cannot stop the
others from being checked.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys


def modules() -> list[str]:
    """Names of the claim-set modules, ``core`` first."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return sorted(names, key=lambda x: (x != "core", x))


def collect(strict: bool = False) -> list:
    """All built-in claims. Duplicate names raise ``ValueError``."""
    claims, seen = [], {}
    for name in modules():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except Exception as exc:  # noqa: BLE001 - a broken claim set must not stop the others
            if strict:
                raise
            print(f"verify: claim set {name!r} failed to import: {exc!r}", file=sys.stderr)
            continue
        for c in getattr(module, "CLAIMS", []):
            if c.name in seen:
                raise ValueError(f"claim name {c.name!r} registered by both {seen[c.name]} and {name}")
            seen[c.name] = name
            claims.append(c)
    return claims
