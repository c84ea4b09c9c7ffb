"""Scenario files (TOML or JSON, chosen by extension), read with validation, written atomically.

Schema (top-level keys):

* ``d_s, d_w, n, N, sigma2`` (required except ``sigma2``, default 1);
* ``cosines`` (array of length ``min(d_s, d_w)`` in [0, 1]) or ``d_sw`` (number); neither: 0;
* ``features``, ``noise``: law names (default ``"gaussian"``);
* target: either a ``[target]`` table with block energies ``both, strong_only, weak_only,
  neither`` (needs an integer ``d_sw`` or 0/1 cosines with the ones first), or ``theta`` (array,
  canonical basis); neither: ``theta = 0``;
* ``lambda_w``, ``lambda_s``: ridge penalties (default 0, ridgeless; written only when non-zero,
  so ridgeless files are unchanged);
* extension for explicit bases: ``V_s`` and ``V_w`` (arrays of rows, D x d) with ``theta`` in
  the same ambient coordinates; then ``cosines``/``d_sw``/``[target]`` must be absent and
  ``d_s``/``d_w`` must match the bases.

This module knows the schema, not the class: the readers build with the class they are given
(:meth:`numeric.Scenario.load` passes itself), so that :mod:`numeric.scenario` can import this
module and not the other way round.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import tomli_w

from numeric.store import atomic_write_bytes

__all__ = ["load_scenario", "save_scenario", "scenario_from_dict", "scenario_to_dict"]

_KEYS = {"d_s", "d_w", "n", "N", "sigma2", "cosines", "d_sw", "features", "noise", "target",
         "theta", "V_s", "V_w", "lambda_w", "lambda_s"}
_TARGET_KEYS = ("both", "strong_only", "weak_only", "neither")


def _format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in (".toml", ".json"):
        raise ValueError(f"path must end in .toml or .json, got {str(path)!r}")
    return ext[1:]


def scenario_from_dict(data: dict, scenario_cls):
    """Build a ``scenario_cls`` (:class:`~numeric.Scenario`) from the file schema (see module
    docstring)."""
    sc = _from_dict(data, scenario_cls)
    pen = {k: data[k] for k in ("lambda_w", "lambda_s") if k in data}
    return sc.replace(**pen) if pen else sc


def _from_dict(data: dict, Scenario):
    if not isinstance(data, dict):
        raise ValueError("scenario data must be a table/object")
    unknown = set(data) - _KEYS
    if unknown:
        raise ValueError(f"unknown scenario keys {sorted(unknown)}; valid keys: {sorted(_KEYS)}")
    for key in ("d_s", "d_w", "n", "N"):
        if key not in data:
            raise ValueError(f"missing required key {key!r}")
    common = dict(n=data["n"], N=data["N"], sigma2=data.get("sigma2", 1.0),
                  features=data.get("features", "gaussian"), noise=data.get("noise", "gaussian"))
    if "V_s" in data or "V_w" in data:
        if not ("V_s" in data and "V_w" in data):
            raise ValueError("explicit bases need both V_s and V_w")
        for key in ("cosines", "d_sw", "target"):
            if key in data:
                raise ValueError(f"{key!r} cannot be combined with explicit bases V_s/V_w")
        sc = Scenario.from_bases(np.array(data["V_s"], dtype=float),
                                 np.array(data["V_w"], dtype=float), data.get("theta"), **common)
        if (sc.d_s, sc.d_w) != (data["d_s"], data["d_w"]):
            raise ValueError(f"d_s, d_w = {data['d_s']}, {data['d_w']} do not match the bases' "
                             f"{sc.d_s}, {sc.d_w}")
        return sc
    if "target" in data:
        if "theta" in data:
            raise ValueError("give either a [target] table or theta, not both")
        target = data["target"]
        if not isinstance(target, dict) or set(target) - set(_TARGET_KEYS):
            raise ValueError(f"[target] must be a table with keys among {_TARGET_KEYS}")
        if "cosines" in data:
            if "d_sw" in data:
                raise ValueError("give either cosines or d_sw, not both")
            c = np.array(data["cosines"], dtype=float)
            ones = int(np.sum(c == 1.0))
            if c.ndim != 1 or not (np.all(c[:ones] == 1.0) and np.all(c[ones:] == 0.0)):
                raise ValueError("a [target] table needs 0/1 cosines with the ones first "
                                 "(or an integer d_sw)")
            d_sw = ones
        else:
            d_sw = data.get("d_sw", 0)
        return Scenario.from_block_energies(data["d_s"], data["d_w"], d_sw=d_sw,
                                            **{k: target.get(k, 0.0) for k in _TARGET_KEYS},
                                            **common)
    return Scenario(data["d_s"], data["d_w"], cosines=data.get("cosines"), d_sw=data.get("d_sw"),
                    theta=data.get("theta"), **common)


def scenario_to_dict(scenario) -> dict:
    """File-schema dict of ``scenario`` (cosines and theta for canonical ones, else bases)."""
    out = {"d_s": scenario.d_s, "d_w": scenario.d_w, "n": scenario.n, "N": scenario.N,
           "sigma2": scenario.sigma2, "features": scenario.features, "noise": scenario.noise}
    if scenario.is_canonical:
        out["cosines"] = scenario.cosines.tolist()
    else:
        out["V_s"] = scenario.V_s.tolist()
        out["V_w"] = scenario.V_w.tolist()
    out["theta"] = scenario.theta.tolist()
    for key in ("lambda_w", "lambda_s"):
        if getattr(scenario, key):
            out[key] = getattr(scenario, key)
    return out


def load_scenario(path, scenario_cls):
    """Read a ``scenario_cls`` (:class:`~numeric.Scenario`) from a ``.toml`` or ``.json`` file."""
    path = Path(path)
    fmt = _format(path)
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh) if fmt == "toml" else json.load(fh)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not valid {fmt.upper()}: {exc}") from None
    return scenario_from_dict(data, scenario_cls)


def save_scenario(scenario, path) -> None:
    """Write ``scenario`` to ``path`` atomically (temporary file + ``os.replace``)."""
    path = Path(path)
    fmt = _format(path)
    data = scenario_to_dict(scenario)
    if fmt == "toml":
        text = tomli_w.dumps(data)
    else:
        text = json.dumps(data, indent=1)
    atomic_write_bytes(str(path), text.encode("utf-8"))
