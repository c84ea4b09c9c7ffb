"""Distribution laws for features and label noise, standardised to unit variance.

A law is named by a string: ``"gaussian"``, ``"rademacher"`` or ``"student-t:<df>"`` with
``df > 2`` (the Student-t law is rescaled by :math:`\\sqrt{(df-2)/df}` so that its variance is 1).
Features are iid with this law in the ambient coordinates; the noise is the law times
:math:`\\sigma`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Law", "parse_law", "LAW_NAMES"]

LAW_NAMES = ("gaussian", "rademacher", "student-t:<df>")


@dataclass(frozen=True)
class Law:
    """A zero-mean, unit-variance law on the real line.

    Attributes
    ----------
    kind : str
        ``"gaussian"``, ``"rademacher"`` or ``"student-t"``.
    df : float or None
        Degrees of freedom of the Student-t law (``> 2``), else ``None``.
    """

    kind: str
    df: float | None = None

    @property
    def name(self) -> str:
        """Canonical string form, e.g. ``"student-t:5"``."""
        if self.kind == "student-t":
            df = int(self.df) if float(self.df).is_integer() else self.df
            return f"student-t:{df}"
        return self.kind

    @property
    def is_gaussian(self) -> bool:
        return self.kind == "gaussian"

    def fill(self, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (float64, C-contiguous) with iid unit-variance draws, in place.

        The values consumed from ``rng`` depend only on ``out.size`` (row-major order).
        """
        if self.kind == "gaussian":
            rng.standard_normal(out=out)
        elif self.kind == "rademacher":
            bits = rng.integers(0, 2, size=out.shape, dtype=np.int8)
            np.multiply(bits, 2.0, out=out)
            out -= 1.0
        else:
            # Student-t variance is df/(df-2); rescale to unit variance.
            out[...] = rng.standard_t(self.df, size=out.shape)
            out *= math.sqrt((self.df - 2.0) / self.df)
        return out


def parse_law(spec, parameter: str = "features") -> Law:
    """Parse a law name into a :class:`Law`.

    Parameters
    ----------
    spec : str or Law
        ``"gaussian"``, ``"rademacher"`` or ``"student-t:<df>"`` with finite ``df > 2``.
    parameter : str
        Name of the parameter being parsed, used in error messages.

    Raises
    ------
    ValueError
        If the name is unknown or the degrees of freedom are outside ``(2, inf)``.
    """
    if isinstance(spec, Law):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"{parameter} must be one of {LAW_NAMES}, got {spec!r}")
    s = spec.strip().lower()
    if s in ("gaussian", "normal"):
        return Law("gaussian")
    if s == "rademacher":
        return Law("rademacher")
    if s.startswith("student-t:") or s.startswith("t:"):
        try:
            df = float(s.split(":", 1)[1])
        except ValueError:
            raise ValueError(
                f"{parameter}: degrees of freedom in {spec!r} must be a number > 2") from None
        if not (math.isfinite(df) and df > 2):
            raise ValueError(
                f"{parameter}: degrees of freedom must be finite and > 2 (unit variance), got {df}")
        return Law("student-t", df)
    raise ValueError(f"{parameter} must be one of {LAW_NAMES}, got {spec!r}")
