"""Read an iCalendar document into occurrences: pure, no database, no network.

Each VEVENT is expanded over a window (RRULE, RDATE, EXDATE and overridden occurrences, by
`recurring-ical-events`). An occurrence is keyed by its UID and, for one occurrence of a
series, its RECURRENCE-ID (the start it had in the series, so a moved occurrence keeps its
key). Attendees are lower-cased addresses, `mailto:` stripped: those who accepted
(PARTSTAT=ACCEPTED) apart from those who declined; an invitee who has not answered
(NEEDS-ACTION, the RFC's default), answered maybe (TENTATIVE) or DELEGATED is neither.
Matching them to consultants is the caller's business. An event whose DTSTART is a day (not a
time) is all-day: its times are the firm's midnights.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

# Properties that carry a video call's address (RFC 7986 and the big providers' own).
CONFERENCE_PROPERTIES = (
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-ONLINEMEETINGURL",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MS-OLK-ONLINEMEETINGURL",
)
_URL_ONLY = re.compile(r"^\s*(https?://\S+)\s*$", re.IGNORECASE)
_POSTCODE = re.compile(r"^(?:\d{4,5}|[A-Z]{1,2}-?\d{4,5})\s+|\s+\d{4,5}$")
_LUNCH = re.compile(r"d[ée]jeuner|\blunch|\bd[ée]j\b", re.IGNORECASE)
_BREAKFAST = re.compile(r"petit[- ]d[ée]jeuner", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class MalformedCalendarError(ValueError):
    """The document is not iCalendar, or an event in it cannot be read; nothing is taken."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event, as the calendar says (times in UTC)."""

    uid: str
    recurrence: str  # "" for a single event; the RECURRENCE-ID in UTC ISO for a series'
    starts_at: datetime
    ends_at: datetime
    title: str
    place: str | None
    city: str | None
    online: bool
    cancelled: bool
    attendees: tuple[str, ...]  # lower-case addresses that accepted, sorted
    organizer: str | None
    declined: tuple[str, ...]  # the addresses that declined, sorted
    lunch: bool  # the title names a lunch (a breakfast is not one)
    all_day: bool = False  # DTSTART is a day: no hour is ever said of it


@dataclass
class ParsedCalendar:
    """The occurrences of a document within the window, and the events set aside, by reason."""

    occurrences: list[Occurrence] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def one_line(value: object, limit: int) -> str:
    """Return text on one line, spaces collapsed, cut to limit characters."""
    return _SPACES.sub(" ", str(value)).strip()[:limit].strip()


def address(value: object) -> str | None:
    """Return the lower-case e-mail address of a CAL-ADDRESS (`mailto:` stripped), if any."""
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    text = text.strip().lower()
    return text if "@" in text else None


def city_of(location: str | None, default_city: str | None) -> str | None:
    """Return the city of a LOCATION: its last comma part, without a postcode; else the default.

    "Café Pouchkine, 16 place de la Madeleine, 75008 Paris" is in Paris. A LOCATION of one
    part ("Salle Rivoli") names no city: the default (a setting) is taken.
    """
    if location:
        parts = [p.strip() for p in location.split(",") if p.strip()]
        if len(parts) >= 2:
            city = _POSTCODE.sub("", parts[-1]).strip()
            if city and not any(ch.isdigit() for ch in city):
                return city[:120]
    return default_city


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    """Return a DTSTART/DTEND value in UTC; a floating time or a day is the firm's local time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _calendar_addresses(values: Any) -> list[Any]:
    if values is None:
        return []
    return list(values) if isinstance(values, list) else [values]


def _check_times(event: icalendar.cal.Component) -> None:
    """Raise MalformedCalendarError when an event's times cannot be read."""
    uid = str(event.get("UID", "(no UID)"))
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if name in event:
            value = event.decoded(name)
            if not isinstance(value, date):
                raise MalformedCalendarError(f"event {uid}: {name} is not a date or a time")
    if "DTSTART" not in event:
        raise MalformedCalendarError(f"event {uid}: DTSTART is missing")


def _online_and_place(event: icalendar.Event) -> tuple[bool, str | None]:
    location = one_line(event.get("LOCATION", ""), 300) or None
    if location and _URL_ONLY.match(location):
        return True, None
    conference = any(name in event for name in CONFERENCE_PROPERTIES)
    return (conference and location is None), location


def _occurrence(
    event: icalendar.Event, zone: tzinfo, default_city: str | None, series: set[str]
) -> Occurrence | str:
    """Return the occurrence an expanded VEVENT stands for, or why it is set aside."""
    uid = one_line(event.get("UID", ""), 255)
    if not uid:
        return "no_uid"
    starts_at = _as_utc(event.decoded("DTSTART"), zone)
    if "DTEND" in event:
        ends_at = _as_utc(event.decoded("DTEND"), zone)
    elif "DURATION" in event:
        ends_at = starts_at + event.decoded("DURATION")
    elif not isinstance(event.decoded("DTSTART"), datetime):
        ends_at = starts_at + timedelta(days=1)  # a day's event lasts the day (RFC 5545)
    else:
        ends_at = starts_at
    if ends_at <= starts_at:
        return "no_duration"
    recurrence = ""
    # The expansion gives every occurrence a RECURRENCE-ID, a single event's too (its start):
    # only a series' is kept, so moving a single event keeps its key.
    if uid in series and "RECURRENCE-ID" in event:
        recurrence = _as_utc(event.decoded("RECURRENCE-ID"), zone).isoformat()
    attendees: set[str] = set()
    declined: set[str] = set()
    for value in _calendar_addresses(event.get("ATTENDEE")):
        found = address(value)
        if found is None:
            continue
        partstat = str(getattr(value, "params", {}).get("PARTSTAT", "NEEDS-ACTION")).upper()
        if partstat == "ACCEPTED":
            attendees.add(found)
        elif partstat == "DECLINED":
            declined.add(found)
    organizer = address(event["ORGANIZER"]) if "ORGANIZER" in event else None
    title = one_line(event.get("SUMMARY", ""), 200)
    online, place = _online_and_place(event)
    return Occurrence(
        uid=uid,
        recurrence=recurrence,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        place=place,
        city=None if online else city_of(place, default_city),
        online=online,
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
        attendees=tuple(sorted(attendees - declined)),
        organizer=organizer,
        declined=tuple(sorted(declined)),
        lunch=bool(_LUNCH.search(title)) and not _BREAKFAST.search(title),
        all_day=not isinstance(event.decoded("DTSTART"), datetime),
    )


def without_person(data: bytes, email: str) -> bytes | None:
    """Return a document without the ATTENDEE and ORGANIZER properties of one address.

    None when it has none of theirs. Used at erasure: the document is parsed and written
    again, everything else in it as it was.
    """
    needle = email.strip().lower()
    calendar = icalendar.Calendar.from_ical(data)
    changed = False
    for component in calendar.walk():
        for name in ("ATTENDEE", "ORGANIZER"):
            values = _calendar_addresses(component.get(name))
            kept = [v for v in values if address(v) != needle]
            if len(kept) == len(values):
                continue
            changed = True
            del component[name]
            for value in kept:
                component.add(name, value)
    return bytes(calendar.to_ical()) if changed else None


def read_calendar(data: bytes) -> icalendar.Calendar:
    """Return the VCALENDAR of a document, or raise MalformedCalendarError saying why."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise MalformedCalendarError(f"not a readable iCalendar document: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise MalformedCalendarError("not an iCalendar document: it must start with VCALENDAR")
    for event in calendar.walk("VEVENT"):
        _check_times(event)
    return calendar


def parse_calendar(
    data: bytes,
    *,
    window_start: datetime,
    window_end: datetime,
    zone: tzinfo,
    default_city: str | None = None,
) -> ParsedCalendar:
    """Return the occurrences of a document that overlap the window, expanded and keyed."""
    calendar = read_calendar(data)
    parsed = ParsedCalendar()
    series: set[str] = set()
    for event in calendar.walk("VEVENT"):
        uid = one_line(event.get("UID", ""), 255)
        if not uid:
            parsed.skipped["no_uid"] += 1
        elif any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            series.add(uid)
    try:
        expanded = recurring_ical_events.of(calendar).between(window_start, window_end)
    except Exception as exc:
        raise MalformedCalendarError(f"its recurrences cannot be expanded: {exc}") from exc
    seen: set[tuple[str, str]] = set()
    for event in expanded:
        found = _occurrence(event, zone, default_city, series)
        if isinstance(found, str):
            if found != "no_uid":  # counted once per event above, not per occurrence
                parsed.skipped[found] += 1
            continue
        key = (found.uid, found.recurrence)
        if key in seen:  # a document listing one event twice: the first is kept
            parsed.skipped["duplicate"] += 1
            continue
        seen.add(key)
        parsed.occurrences.append(found)
    return parsed
