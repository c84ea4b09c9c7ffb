"""The saved grid of the paper study: every simulated point, in a fixed order.

A point's position in this list is its identity: its random numbers come from
``SeedSequence(seed).spawn(len(grid))[index]``, so results do not depend on how the points are
split among workers, and changing one point's parameters never shifts another point's seed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from verify.paper.config import StudyConfig, axis_values

SWEEPS = ("N", "n")
"""``"N"``: pseudo-labelled sample size varies at ``n = n_fixed``; ``"n"``: labelled sample size
varies at ``N = N_fixed``."""


@dataclass(frozen=True)
class GridPoint:
    """One simulated configuration of the study."""

    index: int
    sweep: str
    d_sw: int
    sigma2: float
    n: int
    N: int

    @property
    def x(self) -> int:
        """The swept variable's value."""
        return self.N if self.sweep == "N" else self.n

    def to_dict(self) -> dict:
        return asdict(self)


def sweep_values(config: StudyConfig, sweep: str):
    """Integer values of the swept variable (``N`` or ``n``)."""
    if sweep not in SWEEPS:
        raise ValueError(f"sweep must be one of {SWEEPS}, got {sweep!r}")
    return axis_values(config.N_sweep if sweep == "N" else config.n_sweep)


def build_grid(config: StudyConfig) -> list[GridPoint]:
    """All grid points: sweeps x d_sw x sigma2 x swept values, in that nesting order."""
    points: list[GridPoint] = []
    for sweep in SWEEPS:
        for d_sw in config.d_sw:
            for sigma2 in config.sigma2:
                for x in sweep_values(config, sweep):
                    n, N = (config.n_fixed, int(x)) if sweep == "N" else (int(x), config.N_fixed)
                    points.append(GridPoint(len(points), sweep, d_sw, sigma2, n, N))
    return points
