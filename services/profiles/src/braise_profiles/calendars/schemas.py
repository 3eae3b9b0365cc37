"""What the calendar routes accept and return."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from braise_profiles.fields import Name, Strict, strict_with_example
from braise_shared.text import ONE_LINE

RemoteSource = Literal["ics_url", "caldav"]


def _web_address(value: str) -> str:
    if not value.lower().startswith(("https://", "http://")):
        raise ValueError("must be an http:// or https:// address")
    return value


Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=1000),
    AfterValidator(_web_address),
    ONE_LINE,
]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=500), ONE_LINE]


class ConnectionIn(Strict):
    """Where a calendar is read: a secret ICS address, or a CalDAV collection and its account."""

    model_config = strict_with_example(
        {
            "source": "caldav",
            "url": "https://cloud.example.org/remote.php/dav/calendars/alice/personal/",
            "user": "alice",
            "password": "an app password",
        }
    )

    source: RemoteSource = Field(
        description="`ics_url`: an iCalendar address (Google's or Microsoft 365's secret "
        "address); `caldav`: a CalDAV collection (Radicale, Nextcloud, ...)."
    )
    url: Url = Field(description="The ICS address, or the CalDAV collection's URL.")
    user: Secret | None = Field(None, description="The account (CalDAV, or a protected ICS).")
    password: Secret | None = Field(None, description="Its password; stored encrypted.")


class FirmCalendarIn(ConnectionIn):
    """The firm's events calendar to register."""

    model_config = strict_with_example(
        {
            "name": "Événements du cabinet",
            "source": "caldav",
            "url": "https://calendar.example.org/braise/firm-events/",
            "user": "braise",
            "password": "a password",
        }
    )

    name: Name = Field(description="How staff call it.")


class CalendarOut(BaseModel):
    """A calendar and its sync's status."""

    id: uuid.UUID
    name: str
    source: str
    host: str | None = Field(description="The server it is read from (the address is secret).")
    owner_id: uuid.UUID | None = Field(description="The consultant who connected it; none: firm.")
    last_synced_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    occurrences: int = Field(description="Occurrences held (not withdrawn).")
    upcoming: int = Field(description="Of those, the ones not yet ended.")
    withdrawn: int = Field(description="Occurrences cancelled or gone from the calendar.")
    recorded: int = Field(description="Ended occurrences recorded as interactions.")
    skipped: dict[str, int] = Field(
        description="Events set aside at the last sync, by reason: `no_uid`, `no_title` "
        "(the firm's), `no_duration`, `duplicate`."
    )


class SyncOut(BaseModel):
    """What one sync did."""

    calendar: CalendarOut
    scheduled: int = Field(description="Occurrences new or changed at this sync.")
    withdrawn: int = Field(description="Occurrences withdrawn at this sync.")
    interactions: int = Field(description="Interactions recorded at this sync.")
    error: str | None = Field(description="Why the sync did nothing, if it failed.")


class OwnCalendarOut(BaseModel):
    """A consultant's connected calendar, as they see it (none: not connected)."""

    connected: bool
    calendar: CalendarOut | None = None
