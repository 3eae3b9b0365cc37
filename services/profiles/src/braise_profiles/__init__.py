"""Braise profiles: consultants, their affinities, consent and interactions, as events."""
