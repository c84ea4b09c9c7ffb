"""verify package (placeholder)."""
