r"""Memory estimates, checked before allocating: a size that cannot fit is refused up front
with the largest size that would, instead of a ``MemoryError`` traceback or a machine swapping.

Estimates (float64, 8 bytes), measured on the engines (``d = d_s + d_w``, ``D = d + 1``,
:math:`B` = :data:`numeric.seeding.TRIAL_BLOCK` trials per task):

* a canonical scenario's bases: :math:`8 D d`;
* the wishart engine: :math:`8 D d + 2 \cdot 8 B (d_s^2 + d_w^2)` (per-trial Gram factors);
* the samples engine (it streams the samples): :math:`8 D d + 4 \cdot 8 B d^2`.
"""
from __future__ import annotations

import os

from numeric.seeding import TRIAL_BLOCK

__all__ = ["available_bytes", "scenario_bytes", "simulation_bytes", "check_fits"]

#: Share of the available memory an allocation may claim.
HEADROOM = 0.8
_SMALL = 256 * 2**20


def available_bytes() -> int | None:
    """Memory available to this process now (Linux ``MemAvailable``), or ``None`` if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def scenario_bytes(d_s: int, d_w: int) -> int:
    """Bytes of a canonical scenario's bases ``V_s``, ``V_w`` (``D x d_s``, ``D x d_w``)."""
    d = d_s + d_w
    return 8 * (d + 1) * d


def simulation_bytes(d_s: int, d_w: int, engine: str) -> int:
    """Peak bytes of one task of ``engine`` (``"wishart"`` or ``"samples"``), bases included."""
    d = d_s + d_w
    if engine == "wishart":
        work = 2 * 8 * TRIAL_BLOCK * (d_s * d_s + d_w * d_w)
    else:
        work = 4 * 8 * TRIAL_BLOCK * d * d
    return scenario_bytes(d_s, d_w) + work


def _gib(b: float) -> str:
    return f"{b / 2**30:.3g} GiB" if b < 2**40 else f"{b / 2**40:.3g} TiB"


def check_fits(what: str, d_s: int, d_w: int, estimate, available: int | None = None) -> None:
    """Raise ``ValueError`` if ``estimate(d_s, d_w)`` bytes exceed :data:`HEADROOM` of the
    available memory; the message names the need, the memory available, and the largest
    ``d_w`` (and ``d_s``) that would fit with the other sizes unchanged."""
    need = estimate(d_s, d_w)
    if need < _SMALL and available is None:
        return                                  # not worth reading /proc/meminfo
    avail = available_bytes() if available is None else available
    if avail is None or need <= HEADROOM * avail:
        return
    budget = HEADROOM * avail

    def largest(fixed, swap):
        lo, hi = 0, max(d_s, d_w)
        while lo < hi:                         # the estimate grows with either dimension
            mid = (lo + hi + 1) // 2
            if (estimate(fixed, mid) if not swap else estimate(mid, fixed)) <= budget:
                lo = mid
            else:
                hi = mid - 1
        return lo

    fit_w, fit_s = largest(d_s, False), largest(d_w, True)
    hint = []
    if fit_w >= 1:
        hint.append(f"d_w <= {fit_w} would fit with d_s = {d_s}")
    if fit_s >= 1:
        hint.append(f"d_s <= {fit_s} would fit with d_w = {d_w}")
    raise ValueError(f"{what} with d_s = {d_s}, d_w = {d_w} needs about {_gib(need)} of memory, "
                     f"more than {HEADROOM:.0%} of the {_gib(avail)} available; "
                     + ("; ".join(hint) if hint else "no smaller dimension fits either") + ".")
