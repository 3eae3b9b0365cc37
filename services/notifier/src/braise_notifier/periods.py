"""When a consultant is due a digest: frequency, day of the week, the firm's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def current_period(today: date, *, frequency: str, day_of_week: str) -> str | None:
    """Return the period key a consultant is due today, or None when not due.

    weekly: every week on their day (`2026-W48`); biweekly: even ISO weeks on their day;
    monthly: the first of their day in the month (`2026-11`); paused: never.
    """
    if frequency == "paused" or DAYS[today.weekday()] != day_of_week:
        return None
    year, week, _ = today.isocalendar()
    if frequency == "weekly":
        return f"{year}-W{week:02d}"
    if frequency == "biweekly":
        return f"{year}-W{week:02d}" if week % 2 == 0 else None
    if frequency == "monthly":
        return f"{today.year}-{today.month:02d}" if today.day <= 7 else None
    raise ValueError(f"unknown frequency {frequency!r}")


def local_today(now: datetime, timezone: str) -> date:
    """Return today's date in the firm's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()
