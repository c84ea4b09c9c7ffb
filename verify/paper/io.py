"""Atomic file output: write to a temporary file in the same folder, then ``os.replace``.

A reader (or a crash) never sees a half-written report, table or figure.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def _atomic(path: Path, write, mode: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return _atomic(Path(path), lambda fh: fh.write(text.encode("utf-8")), "wb")


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON (NaN is not allowed: map it to ``None`` first)."""
    return write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    try:
        return _atomic(Path(path), lambda fh: fig.savefig(fh, format="png", dpi=dpi), "wb")
    finally:
        plt.close(fig)
