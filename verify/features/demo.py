r"""Offline demo data: scikit-learn's bundled handwritten digits with two fixed feature maps.

``load_digits()`` ships inside scikit-learn (1,797 images of 8 x 8 pixels, intensities 0..16;
nothing is downloaded). The label is the digit's value 0..9 read as a number (a regression
target, like the authors' ages). Two feature maps of different strength, fixed in code:

* **weak** -- binarised pixels: 1 where a pixel's intensity exceeds 8 (of 16), else 0
  (64 features: a narrow, nonlinear map on raw pixels; 99 % intrinsic dimension 40);
* **strong** -- 256 random Fourier features of the pixels scaled to [0, 1]:
  :math:`\sqrt{2/256}\,\cos(W^\top x / \ell + b)` with :math:`W` standard Gaussian
  (64 x 256), :math:`b` uniform on :math:`[0, 2\pi)`, both drawn from ``SeedSequence(0)``, and
  bandwidth :math:`\ell = 4` (about the median distance between images, 4.3): an
  approximation of a Gaussian-kernel machine, wider and nonlinear (99 % intrinsic dimension
  66). The function estimate of their correlation dimension is about 25 of 40, so the theory
  expects W2S to recover part of the gap (limit 1 - 25/40).

scikit-learn is an optional dependency (``pip install -e ".[demo]"``).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["digits", "WEAK", "STRONG", "DEFAULTS"]

WEAK = "binarised pixels (intensity > 8 of 16), 64 features"
STRONG = "256 random Fourier features (bandwidth 4, SeedSequence(0))"
DEFAULTS = {"n": 150, "N_grid": (300, 1350, 12), "N": 1000, "n_grid": (60, 500, 12),
            "trials": 16, "test_size": 270}
"""Sweep settings of ``--demo digits`` (N sweep at n = 150; n sweep at N = 1000)."""


def _load():
    try:
        from sklearn.datasets import load_digits  # optional dependency: only the demo needs it
    except ImportError as exc:
        raise ImportError('the digits demo needs scikit-learn: pip install -e ".[demo]" '
                          '(or pip install scikit-learn)') from exc
    return load_digits()


def digits():
    """``(F_w, F_s, y, description)`` of the demo."""
    d = _load()
    x = np.asarray(d.data, float) / 16.0                    # (1797, 64) in [0, 1]
    F_w = (x > 0.5).astype(float)
    rng = np.random.default_rng(np.random.SeedSequence(0))
    W = rng.standard_normal((64, 256))
    b = rng.uniform(0, 2 * math.pi, 256)
    F_s = math.sqrt(2 / 256) * np.cos(x @ W / 4.0 + b)
    y = np.asarray(d.target, float)
    return F_w, F_s, y, {"data": "sklearn.datasets.load_digits (1797 x 8x8, bundled)",
                         "weak": WEAK, "strong": STRONG, "label": "digit value 0..9"}
