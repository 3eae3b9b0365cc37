"""Preferences: how often and when a consultant wants a digest, and their consent."""
