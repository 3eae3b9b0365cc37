"""Calendars for tests: events written with icalendar, collections made in the real Radicale."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
import icalendar

from braise_cli.stack.caldav import CaldavAccount

PRODID = "-//Braise tests//calendars//FR"


def attendee(email: str, partstat: str = "ACCEPTED") -> icalendar.vCalAddress:
    """Return an ATTENDEE value, as a calendar application writes it."""
    value = icalendar.vCalAddress(f"mailto:{email}")
    value.params["PARTSTAT"] = partstat
    value.params["ROLE"] = "REQ-PARTICIPANT"
    return value


def event(
    uid: str | None,
    summary: str,
    start: datetime,
    end: datetime,
    *,
    location: str | None = None,
    attendees: Sequence[str] = (),
    declined: Sequence[str] = (),
    organizer: str | None = None,
    rrule: dict[str, object] | None = None,
    exdates: Iterable[datetime] = (),
    recurrence_id: datetime | None = None,
    status: str | None = None,
    description: str | None = None,
    conference: str | None = None,
) -> icalendar.Event:
    """Return a VEVENT with what a calendar application puts in one."""
    vevent = icalendar.Event()
    if uid is not None:
        vevent.add("uid", uid)
    vevent.add("dtstamp", datetime(2026, 1, 1, 12, 0))
    vevent.add("summary", summary)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    if location is not None:
        vevent.add("location", location)
    if description is not None:
        vevent.add("description", description)
    if organizer is not None:
        vevent.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"))
    for email in attendees:
        vevent.add("attendee", attendee(email))
    for email in declined:
        vevent.add("attendee", attendee(email, "DECLINED"))
    if rrule is not None:
        vevent.add("rrule", rrule)
    for day in exdates:
        vevent.add("exdate", day)
    if recurrence_id is not None:
        vevent.add("recurrence-id", recurrence_id)
    if status is not None:
        vevent.add("status", status)
    if conference is not None:
        vevent.add("x-google-conference", conference)
    return vevent


def document(*events: icalendar.Event) -> bytes:
    """Return an iCalendar document holding events."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    for vevent in events:
        calendar.add_component(vevent)
    return bytes(calendar.to_ical())


@dataclass(frozen=True)
class RadicaleCalendar:
    """One collection of the session's Radicale, made for one test."""

    account: CaldavAccount
    url: str

    def _client(self) -> httpx.Client:
        return httpx.Client(auth=(self.account.user, self.account.password), timeout=10)

    def put(self, name: str, data: bytes) -> None:
        """Create or replace the object name (one event and its overrides) in the collection."""
        with self._client() as client:
            response = client.put(
                f"{self.url}{name}.ics",
                content=data,
                headers={"Content-Type": "text/calendar; charset=utf-8"},
            )
        assert response.status_code in (201, 204), response.text

    def delete(self, name: str) -> None:
        """Delete the object name from the collection."""
        with self._client() as client:
            response = client.delete(f"{self.url}{name}.ics")
        assert response.status_code in (200, 204), response.text


def new_collection(account: CaldavAccount, prefix: str = "test") -> RadicaleCalendar:
    """Make a new, empty calendar collection in Radicale and return it."""
    url = f"{account.home}{prefix}-{uuid.uuid4().hex[:12]}/"
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:set><D:prop><D:displayname>Braise test</D:displayname></D:prop></D:set>"
        "</C:mkcalendar>"
    )
    response = httpx.request(
        "MKCALENDAR",
        url,
        content=body,
        auth=(account.user, account.password),
        headers={"Content-Type": "application/xml"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return RadicaleCalendar(account, url)
