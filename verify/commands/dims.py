"""Intrinsic and correlation dimensions of two feature matrices, judged against chance.

Usage: ``python -m verify dims WEAK STRONG [--cutoff C] [--json] [--groups G] [--seed S]
[--level L] [--key NAME]``.

``WEAK`` and ``STRONG`` are ``.npy`` or ``.npz`` files holding the two feature matrices of the
same samples (rows aligned; float32 is used as is, ``.npy`` files are memory-mapped). For an
``.npz`` with several arrays, ``--key`` names the array. The output (``--json``: one JSON object)
holds both intrinsic dimensions (``numeric.features.intrinsic_dim``, the authors' definition at
``--cutoff``), the coordinate-free correlation dimension (``method="function"``: raw overlap,
chance-corrected estimate and its interval, chance band of two unrelated subspaces of R^n), the
authors' number (``method="authors"``: chance band in R^D, D the narrower width) and a one-line
verdict. Exit status: 0 done; 2 bad input (unreadable file, NaN, mismatched rows, ...).
"""
from __future__ import annotations

import json
import math
import os

from verify.exitcodes import ExitCode, usage_error
from verify.jsonsafe import jsonable


def add_arguments(parser):
    parser.add_argument("weak", metavar="WEAK", help="weak features, .npy or .npz (samples x width)")
    parser.add_argument("strong", metavar="STRONG", help="strong features, .npy or .npz, same rows")
    parser.add_argument("--cutoff", type=float, default=0.99,
                        help="fraction of the trace for the intrinsic dimension (default 0.99)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--groups", type=int, default=10,
                        help="jackknife groups for the interval of the function estimate; each "
                             "costs one eigendecomposition per map; 0 = model interval, instant "
                             "(default 10)")
    parser.add_argument("--seed", type=int, default=42,
                        help="seed of the authors' Gaussian sketch and of the jackknife groups "
                             "(default 42, the notebook's)")
    parser.add_argument("--level", type=float, default=0.95,
                        help="level of the intervals and chance bands (default 0.95)")
    parser.add_argument("--key", default=None, help="array name inside .npz files with several arrays")


def _load(path: str, what: str, key):
    import numpy as np

    if not os.path.isfile(path):
        raise ValueError(f"{what} file {path!r} not found")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npy", ".npz"):
        raise ValueError(f"{what} file {path!r} must end in .npy or .npz")
    try:
        if ext == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False)
        with np.load(path, allow_pickle=False) as z:
            names = list(z.files)
            # read only the array asked for (another one may be large)
            pick = key if key is not None else (names[0] if len(names) == 1 else None)
            arr = z[pick] if pick in names else None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a usage error
        raise ValueError(f"{what} file {path!r} is not a readable {ext} array ({exc})") from None
    if arr is None and key is not None:
        raise ValueError(f"{what} file {path!r} has no array {key!r} (arrays: {', '.join(names)})")
    if arr is None:
        raise ValueError(f"{what} file {path!r} holds {len(names)} arrays "
                         f"({', '.join(names) or 'none'}); name one with --key")
    return arr


def _record(args) -> dict:
    from numeric.features import correlation_dim, intrinsic_dim

    if not (0 < args.cutoff <= 1) or math.isnan(args.cutoff):
        raise ValueError(f"--cutoff must be in (0, 1], got {args.cutoff}")
    if not (0 < args.level < 1) or math.isnan(args.level):
        raise ValueError(f"--level must be in (0, 1), got {args.level}")
    if args.groups != 0 and args.groups < 2:
        raise ValueError(f"--groups must be 0 or an integer >= 2, got {args.groups}")
    if args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {args.seed}")
    Fw, Fs = _load(args.weak, "WEAK", args.key), _load(args.strong, "STRONG", args.key)
    for what, F in (("WEAK", Fw), ("STRONG", Fs)):
        if F.ndim != 2:
            raise ValueError(f"{what} must hold a 2-D array (samples x features), got shape {F.shape}")
    if Fw.shape[0] != Fs.shape[0]:
        raise ValueError(f"WEAK and STRONG must have the same number of rows (samples), got "
                         f"{Fw.shape[0]} and {Fs.shape[0]}")
    d_w = intrinsic_dim(Fw, args.cutoff, name="WEAK")
    d_s = intrinsic_dim(Fs, args.cutoff, name="STRONG")
    fun = correlation_dim(Fw, Fs, d_w, d_s, method="function", seed=args.seed, level=args.level,
                          groups=args.groups)
    auth = correlation_dim(Fw, Fs, d_w, d_s, method="authors", seed=args.seed, level=args.level)
    where = "chance" if fun.within_chance else ("above chance" if fun.raw > fun.chance_band[1] else "below chance")
    verdict = (f"function d_sw = {fun.estimate:.2f} [{fun.ci[0]:.2f}, {fun.ci[1]:.2f}] ({where}; "
               f"chance {fun.chance_mean:.3g} in R^{fun.D}); authors' number {auth.raw:.2f} "
               + ("is chance by construction (sketch; chance mean d_w d_s/D = "
                  f"{auth.chance_mean:.2f})" if auth.sketched else
                  f"depends on coordinates (chance mean {auth.chance_mean:.2f} in R^{auth.D})"))
    return {
        "weak": {"file": args.weak, "shape": list(Fw.shape), "dtype": str(Fw.dtype), "d": d_w},
        "strong": {"file": args.strong, "shape": list(Fs.shape), "dtype": str(Fs.dtype), "d": d_s},
        "cutoff": args.cutoff,
        "function": fun.to_dict(),
        "authors": auth.to_dict(),
        "verdict": verdict,
    }


def _text(rec: dict) -> str:
    w, s, f, a = rec["weak"], rec["strong"], rec["function"], rec["authors"]
    pct = f"{rec['cutoff']:.4g}"
    lv = f"{f['level']:.0%}"
    lines = [
        f"weak   {w['file']}: {w['shape'][0]} x {w['shape'][1]} {w['dtype']}, intrinsic dim d_w = {w['d']} (cutoff {pct})",
        f"strong {s['file']}: {s['shape'][0]} x {s['shape'][1]} {s['dtype']}, intrinsic dim d_s = {s['d']} (cutoff {pct})",
        "",
        f"function (coordinate-free): raw overlap {f['raw']:.3f} [{f['ci_raw'][0]:.3f}, {f['ci_raw'][1]:.3f}], "
        f"chance-corrected d_sw = {f['estimate']:.3f} [{f['ci'][0]:.3f}, {f['ci'][1]:.3f}] "
        f"({lv}, {f['details'].get('ci_method')})",
        f"  chance band (two unrelated subspaces of R^{f['D']}): {f['chance_band'][0]:.3f} .. "
        f"{f['chance_band'][1]:.3f} (mean d_w d_s / n = {f['chance_mean']:.3f}), z = {f['z']:+.2f}",
        f"  {f['verdict']}",
        f"authors (own coordinates{', ' + a['sketched'] + ' map sketched' if a['sketched'] else ''}): "
        f"d_sw = {a['raw']:.3f}",
        f"  chance band in R^{a['D']}: {a['chance_band'][0]:.3f} .. {a['chance_band'][1]:.3f} "
        f"(mean d_w d_s / D = {a['chance_mean']:.3f}), z = {a['z']:+.2f}",
        f"  {a['verdict']}",
        "",
        f"verdict: {rec['verdict']}",
    ]
    return "\n".join(lines)


def run(args) -> int:
    try:
        rec = _record(args)
    except ValueError as exc:
        return usage_error("verify dims", str(exc))
    except MemoryError:
        return usage_error("verify dims", "not enough memory for these feature matrices")
    if args.json:
        print(json.dumps(jsonable(rec), indent=1))
    else:
        print(_text(rec))
    return ExitCode.OK
