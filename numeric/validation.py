"""Input validation helpers: every error names the parameter and its valid range."""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_count", "as_nonneg_real", "as_real_vector"]


def as_count(name: str, value, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (integral floats such as ``100.0`` are accepted)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        v = int(value)
    else:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v}")
    return v


def as_nonneg_real(name: str, value) -> float:
    """A finite real ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite real number >= 0, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite real number >= 0, got {v}")
    return v


def as_real_vector(name: str, value, length: int | None = None) -> np.ndarray:
    """A finite 1-D float array, optionally of a given length."""
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of finite real numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr
