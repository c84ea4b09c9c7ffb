"""Tables for notes/beyond-the-paper.md: W2S in every parameterization regime (theory.regimes).

Run: python examples/beyond_the_paper_tables.py [--out FILE]
Prints Markdown (and writes it atomically to FILE if given). Every number is an exact
expectation from theory.regimes, evaluated in floating point; "inf" marks a request within one
sample of an interpolation threshold, where theory.regimes raises InfiniteExpectation.

Geometry (canonical basis of notes/architecture.md, ambient D = d_s + d_w + 1): d_s = 40,
d_w = 60, cosines 1 on 20 shared directions and 0 elsewhere (d_sw = 20); unit-energy target
with block energies 0.9 (shared), 0.06 (strong-only), 0.03 (weak-only), 0.01 (outside both);
sigma2 = 1 (variance-dominated, as in the paper's experiments).
"""
from __future__ import annotations

import argparse
import os
import tempfile
from functools import lru_cache

import numpy as np
import sympy as sp

from theory import formula
from theory import regimes as R

D_S, D_W, SHARED, SIGMA2 = 40, 60, 20, 1.0
ENERGIES = {"shared": 0.9, "strong_only": 0.06, "weak_only": 0.03, "outside": 0.01}


def geometry(d_s=D_S, d_w=D_W, shared=SHARED, energies=ENERGIES, seed=0) -> dict:
    """Target scalars of the canonical geometry (computed from explicit bases)."""
    D = d_s + d_w + 1
    V_s = np.eye(D)[:, :d_s]
    V_w = np.zeros((D, d_w))
    V_w[np.arange(shared), np.arange(shared)] = 1.0  # shared directions (cosine 1)
    V_w[d_s + np.arange(shared, d_w), np.arange(shared, d_w)] = 1.0  # weak-only (cosine 0)
    rng = np.random.default_rng(seed)
    theta = np.zeros(D)
    blocks = {"shared": np.arange(shared), "strong_only": np.arange(shared, d_s),
              "weak_only": d_s + np.arange(shared, d_w), "outside": np.array([D - 1])}
    for name, idx in blocks.items():
        if idx.size == 0 and energies[name] > 0:
            raise ValueError(f"energies[{name!r}] > 0 but the {name} block is empty")
        v = rng.standard_normal(idx.size)
        if idx.size == 0:
            continue
        theta[idx] = np.sqrt(energies[name]) * v / np.linalg.norm(v)
    P_s, P_w = V_s @ V_s.T, V_w @ V_w.T
    return dict(
        d_s=d_s, d_w=d_w, d_sw=float(np.sum((V_s.T @ V_w) ** 2)), sigma2=SIGMA2,
        t2=float(theta @ theta), c_sw=float(theta @ P_s @ P_w @ theta),
        p_sw=float(np.sum((P_s @ P_w @ theta) ** 2)),
        rho_s=float(np.sum((theta - P_s @ theta) ** 2)), rho_w=float(np.sum((theta - P_w @ theta) ** 2)),
    )


@lru_cache(maxsize=None)
def _fn(name: str):
    expr = formula(name).expr
    args = sorted(expr.free_symbols, key=lambda s: s.name)
    return sp.lambdify(args, expr, "math"), tuple(a.name for a in args)


def value(name: str, **v) -> float:
    """Float value of a registered regime formula (the caller picks the regime)."""
    fn, args = _fn(name)
    return fn(*(v[a] for a in args))


def risk(model: str, g: dict, n: int, N: int) -> float:
    """Expected risk of ``model`` at (n, N); ``inf`` within one sample of a threshold."""
    v = dict(g, n=n, N=N)
    try:
        if model == "w2s":
            name = f"risk.w2s.regime.{R.regime(n, g['d_w'])}_{R.regime(N, g['d_s'])}"
        else:
            m, d = {"weak": (n, g["d_w"]), "strong": (n, g["d_s"]), "ceiling": (n + N, g["d_s"])}[model]
            name = f"risk.{model}.regime.{R.regime(m, d)}"
    except R.InfiniteExpectation:
        return float("inf")
    return value(name, **v)


def _fmt(x: float) -> str:
    if x in (float("inf"), float("-inf")):
        return str(x)
    return f"{0.0 if abs(x) < 1e-12 else x:.4g}"


def _label(samples: int, dim: int) -> str:
    try:
        return R.regime(samples, dim)
    except R.InfiniteExpectation:
        return "band"


def table_n_sweep(g: dict, N: int = 400) -> list[str]:
    out = [f"Table 1. Double descent in n (N = {N}; thresholds n = d_s = {g['d_s']} for the strong "
           f"baseline and n = d_w = {g['d_w']} for the teacher and W2S).", "",
           "| n | teacher | ER_w | ER_s | ER_w2s | ER_w2s / ER_w |", "|---|---|---|---|---|---|"]
    for n in (5, 20, 36, 39, 40, 41, 44, 50, 55, 58, 59, 60, 61, 62, 65, 80, 120, 200, 400, 1000):
        w, s, x = (risk(m, g, n, N) for m in ("weak", "strong", "w2s"))
        ratio = "" if w == float("inf") else f"{x / w:.3f}"
        out.append(f"| {n} | {_label(n, g['d_w'])} | {_fmt(w)} | {_fmt(s)} | {_fmt(x)} | {ratio} |")
    return out + [""]


def table_N_sweep(g: dict, ns=(200, 30)) -> list[str]:
    head = " | ".join(f"ER_w2s (n={n}) | gain (n={n})" for n in ns)
    out = [f"Table 2. Double descent in N (threshold N = d_s = {g['d_s']}); teacher OLS at n = {ns[0]} "
           f"(ER_w = {risk('weak', g, ns[0], 1):.4g}), interpolating at n = {ns[1]} "
           f"(ER_w = {risk('weak', g, ns[1], 1):.4g}); gain = ER_w - ER_w2s.", "",
           f"| N | student | {head} |", "|---|---|" + "---|" * (2 * len(ns))]
    for N in (2, 10, 20, 30, 36, 38, 39, 40, 41, 42, 45, 60, 81, 100, 200, 400, 1000, 4000):
        cells = []
        for n in ns:
            x = risk("w2s", g, n, N)
            cells += [_fmt(x), _fmt(risk("weak", g, n, N) - x) if x != float("inf") else "-inf"]
        out.append(f"| {N} | {_label(N, g['d_s'])} | " + " | ".join(cells) + " |")
    return out + [""]


def table_virtue(g: dict, n_interp: int = 30, n_ols: int = 200) -> list[str]:
    out = [f"Table 3. Pure variance (theta = 0, sigma2 = {g['sigma2']}) of the teacher and the W2S "
           f"student, interpolating teacher (n = {n_interp} < d_w = {g['d_w']}) and OLS teacher "
           f"(n = {n_ols}). The ratio Var_w2s / Var_w is the same for both teachers: "
           "d_sw/d_w + (1 - d_sw/d_w) d_s/(N - d_s - 1).", "",
           f"| d_sw | N | Var_w (n={n_interp}) | Var_w2s (n={n_interp}) | Var_w (n={n_ols}) "
           f"| Var_w2s (n={n_ols}) | ratio (both) |", "|---|---|---|---|---|---|---|"]
    for d_sw in (0, 10, 20, 40):
        v = dict(g, d_sw=float(d_sw), t2=0.0, c_sw=0.0, p_sw=0.0, rho_w=0.0, rho_s=0.0)
        for N in (100, 400, 4000):
            wi, xi = risk("weak", v, n_interp, N), risk("w2s", v, n_interp, N)
            wo, xo = risk("weak", v, n_ols, N), risk("w2s", v, n_ols, N)
            # the ratio does not depend on the teacher's regime (notes/regimes.md, section 3)
            assert abs(xi / wi - xo / wo) < 1e-12 * (xo / wo)
            out.append(f"| {d_sw} | {N} | {wi:.4g} | {xi:.4g} | {wo:.4g} | {xo:.4g} | {xo / wo:.4f} |")
    return out + [""]


def table_misfit(g: dict) -> list[str]:
    # theta in V_s (energy 0.9 shared, 0.1 strong-only), same bases: r_sw = 0.
    realizable = geometry(energies={"shared": 0.9, "strong_only": 0.1, "weak_only": 0.0, "outside": 0.0})
    assert abs(realizable["t2"] - realizable["rho_w"] - realizable["c_sw"]) < 1e-12
    out = ["Table 4. Gain versus misfit at finite N (OLS student). ratio = (N - 2 d_s - 1)/(N - 1) "
           "= E[gain]/E[misfit] when r_sw = theta^T (I - P_s) P_w theta = 0. Columns 3-6: a realizable "
           "target on the same bases (theta in V_s: energy 0.9 shared, 0.1 strong-only; rho_s = 0, "
           f"rho_w = {realizable['rho_w']:.4g}). Last two: the main geometry "
           f"(r_sw = {g['t2'] - g['rho_w'] - g['c_sw']:.4g}), where gain - ratio * misfit = -2 k r_sw "
           "(k = 1 OLS teacher, n/d_w interpolating).", "",
           "| N | ratio | gain, n=200 | misfit, n=200 | gain, n=30 | misfit, n=30 "
           "| gap non-realizable n=200 | gap n=30 |", "|---|---|---|---|---|---|---|---|"]
    for N in (42, 60, 81, 100, 200, 400, 1000, 4000, 40000):
        ratio = (N - 2 * g["d_s"] - 1) / (N - 1)
        cells = [f"{ratio:.4f}"]
        for n in (200, 30):
            t = R.regime(n, g["d_w"])
            v = dict(realizable, n=n, N=N)
            cells += [_fmt(value(f"gain.regime.{t}_ols", **v)), _fmt(value(f"misfit.regime.{t}_ols", **v))]
        for n in (200, 30):
            t = R.regime(n, g["d_w"])
            v = dict(g, n=n, N=N)
            gap = value(f"gain.regime.{t}_ols", **v) - ratio * value(f"misfit.regime.{t}_ols", **v)
            cells.append(_fmt(gap))
        out.append(f"| {N} | " + " | ".join(cells) + " |")
    return out + [""]


def render() -> str:
    g = geometry()
    head = [
        "Geometry: d_s = {d_s}, d_w = {d_w}, d_sw = {d_sw:.0f}, sigma2 = {sigma2}, t2 = {t2:.4g}, "
        "c_sw = {c_sw:.4g}, p_sw = {p_sw:.4g}, rho_s = {rho_s:.4g}, rho_w = {rho_w:.4g}.".format(**g), "",
    ]
    return "\n".join(head + table_n_sweep(g) + table_N_sweep(g) + table_virtue(g) + table_misfit(g))


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".md")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the Markdown to this file (atomically)")
    args = parser.parse_args()
    text = render()
    print(text)
    if args.out:
        _write_atomic(args.out, text)
