"""Pages of the coding app, one module per feature."""
