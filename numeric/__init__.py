"""numeric package (placeholder)."""
