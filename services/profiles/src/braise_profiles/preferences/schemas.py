"""What the preferences routes accept and return."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from braise_profiles.fields import Strict
from braise_shared.events import DayOfWeek, Frequency
from braise_shared.locales import Locale

# A pause longer than this is an unsubscribe, and the page says so.
LONGEST_PAUSE = timedelta(weeks=52)


def _a_pause_end(value: date) -> date:
    # Today anywhere on Earth is at most a day from today in UTC.
    today = datetime.now(UTC).date()
    if value < today - timedelta(days=1):
        raise ValueError("must not be in the past")
    if value > today + LONGEST_PAUSE:
        raise ValueError(f"must be at most {LONGEST_PAUSE.days} days ahead")
    return value


def _a_day(value: object) -> object:
    # A day as YYYY-MM-DD: not a moment at midnight, nor a number of seconds.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a day, as YYYY-MM-DD")
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise ValueError("must be a day, as YYYY-MM-DD")
    return value


PauseEnd = Annotated[date, BeforeValidator(_a_day), AfterValidator(_a_pause_end)]


class PreferencesIn(Strict):
    """Digest preferences and consent; fields left out keep their value.

    `resume_on` pauses digests until that day (from it, `frequency` applies again by itself);
    a null ends the pause now.
    """

    frequency: Frequency | None = None
    day_of_week: DayOfWeek | None = None
    locale: Locale | None = None
    suggestable: bool | None = Field(None, description="May be suggested to other consultants.")
    resume_on: PauseEnd | None = Field(
        None,
        description="No digest before this day (at most 52 weeks ahead); null: no pause.",
        examples=["2026-04-13"],
    )


class PreferencesOut(BaseModel):
    """A consultant's digest preferences and consent."""

    frequency: Frequency
    day_of_week: DayOfWeek
    locale: Locale
    suggestable: bool
    resume_on: date | None = Field(description="No digest before this day; null: no pause.")
