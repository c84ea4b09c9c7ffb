"""Dimensions of real feature matrices (issue 12): intrinsic dimension, correlation dimension
(the authors' procedure and a coordinate-free estimate), and the chance law they are judged
against. NumPy only; see :mod:`numeric.features.dims` and ``notes/real-features.md``.
W2S linear probes on the features (issue 13): :func:`run_w2s` (:mod:`numeric.features.probe`)."""
from numeric.features.dims import (
    CORRELATION_METHODS, INTRINSIC_METHODS, CorrelationDim, authors_draws, authors_from_moments, chance_band, chance_moments,
    correlation_dim, intrinsic_dim, second_moment, spectrum, synthetic_pair,
)
from numeric.features.probe import ProbeResult, run_w2s  # noqa: F401

__all__ = [
    "CorrelationDim", "authors_draws", "authors_from_moments", "chance_band", "chance_moments", "correlation_dim", "intrinsic_dim",
    "second_moment", "spectrum", "synthetic_pair", "INTRINSIC_METHODS", "CORRELATION_METHODS",
    "ProbeResult", "run_w2s",
]
