"""Atomic file output: write to a temporary file in the same folder, then ``os.replace``.

A reader (or a crash) never sees a half-written report, table or figure.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from numeric.store import atomic_write_bytes


def _atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(str(path), data)
    return path


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return _atomic(Path(path), text.encode("utf-8"))


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON (NaN is not allowed: map it to ``None`` first)."""
    return write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt     # deliberate: a heavy import, only to save a figure

    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return _atomic(Path(path), buf.getvalue())
    finally:
        plt.close(fig)
