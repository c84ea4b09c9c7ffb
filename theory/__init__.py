"""theory package (placeholder)."""
