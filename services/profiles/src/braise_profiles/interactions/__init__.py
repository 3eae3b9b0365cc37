"""Interactions: what consultants did together, recorded one by one or in bulk."""
