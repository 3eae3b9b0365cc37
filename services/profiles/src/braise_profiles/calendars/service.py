"""The calendar use cases: register, upload, connect, disconnect, show, forget."""

import uuid
from datetime import datetime
from typing import Any

import httpx
import orjson
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.calendars.addresses import (
    AddressError,
    UnresolvableHostError,
    check_url,
)
from braise_profiles.calendars.parsing import MalformedCalendarError, without_person
from braise_profiles.calendars.schemas import CalendarOut, ConnectionIn, SyncOut
from braise_profiles.calendars.secrets import Connection, seal, unseal
from braise_profiles.calendars.sources import Fetched
from braise_profiles.calendars.store import forget_attendee, utc_now
from braise_profiles.calendars.sync import (
    SyncReport,
    Window,
    parse_documents,
    sync_calendar,
    write_sync,
)
from braise_profiles.config import ProfilesSettings
from braise_profiles.db import CalendarRow, OccurrenceRow, unit_of_work
from braise_profiles.directory import get_row as get_consultant
from braise_profiles.errors import InvalidError, NotFoundError

UPLOAD = "ics_file"


class CalendarTooLargeError(InvalidError, status_code=413, error_type="too_large"):
    """An uploaded calendar is larger than the limit: refused before it is parsed."""


def _new_row(name: str, source: str, owner_id: uuid.UUID | None, now: datetime) -> CalendarRow:
    return CalendarRow(
        id=uuid.uuid4(),
        owner_id=owner_id,
        name=name,
        source=source,
        skipped="{}",
        created_at=now,
    )


def _host(row: CalendarRow, settings: ProfilesSettings) -> str | None:
    if row.secret is None:
        return None
    try:
        return httpx.URL(unseal(row.secret, settings.calendar_fernet_key()).url).host or None
    except Exception:  # noqa: BLE001 - a status page must show even an unreadable calendar
        return None


def calendar_out(
    session: Session, row: CalendarRow, settings: ProfilesSettings, *, now: datetime
) -> CalendarOut:
    """Return a calendar's status: last sync, last error, and what it holds."""
    live = OccurrenceRow.withdrawn.is_(False)
    counts = session.execute(
        select(
            func.count().filter(live),
            func.count().filter(live, OccurrenceRow.ends_at > now),
            func.count().filter(OccurrenceRow.withdrawn.is_(True)),
            func.sum(case((OccurrenceRow.recorded.is_(True) & live, 1), else_=0)),
        ).where(OccurrenceRow.calendar_id == row.id)
    ).one()
    return CalendarOut(
        id=row.id,
        name=row.name,
        source=row.source,
        host=_host(row, settings),
        owner_id=row.owner_id,
        last_synced_at=row.last_synced_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        occurrences=counts[0] or 0,
        upcoming=counts[1] or 0,
        withdrawn=counts[2] or 0,
        recorded=counts[3] or 0,
        skipped=orjson.loads(row.skipped),
    )


def _sync_out(
    factory: sessionmaker[Session], settings: ProfilesSettings, report: SyncReport
) -> SyncOut:
    with factory() as session:
        row = session.get(CalendarRow, report.calendar_id)
        if row is None:
            raise NotFoundError(("path", "calendar_id"), f"no calendar {report.calendar_id}")
        return SyncOut(
            calendar=calendar_out(session, row, settings, now=utc_now()),
            scheduled=report.scheduled,
            withdrawn=report.withdrawn,
            interactions=report.interactions,
            error=report.error,
        )


def _connection(body: ConnectionIn, settings: ProfilesSettings) -> Connection:
    if body.source == "caldav" and (body.user is None or body.password is None):
        field = "user" if body.user is None else "password"
        raise InvalidError(("body", field), "a CalDAV calendar needs a user and a password")
    try:
        check_url(body.url, allow_private=settings.calendar_allow_private_hosts)
    except UnresolvableHostError:
        pass  # perhaps for a moment: the sync says so as the calendar's last error
    except AddressError as exc:
        raise InvalidError(("body", "url"), str(exc)) from exc
    return Connection(url=body.url, user=body.user, password=body.password)


def register_firm_calendar(
    factory: sessionmaker[Session], settings: ProfilesSettings, *, name: str, body: ConnectionIn
) -> SyncOut:
    """Register a firm's events calendar read from an address, and sync it a first time."""
    connection = _connection(body, settings)
    with unit_of_work(factory) as session:
        row = _new_row(name, body.source, None, utc_now())
        row.secret = seal(connection, settings.calendar_fernet_key())
        session.add(row)
    return _sync_out(factory, settings, sync_calendar(factory, settings, row.id))


def upload_firm_calendar(
    factory: sessionmaker[Session],
    settings: ProfilesSettings,
    *,
    data: bytes,
    name: str | None = None,
    calendar_id: uuid.UUID | None = None,
) -> SyncOut:
    """Import an uploaded document: a new firm calendar, or a new version of one uploaded.

    Too large: refused unread (413). Malformed: refused (422) naming the problem, nothing
    written. Otherwise the document and all it changes are written in one transaction.
    """
    limit = settings.calendar_max_bytes
    if len(data) > limit:
        raise CalendarTooLargeError(
            ("body",), f"the calendar is larger than {limit} bytes, the limit; refused unread"
        )
    now = utc_now()
    window = Window.around(now, settings)
    try:
        by_href, skipped = parse_documents({UPLOAD: data}, window, settings)
    except MalformedCalendarError as exc:
        raise InvalidError(("body",), f"not a calendar Braise can read: {exc}") from exc
    with unit_of_work(factory) as session:
        if calendar_id is None:
            row = _new_row(name or "Calendar", UPLOAD, None, now)
            session.add(row)
            session.flush()
            calendar_id = row.id
        else:
            found = session.get(CalendarRow, calendar_id)
            if found is None or found.source != UPLOAD:
                raise NotFoundError(("path", "calendar_id"), f"no uploaded calendar {calendar_id}")
        fetched = Fetched(full=True, documents={UPLOAD: data})
        report = write_sync(
            session, calendar_id, fetched, by_href, skipped, window=window, now=now, document=data
        )
    assert report is not None  # the calendar was found or made in this transaction
    return _sync_out(factory, settings, report)


def sync_now(
    factory: sessionmaker[Session], settings: ProfilesSettings, calendar_id: uuid.UUID
) -> SyncOut:
    """Sync one calendar now and answer with what it did."""
    with factory() as session:
        if session.get(CalendarRow, calendar_id) is None:
            raise NotFoundError(("path", "calendar_id"), f"no calendar {calendar_id}")
    return _sync_out(factory, settings, sync_calendar(factory, settings, calendar_id))


def list_calendars(
    session: Session, settings: ProfilesSettings, *, firm_only: bool
) -> list[CalendarOut]:
    """Return the calendars with their status: the firm's, or every one."""
    query = select(CalendarRow).order_by(CalendarRow.created_at, CalendarRow.id)
    if firm_only:
        query = query.where(CalendarRow.owner_id.is_(None))
    now = utc_now()
    return [calendar_out(session, row, settings, now=now) for row in session.scalars(query)]


def get_calendar(
    session: Session, settings: ProfilesSettings, calendar_id: uuid.UUID
) -> CalendarOut:
    """Return one calendar's status."""
    row = session.get(CalendarRow, calendar_id)
    if row is None:
        raise NotFoundError(("path", "calendar_id"), f"no calendar {calendar_id}")
    return calendar_out(session, row, settings, now=utc_now())


def connect_own_calendar(
    factory: sessionmaker[Session],
    settings: ProfilesSettings,
    *,
    consultant_id: uuid.UUID,
    body: ConnectionIn,
) -> SyncOut:
    """Connect a consultant's calendar (replacing the one they had), and sync it a first time."""
    connection = _connection(body, settings)
    with unit_of_work(factory) as session:
        get_consultant(session, consultant_id)
        _delete_own(session, consultant_id)
        row = _new_row("own", body.source, consultant_id, utc_now())
        row.secret = seal(connection, settings.calendar_fernet_key())
        session.add(row)
    return _sync_out(factory, settings, sync_calendar(factory, settings, row.id))


def own_calendar(
    session: Session, settings: ProfilesSettings, consultant_id: uuid.UUID
) -> CalendarOut | None:
    """Return a consultant's connected calendar, if any."""
    get_consultant(session, consultant_id)
    row = session.scalar(select(CalendarRow).where(CalendarRow.owner_id == consultant_id))
    return None if row is None else calendar_out(session, row, settings, now=utc_now())


def _delete_own(session: Session, consultant_id: uuid.UUID) -> bool:
    """Delete a consultant's calendar: credentials, ETags and occurrences (not interactions)."""
    row = session.scalar(select(CalendarRow).where(CalendarRow.owner_id == consultant_id))
    if row is None:
        return False
    session.execute(delete(OccurrenceRow).where(OccurrenceRow.calendar_id == row.id))
    session.delete(row)
    session.flush()
    return True


def disconnect_own_calendar(*, session: Session, consultant_id: uuid.UUID) -> bool:
    """Stop reading a consultant's calendar and delete its credentials; False if none."""
    get_consultant(session, consultant_id)
    return _delete_own(session, consultant_id)


def forget_consultant_calendars(session: Session, consultant_id: uuid.UUID, email: str) -> None:
    """On erasure: delete their calendar and all read from it, and their id from occasions.

    The firm's uploaded documents are written again without their ATTENDEE and ORGANIZER
    lines (address and name), in the caller's transaction.
    """
    _delete_own(session, consultant_id)
    forget_attendee(session, consultant_id)
    for row in session.scalars(select(CalendarRow).where(CalendarRow.document.is_not(None))):
        rewritten = without_person(row.document or b"", email)
        if rewritten is not None:
            row.document = rewritten


def calendar_export(
    session: Session, settings: ProfilesSettings, consultant_id: uuid.UUID
) -> dict[str, Any] | None:
    """Return what is held of a consultant's connected calendar, never its credentials."""
    row = session.scalar(select(CalendarRow).where(CalendarRow.owner_id == consultant_id))
    if row is None:
        return None
    return {
        "source": row.source,
        "host": _host(row, settings),
        "connected_at": row.created_at.isoformat(),
        "last_synced_at": row.last_synced_at.isoformat() if row.last_synced_at else None,
        "last_error": row.last_error,
        "last_error_at": row.last_error_at.isoformat() if row.last_error_at else None,
    }
