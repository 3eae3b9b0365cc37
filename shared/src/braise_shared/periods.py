"""Period keys, the one place they are made and read: an ISO week (`2026-W48`) or a month
(`2026-11`). Digests are keyed by them, the spread cap counts per week, and the graph seeds
its gesture choice with the week."""

import re
from datetime import date, datetime

PERIOD_FORMAT = "an ISO week (2026-W48) or a month (2026-11)"
_WEEK = re.compile(r"\d{4}-W\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


def week_period(moment: date | datetime) -> str:
    """Return the ISO week of a day or a moment (in its own time zone), e.g. `2026-W48`."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def month_period(day: date) -> str:
    """Return the month of a day, e.g. `2026-11`."""
    return f"{day.year}-{day.month:02d}"


def parse_period(label: str) -> str:
    """Return the period key if it names a real ISO week or month, else raise ValueError."""
    try:
        if _WEEK.fullmatch(label):
            date.fromisoformat(label)  # refuses week 53 of a year that has only 52, and W00
            return label
        if _MONTH.fullmatch(label):
            date.fromisoformat(f"{label}-01")
            return label
    except ValueError:
        pass
    raise ValueError(f"{label!r} is not {PERIOD_FORMAT}")
