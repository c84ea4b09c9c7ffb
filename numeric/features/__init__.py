"""Dimensions of real feature matrices (issue 12): intrinsic dimension, correlation dimension
(the authors' procedure and a coordinate-free estimate), and the chance law they are judged
against. NumPy only; see :mod:`numeric.features.dims` and ``notes/real-features.md``."""
from numeric.features.dims import (
    CORRELATION_METHODS, INTRINSIC_METHODS, CorrelationDim, authors_draws, authors_from_moments, chance_band, chance_moments,
    correlation_dim, intrinsic_dim, second_moment, spectrum, synthetic_pair,
)

__all__ = [
    "CorrelationDim", "authors_draws", "authors_from_moments", "chance_band", "chance_moments", "correlation_dim", "intrinsic_dim",
    "second_moment", "spectrum", "synthetic_pair", "INTRINSIC_METHODS", "CORRELATION_METHODS",
]
