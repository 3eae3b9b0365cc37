"""The "add to my calendar" file of an occasion a digest names (iCalendar, RFC 5545). Pure.

One `.ics` per occasion: `METHOD:PUBLISH` (a calendar entry to add, not a meeting request:
no organizer, no attendee list, nothing anyone answers), a UID of the occasion's id at the
firm's domain (the same occasion added twice is one entry, and a later digest's file updates
it, its SEQUENCE being the occasion's revision), start and end in UTC (an all-day occasion:
its local dates in the firm's time zone, `VALUE=DATE`, the end the day after its last), the
title as entered and the place as the digest says it. A cancellation is never sent as a file.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from braise_notifier.catalogs import local_days
from braise_shared.candidates import OccasionFact

PRODID = "-//Braise//Occasions//EN"


@dataclass(frozen=True)
class CalendarFile:
    """An occasion's calendar file, as attached to a digest."""

    occasion_id: str
    filename: str
    content: str  # iCalendar text, CRLF lines


def file_name(title: str) -> str:
    """Return a plain file name for an occasion's title ("petit-dejeuner-du-cabinet.ics")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'occasion'}.ics"


def occasion_file(
    occasion: OccasionFact,
    *,
    location: str,
    domain: str,
    stamp: datetime,
    timezone: str = "Europe/Paris",
) -> CalendarFile:
    """Return the calendar file of an occasion (`location`: its place as the digest says it;
    `domain`: the firm's, for the UID; `stamp`: when the file was written, DTSTAMP;
    `timezone`: the firm's, in which an all-day occasion's dates are)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{occasion.occasion_id}@{domain}")
    event.add("dtstamp", stamp)
    event.add("sequence", occasion.revision)
    if occasion.all_day:
        first, last = local_days(occasion.starts_at, occasion.ends_at, timezone)
        event.add("dtstart", first)
        event.add("dtend", last + timedelta(days=1))
    else:
        event.add("dtstart", occasion.starts_at)
        event.add("dtend", occasion.ends_at)
    event.add("summary", occasion.title)
    event.add("location", location)
    calendar.add_component(event)
    return CalendarFile(
        occasion.occasion_id, file_name(occasion.title), calendar.to_ical().decode("utf-8")
    )
