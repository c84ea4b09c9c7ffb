"""JSON-safe values for every report and record the tool writes (one clean-up, used by all).

``json.dump(..., allow_nan=False)`` refuses NaN and infinities, and the standard encoder knows
neither NumPy scalars nor arrays: :func:`jsonable` maps them once, recursively. NumPy is not
imported here (its values are recognised by their ``tolist``), so that a command can import
this module without loading NumPy before ``--help``.
"""
from __future__ import annotations

import math


def jsonable(obj):
    """``obj`` with non-finite floats as ``None``, NumPy scalars and arrays as Python numbers
    and lists, tuples as lists, mapping keys as strings; anything else JSON cannot hold as its
    ``str``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if callable(getattr(obj, "tolist", None)):       # a NumPy array or scalar
        return jsonable(obj.tolist())
    return str(obj)


__all__ = ["jsonable"]
