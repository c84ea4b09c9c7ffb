"""Real feature matrices: W2S linear probes (and, with the dimensions issue, their dimensions)."""
from numeric.features.probe import ProbeResult, run_w2s  # noqa: F401
