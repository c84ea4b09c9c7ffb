"""The authors' published UTKFace W2S runs (``verify/data/utkface-w2s-authors.json``) as sweeps.

Each run of the data file holds an N sweep (fixed n) and an n sweep (fixed N) for one or more
weak models (rows; with label noise, one row per noise level), 10 random splits per point,
means and standard deviations (ddof 1) of the test MSEs, PGR and OPR. A :func:`sweeps` entry
turns one row into the ``verify.features.analysis`` sweep format, with SE = std / sqrt(10).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["load", "rows", "DATA_FILE"]

DATA_FILE = "utkface-w2s-authors.json"
_KEYS = {"ew": "weak", "es": "strong", "ec": "ceiling", "ew2s": "w2s", "pgr": "pgr", "opr": "opr"}


@lru_cache(maxsize=1)
def load() -> dict:
    """The data file shipped in ``verify/data`` (package data)."""
    text = resources.files("verify").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _sweep(block, i, x, trials):
    # The file names the fixed and varied counts "n"/"nn" and "N"/"NN" depending on the run;
    # each block has exactly one of each.
    (fixed,) = block["fixed"].values()
    (values,) = block["varied"].values()
    values = np.asarray(values, float)
    const = np.full_like(values, float(fixed))
    n, N = (const, values) if x == "N" else (values, const)
    mean = {v: np.asarray(block[k]["mean"][i], float) for k, v in _KEYS.items()}
    se = {v: np.asarray(block[k]["std"][i], float) / math.sqrt(trials) for k, v in _KEYS.items()}
    return {"x": x, "n": n, "N": N, "trials": trials, "mean": mean, "se": se}


def rows(data=None) -> list[dict]:
    """One entry per (run, weak model or noise level): names, dimensions and both sweeps.

    ``d_sw`` is the authors' printed correlation dimension against CLIP-B32 (or the run's
    ``dsw_recorded``); ``consistent`` is False where it exceeds ``min(d_w, d_s)`` (the
    ResNet152-as-strong runs: other dimensions or another method were used there).
    """
    data = load() if data is None else data
    idims, cdims = data["intrinsic_dims"], data["correlation_dims_vs_clipb32"]
    out = []
    for run in data["runs"]:
        names = run["sweep_N"]["rows"]
        noises = run.get("label_noise_std") or []
        for i, row in enumerate(names):
            weak = row.split("+")[0]
            noise = float(noises[i]) if noises else 0.0
            d_w, d_s = idims[weak]["d"], idims[run["strong"]]["d"]
            rec = run["sweep_N"].get("dsw_recorded")
            d_sw = float(rec[i]) if rec else (float(cdims[weak]) if run["strong"] == "clipb32"
                                              else math.nan)
            T = int(run["trials_per_point"])
            out.append({
                "run": run["file"].rsplit("/", 1)[-1].removesuffix(".pkl"), "row": row,
                "weak": weak, "strong": run["strong"], "noise": noise,
                "widths": (idims[weak]["width"], idims[run["strong"]]["width"]),
                "dims": (d_w, d_s, d_sw),
                "consistent": bool(math.isfinite(d_sw) and d_sw <= min(d_w, d_s)),
                "sweeps": {"N": _sweep(run["sweep_N"], i, "N", T),
                           "n": _sweep(run["sweep_n"], i, "n", T)}})
    return out
