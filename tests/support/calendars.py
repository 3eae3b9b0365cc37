"""Calendars for tests: events written with icalendar, collections made in the real Radicale."""

import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import icalendar

from braise_cli.stack.caldav import CaldavAccount

PRODID = "-//Braise tests//calendars//FR"


def attendee(email: str, partstat: str | None = "ACCEPTED") -> icalendar.vCalAddress:
    """Return an ATTENDEE value, as a calendar application writes it (None: no PARTSTAT)."""
    value = icalendar.vCalAddress(f"mailto:{email}")
    if partstat is not None:
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
    invited: Sequence[tuple[str, str | None]] = (),
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
    for email, partstat in invited:
        vevent.add("attendee", attendee(email, partstat))
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


class IcsServer:
    """A real HTTP server on 127.0.0.1 answering each path as told: (status, headers, body)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = answers.get(self.path, (404, {}, b"none"))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """Return the address of a path on this server."""
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, data: bytes, status: int = 200, **headers: str) -> None:
        """Answer path with data from now on."""
        self.answers[path] = (status, {"Content-Type": "text/calendar", **headers}, data)


@contextmanager
def ics_server() -> Iterator[IcsServer]:
    """Yield a running IcsServer, stopped after."""
    running = IcsServer()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()
