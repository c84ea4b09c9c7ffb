"""Input validation helpers: every error names the parameter and its valid range.

One vocabulary for the numeric package, in the style of scikit-learn's ``check_scalar``:
:func:`check_scalar` checks a number's type and range and returns it converted; :func:`as_count`,
:func:`as_real` and :func:`as_nonneg_real` are its common cases. Every failure is a
``ValueError`` (the command-line tools turn it into exit code 2) whose message reads
``"<name> must be <what> in <range>, got <value>"``. Booleans, strings and ``None`` are never
numbers here (``"3"`` is refused as ``3`` would be accepted: inputs from JSON keep their type).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_scalar", "as_count", "as_real", "as_nonneg_real", "as_real_vector",
           "MAX_COUNT"]

#: Largest sample size or dimension accepted: counts stay exact in a float64 and fit a C long.
MAX_COUNT = 10**15


def _interval(min_val, max_val, include_boundaries) -> str:
    lo = "-inf" if min_val is None else f"{min_val:g}" if isinstance(min_val, float) else str(min_val)
    hi = "inf" if max_val is None else f"{max_val:g}" if isinstance(max_val, float) else str(max_val)
    left = "[" if min_val is not None and include_boundaries in ("both", "left") else "("
    right = "]" if max_val is not None and include_boundaries in ("both", "right") else ")"
    return f"{left}{lo}, {hi}{right}"


def check_scalar(x, name: str, target_type, *, min_val=None, max_val=None,
                 include_boundaries: str = "both"):
    """Check that ``x`` is a finite scalar of ``target_type`` within ``[min_val, max_val]``.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The parameter's name, used in the message.
    target_type : {int, float}
        ``int``: an integer (an integral float such as ``100.0`` is accepted and converted);
        ``float``: any finite real number (converted to ``float``).
    min_val, max_val : number, optional
        Bounds of the valid range (``None``: unbounded on that side).
    include_boundaries : {"both", "left", "right", "neither"}
        Whether the bounds themselves are valid.

    Returns
    -------
    int or float
        ``x`` converted to ``target_type``.

    Raises
    ------
    ValueError
        ``"<name> must be an integer in [1, inf), got '3'"`` and the like.
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError("include_boundaries must be one of 'both', 'left', 'right', 'neither', "
                         f"got {include_boundaries!r}")
    what = "an integer" if target_type is int else "a finite real number"
    rng = _interval(min_val, max_val, include_boundaries)
    bad = ValueError(f"{name} must be {what} in {rng}, got {x!r}")
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise bad
    if target_type is int:
        if isinstance(x, numbers.Integral):
            v = int(x)
        elif math.isfinite(float(x)) and float(x).is_integer():
            v = int(x)
        else:
            raise bad
    else:
        v = float(x)
        if not math.isfinite(v):
            raise bad
    low_ok = min_val is None or (v >= min_val if include_boundaries in ("both", "left")
                                 else v > min_val)
    high_ok = max_val is None or (v <= max_val if include_boundaries in ("both", "right")
                                  else v < max_val)
    if not (low_ok and high_ok):
        raise ValueError(f"{name} must be {what} in {rng}, got {v!r}")
    return v


def as_count(name: str, value, minimum: int = 1, maximum: int | None = MAX_COUNT) -> int:
    """An integer in ``[minimum, maximum]`` (integral floats such as ``100.0`` are accepted)."""
    return check_scalar(value, name, int, min_val=minimum, max_val=maximum)


def as_real(name: str, value) -> float:
    """A finite real number."""
    return check_scalar(value, name, float)


def as_nonneg_real(name: str, value) -> float:
    """A finite real ``>= 0``."""
    return check_scalar(value, name, float, min_val=0.0)


def as_real_vector(name: str, value, length: int | None = None, why: str = "") -> np.ndarray:
    """A finite 1-D float array, optionally of a given length (``why``: where that length comes
    from, appended to the error message)."""
    if value is None or isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be a 1-D array of finite real numbers, got {value!r}")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of finite real numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}"
                         + (f" ({why})" if why else ""))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr
