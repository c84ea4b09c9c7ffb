"""Configuration of the paper's synthetic study: defaults, TOML files, ``--set`` overrides.

The defaults below are the parameters of the authors' public notebook (notes/paper-study.md);
``configs/paper.toml`` is the same configuration saved under the name ``paper`` (a test keeps the
two identical). A configuration is a set of sections (``study``, ``spectrum``, ``grid``,
``figures``, ``heatmap``); every value can be replaced from a TOML file or by
``section.key=value`` (the value written as TOML). A ``[quick]`` table holds per-section
overrides for the CI-sized run.
"""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from numeric.validation import check_scalar

ENGINES = ("wishart", "samples")

#: The named configurations shipped with the repository.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"

DEFAULTS: dict = {
    "name": "paper",
    "study": {"seed": 20250205, "trials": 40, "engine": "wishart", "alpha": 0.001},
    "spectrum": {"latent": 300, "decay": 1.0, "d_s": 100, "d_w": 200, "theta_seed": 0},
    "grid": {
        "d_sw": [90, 50, 10],
        "sigma2": [1e-2, 4e-4, 0.1],
        "n_fixed": 2000,
        "N_fixed": 4000,
        "N_sweep": [400, 4000, 20],
        "n_sweep": [400, 4000, 20],
    },
    "figures": {
        "risk_panels": [[10, 1e-2], [90, 1e-2], [90, 4e-4]],
        "ratio_sigma2": [1e-2, 0.1],
        "curve_points": 200,
    },
    "heatmap": {"n": [150, 4000, 78], "N": [50, 4000, 80]},
    "quick": {
        "study": {"trials": 12},
        "grid": {"N_sweep": [400, 4000, 4], "n_sweep": [400, 4000, 4]},
        "figures": {"curve_points": 60},
        "heatmap": {"n": [150, 4000, 24], "N": [50, 4000, 24]},
    },
}
SECTIONS = ("study", "spectrum", "grid", "figures", "heatmap")


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _int(key: str, value, lo: int, hi: int | None = None) -> int:
    # The one vocabulary (numeric.validation.check_scalar), strict about type: a TOML float
    # is not a count.
    if not _is_int(value):
        raise ValueError(f"{key} must be an integer in [{lo}, {'inf)' if hi is None else f'{hi}]'}"
                         f", got {value!r}")
    return check_scalar(value, key, int, min_val=lo, max_val=hi)


def _real(key: str, value, lo: float, hi: float | None = None, *, open_lo: bool = False,
          open_hi: bool = False) -> float:
    bounds = {(False, False): "both", (True, False): "right", (False, True): "left",
              (True, True): "neither"}[(open_lo, open_hi)]
    return check_scalar(value, key, float, min_val=lo, max_val=hi, include_boundaries=bounds)


def _axis(key: str, value, min_count: int = 1) -> tuple[int, int, int]:
    if not (isinstance(value, (list, tuple)) and len(value) == 3 and all(_is_int(v) for v in value)):
        raise ValueError(f"{key} must be [start, stop, count] (three integers), got {value!r}")
    start, stop, count = (int(v) for v in value)
    if start < 1 or stop < start:
        raise ValueError(f"{key} must have 1 <= start <= stop, got {value!r}")
    if count < min_count or (count > 1 and count > stop - start + 1):
        raise ValueError(
            f"{key}: count must be in [{min_count}, stop - start + 1] so that the integer points "
            f"are distinct, got {value!r}")
    return start, stop, count


def axis_values(axis: tuple[int, int, int], log: bool = False) -> np.ndarray:
    """Integer grid ``round(linspace(start, stop, count))``, or with ``log`` the distinct values
    of ``round(geomspace(start, stop, count))`` (strictly increasing either way)."""
    start, stop, count = axis
    if log:
        return np.unique(np.rint(np.geomspace(start, stop, count)).astype(np.int64))
    return np.rint(np.linspace(start, stop, count)).astype(np.int64)


@dataclass(frozen=True)
class StudyConfig:
    """A validated configuration of the paper study (see ``configs/paper.toml``).

    Build it with :func:`load_config`; fields mirror the TOML sections.
    """

    name: str
    seed: int
    trials: int
    engine: str
    alpha: float
    latent: int
    decay: float
    d_s: int
    d_w: int
    theta_seed: int
    d_sw: tuple[int, ...]
    sigma2: tuple[float, ...]
    n_fixed: int
    N_fixed: int
    N_sweep: tuple[int, int, int]
    n_sweep: tuple[int, int, int]
    risk_panels: tuple[tuple[int, float], ...]
    ratio_sigma2: tuple[float, ...]
    curve_points: int
    heatmap_n: tuple[int, int, int]
    heatmap_N: tuple[int, int, int]
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    def to_dict(self) -> dict:
        """The configuration as nested sections (the TOML layout, without ``quick``)."""
        return {k: copy.deepcopy(v) for k, v in self.raw.items() if k != "quick"}

    def doff(self, d_sw: int) -> int:
        """First latent coordinate of the weak block for correlation dimension ``d_sw``."""
        return self.d_s - d_sw


def _validate(raw: dict) -> StudyConfig:
    for key in raw:
        if key not in (*SECTIONS, "name", "quick"):
            raise ValueError(f"unknown configuration section {key!r}; valid: {', '.join(SECTIONS)}")
    for sec in SECTIONS:
        if not isinstance(raw.get(sec), dict):
            raise ValueError(f"configuration section [{sec}] must be a table")
        for key in raw[sec]:
            if key not in DEFAULTS[sec]:
                raise ValueError(f"unknown key {sec}.{key}; valid: {', '.join(DEFAULTS[sec])}")
    st, sp_, gr, fg, hm = (raw[s] for s in SECTIONS)
    name = raw.get("name", "custom")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    engine = st["engine"]
    if engine not in ENGINES:
        raise ValueError(f"study.engine must be one of {ENGINES}, got {engine!r}")
    latent = _int("spectrum.latent", sp_["latent"], 1)
    d_s = _int("spectrum.d_s", sp_["d_s"], 1, latent)
    d_w = _int("spectrum.d_w", sp_["d_w"], 1, latent)
    d_sw = gr["d_sw"]
    if not isinstance(d_sw, list) or not d_sw:
        raise ValueError(f"grid.d_sw must be a non-empty list of integers, got {d_sw!r}")
    lo = max(0, d_s + d_w - latent)  # the weak block [d_s - d_sw, d_s - d_sw + d_w) must fit
    d_sw = tuple(_int("grid.d_sw", v, lo, min(d_s, d_w)) for v in d_sw)
    sigma2 = gr["sigma2"]
    if not isinstance(sigma2, list) or not sigma2:
        raise ValueError(f"grid.sigma2 must be a non-empty list of positive numbers, got {sigma2!r}")
    sigma2 = tuple(_real("grid.sigma2", v, 0.0, open_lo=True) for v in sigma2)
    if len(set(d_sw)) != len(d_sw) or len(set(sigma2)) != len(sigma2):
        raise ValueError("grid.d_sw and grid.sigma2 must not repeat values")
    panels = fg["risk_panels"]
    if not isinstance(panels, list):
        raise ValueError(f"figures.risk_panels must be a list of [d_sw, sigma2] pairs, got {panels!r}")
    for p in panels:
        if not (isinstance(p, list) and len(p) == 2 and p[0] in d_sw and float(p[1]) in sigma2):
            raise ValueError(
                f"figures.risk_panels entries must be [d_sw, sigma2] with d_sw in {list(d_sw)} and "
                f"sigma2 in {list(sigma2)}, got {p!r}")
    ratio_sigma2 = fg["ratio_sigma2"]
    if not isinstance(ratio_sigma2, list) or any(float(s) not in sigma2 for s in ratio_sigma2):
        raise ValueError(f"figures.ratio_sigma2 must be a list of values from grid.sigma2 "
                         f"{list(sigma2)}, got {ratio_sigma2!r}")
    return StudyConfig(
        name=name,
        seed=_int("study.seed", st["seed"], 0),
        trials=_int("study.trials", st["trials"], 2),
        engine=engine,
        alpha=_real("study.alpha", st["alpha"], 0.0, 1.0, open_lo=True, open_hi=True),
        latent=latent,
        decay=_real("spectrum.decay", sp_["decay"], 0.0),
        d_s=d_s,
        d_w=d_w,
        theta_seed=_int("spectrum.theta_seed", sp_["theta_seed"], 0),
        d_sw=d_sw,
        sigma2=sigma2,
        n_fixed=_int("grid.n_fixed", gr["n_fixed"], 1),
        N_fixed=_int("grid.N_fixed", gr["N_fixed"], 1),
        N_sweep=_axis("grid.N_sweep", gr["N_sweep"]),
        n_sweep=_axis("grid.n_sweep", gr["n_sweep"]),
        risk_panels=tuple((int(p[0]), float(p[1])) for p in panels),
        ratio_sigma2=tuple(float(s) for s in ratio_sigma2),
        curve_points=_int("figures.curve_points", fg["curve_points"], 2),
        heatmap_n=_axis("heatmap.n", hm["n"], 2),
        heatmap_N=_axis("heatmap.N", hm["N"], 2),
        raw=copy.deepcopy(raw),
    )


def _merge(base: dict, update: dict) -> dict:
    # Sections merge key by key; [quick] is replaced whole (its tables are overrides, not values).
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "quick":
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse ``section.key=value`` (value in TOML syntax; bare words are read as strings)."""
    if "=" not in text:
        raise ValueError(f"--set expects section.key=value, got {text!r}")
    key, value = (s.strip() for s in text.split("=", 1))
    if not key:
        raise ValueError(f"--set expects section.key=value, got {text!r}")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value  # e.g. engine=samples without quotes
    return key, parsed


def _resolve_key(key: str) -> tuple[str, str]:
    if key == "name":
        return "", "name"
    if "." in key:
        sec, sub = key.split(".", 1)
        if sec in SECTIONS and sub in DEFAULTS[sec]:
            return sec, sub
        raise ValueError(f"unknown configuration key {key!r}")
    owners = [sec for sec in SECTIONS if key in DEFAULTS[sec]]
    if len(owners) == 1:
        return owners[0], key
    if not owners:
        raise ValueError(f"unknown configuration key {key!r}")
    raise ValueError(f"ambiguous key {key!r}: write one of " + ", ".join(f"{s}.{key}" for s in owners))


def resolve_config_path(config: str | Path) -> Path:
    """A file path, or the name of a saved configuration in ``configs/`` (e.g. ``paper``)."""
    path = Path(config)
    if path.exists():
        return path
    named = CONFIG_DIR / f"{config}.toml"
    if named.exists():
        return named
    raise ValueError(f"config file {str(config)!r} not found (nor a saved configuration "
                     f"{named.name!r} in {CONFIG_DIR})")


def load_config(path: str | Path | None = None, overrides=(), quick: bool = False) -> StudyConfig:
    """Build a validated :class:`StudyConfig`.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file (or the name of a saved configuration); its values replace the defaults.
    overrides : iterable of str or (key, value)
        ``section.key=value`` assignments applied last (a key unique across sections may omit
        its section).
    quick : bool
        Apply the ``[quick]`` overrides (CI-sized run) before ``overrides``.

    Raises
    ------
    ValueError
        Naming the offending parameter and its valid range.
    """
    raw = copy.deepcopy(DEFAULTS)
    if path is not None:
        file = resolve_config_path(path)
        try:
            with open(file, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {str(file)!r} is not valid TOML: {exc}") from None
        raw = _merge(raw, data)
    if quick:
        q = raw.get("quick", {})
        if not isinstance(q, dict) or any(k not in SECTIONS or not isinstance(v, dict) for k, v in q.items()):
            raise ValueError("[quick] must hold per-section tables, e.g. [quick.study]")
        raw = _merge(raw, q)
    for item in overrides:
        key, value = parse_assignment(item) if isinstance(item, str) else item
        sec, sub = _resolve_key(key)
        if sec:
            raw[sec][sub] = value
        else:
            raw[sub] = value
    return _validate(raw)
