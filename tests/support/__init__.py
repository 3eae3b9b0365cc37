"""Helpers the test suites share: where the real servers are, and how to reach them."""
