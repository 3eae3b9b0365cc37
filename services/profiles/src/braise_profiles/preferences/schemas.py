"""What the preferences routes accept and return."""

from pydantic import BaseModel, Field

from braise_profiles.fields import Strict
from braise_shared.events import DayOfWeek, Frequency, Locale


class PreferencesIn(Strict):
    """Digest preferences and consent; fields left out keep their value."""

    frequency: Frequency | None = None
    day_of_week: DayOfWeek | None = None
    locale: Locale | None = None
    suggestable: bool | None = Field(None, description="May be suggested to other consultants.")


class PreferencesOut(BaseModel):
    """A consultant's digest preferences and consent."""

    frequency: Frequency
    day_of_week: DayOfWeek
    locale: Locale
    suggestable: bool
