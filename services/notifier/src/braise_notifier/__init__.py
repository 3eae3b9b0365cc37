"""Braise notifier: weekly give-first digests by e-mail."""
