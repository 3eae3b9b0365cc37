"""When a digest is due: the beat's rhythm, the send hour, frequency and day, the period key.

Every rule of the digest schedule lives here; the Celery tasks and the planner only ask.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.schedules import crontab

# The period keys are braise_shared.periods'; the schedule only says which one is due.
from braise_shared.periods import PERIOD_FORMAT, month_period, parse_period, week_period

__all__ = ["PERIOD_FORMAT", "parse_period", "week_period"]

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Hourly: planning is idempotent thanks to the ledger, and each run re-enqueues lost tasks.
# The week's links per stage: asked hourly, kept once per ISO week (`history.record_week`).
BEAT_SCHEDULE = {
    "plan-due-digests": {"task": "braise.plan_due", "schedule": crontab(minute=0)},
    "record-link-week": {"task": "braise.record_link_week", "schedule": crontab(minute=30)},
}


def week_began(day: date, timezone: str) -> datetime:
    """Return when the ISO week of a local day began: its Monday at midnight, the firm's time.

    A reader gets at most one digest a week whatever their rhythm: a digest planned since then
    (any period, any outcome) is this week's, and a change of rhythm waits for the next week.
    """
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time(0), tzinfo=ZoneInfo(timezone))


def paused_on(today: date, resume_on: date | None) -> bool:
    """Tell whether a pause that ends on resume_on still holds today (nothing is sent)."""
    return resume_on is not None and today < resume_on


def current_period(
    today: date, *, frequency: str, day_of_week: str, resume_on: date | None = None
) -> str | None:
    """Return the period key a consultant is due today, or None when not due.

    weekly: every week on their day (`2026-W48`); biweekly: even ISO weeks on their day;
    monthly: the first of their day in the month (`2026-11`); paused: never; during a pause
    that ends on `resume_on`: nothing, then their rhythm again from that day.
    """
    if paused_on(today, resume_on):
        return None
    if frequency == "paused" or DAYS[today.weekday()] != day_of_week:
        return None
    if frequency == "weekly":
        return week_period(today)
    if frequency == "biweekly":
        return week_period(today) if today.isocalendar().week % 2 == 0 else None
    if frequency == "monthly":
        return month_period(today) if today.day <= 7 else None
    raise ValueError(f"unknown frequency {frequency!r}")


def local_today(now: datetime, timezone: str) -> date:
    """Return today's date in the firm's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def planning_day(now: datetime, *, timezone: str, send_hour: int) -> date | None:
    """Return the firm's local date if digests may be planned at `now`, None before the hour."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.date() if local.hour >= send_hour else None
