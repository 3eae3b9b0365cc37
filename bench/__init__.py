"""Reproducible benchmarks that print their figures (not tests)."""
