"""Codebook, coding queue, annotations and agreement (built by the coding issue)."""
