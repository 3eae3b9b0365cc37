"""Calendars: the firm's events and, by consent, consultants' own meetings (docs/calendars.md)."""
