"""Sync one calendar: read what changed, parse it, and write it all in one transaction.

Reading (the network) and parsing happen before any write; a failure there is recorded as the
calendar's last error and nothing else is written. The write transaction then holds the
calendar's row lock, applies the occurrences, stages their events, records the interactions
of ended ones and stores the new sync-token and ETags: all or nothing, so a sync killed
anywhere is simply done again, with the same result.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.calendars import sources
from braise_profiles.calendars.parsing import MalformedCalendarError, Occurrence, parse_calendar
from braise_profiles.calendars.secrets import UnreadableSecretError, unseal
from braise_profiles.calendars.store import (
    apply_occurrences,
    lock_calendar,
    record_ended,
    utc_now,
    wanted_occurrences,
)
from braise_profiles.config import ProfilesSettings
from braise_profiles.db import CalendarResourceRow, CalendarRow, unit_of_work

log = logging.getLogger(__name__)
WRITE_TRIES = 3
NOT_ICALENDAR = "the address did not answer an iCalendar document"


@dataclass
class SyncReport:
    """What one sync of one calendar did, or why it did nothing."""

    calendar_id: uuid.UUID
    scheduled: int = 0
    withdrawn: int = 0
    interactions: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Window:
    """The span of time a sync reads: past events become interactions, upcoming ones occasions."""

    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime, settings: ProfilesSettings) -> "Window":
        """Return the settings' window around now."""
        return cls(
            start=now - timedelta(days=settings.calendar_past_days),
            end=now + timedelta(days=settings.calendar_future_days),
        )


@dataclass(frozen=True)
class _Snapshot:
    """What a sync reads of the calendar's row before going to the network."""

    source: str
    secret: bytes | None
    document: bytes | None
    sync_token: str | None
    full_synced_at: datetime | None
    etags: dict[str, str]


def parse_documents(
    documents: dict[str, bytes], window: Window, settings: ProfilesSettings
) -> tuple[dict[str, list[Occurrence]], dict[str, int]]:
    """Parse each document; raise MalformedCalendarError naming the one at fault."""
    zone = ZoneInfo(settings.calendar_timezone)
    by_href: dict[str, list[Occurrence]] = {}
    skipped: dict[str, int] = {}
    for href, data in documents.items():
        try:
            parsed = parse_calendar(
                data,
                window_start=window.start,
                window_end=window.end,
                zone=zone,
                default_city=settings.calendar_default_city,
            )
        except MalformedCalendarError as exc:
            name = href.rsplit("/", 1)[-1] or href
            raise MalformedCalendarError(
                f"{name}: {exc}" if len(documents) > 1 else str(exc)
            ) from exc
        by_href[href] = parsed.occurrences
        for reason, count in parsed.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    return by_href, skipped


def _snapshot(factory: sessionmaker[Session], calendar_id: uuid.UUID) -> _Snapshot | None:
    with factory() as session:
        row = session.get(CalendarRow, calendar_id)
        if row is None:
            return None
        rows = session.execute(
            select(CalendarResourceRow.href, CalendarResourceRow.etag).where(
                CalendarResourceRow.calendar_id == calendar_id
            )
        ).all()
        etags = {href: etag for href, etag in rows}  # noqa: C416 - a Result is no mapping
        return _Snapshot(
            row.source, row.secret, row.document, row.sync_token, row.full_synced_at, etags
        )


def _fetch(snapshot: _Snapshot, settings: ProfilesSettings, *, full: bool) -> sources.Fetched:
    if snapshot.source == "ics_file":
        return sources.Fetched(full=True, documents={"upload": snapshot.document or b""})
    if snapshot.secret is None:
        raise sources.SourceError("the calendar has no address: connect it again")
    connection = unseal(snapshot.secret, settings.calendar_fernet_key())
    max_bytes, timeout_s = settings.calendar_max_bytes, settings.calendar_timeout_s
    allow_private = settings.calendar_allow_private_hosts
    if snapshot.source == "ics_url":
        etag = None if full else snapshot.etags.get(connection.url)
        return sources.fetch_ics_url(
            connection,
            etag=etag,
            max_bytes=max_bytes,
            timeout_s=timeout_s,
            allow_private=allow_private,
        )
    return sources.fetch_caldav(
        connection,
        sync_token=None if full else snapshot.sync_token,
        etags={} if full else snapshot.etags,
        max_bytes=max_bytes,
        timeout_s=timeout_s,
        allow_private=allow_private,
    )


def record_error(
    factory: sessionmaker[Session], calendar_id: uuid.UUID, message: str, *, now: datetime
) -> None:
    """Store a sync's failure as the calendar's last error (and nothing else)."""
    with unit_of_work(factory) as session:
        row = lock_calendar(session, calendar_id)
        if row is not None:
            row.last_error = message[:1000]
            row.last_error_at = now


def write_sync(
    session: Session,
    calendar_id: uuid.UUID,
    fetched: sources.Fetched,
    by_href: dict[str, list[Occurrence]],
    skipped: dict[str, int],
    *,
    window: Window,
    now: datetime,
    document: bytes | None = None,
) -> SyncReport | None:
    """Apply a read calendar in the session's transaction; None if the calendar is gone."""
    calendar = lock_calendar(session, calendar_id)
    if calendar is None:
        return None
    wanted, untitled = wanted_occurrences(session, calendar, by_href)
    if untitled:
        skipped = {**skipped, "no_title": skipped.get("no_title", 0) + untitled}
    touched = None if fetched.full else {*fetched.documents, *fetched.deleted}
    applied = apply_occurrences(
        session, calendar, wanted, touched=touched, window_start=window.start, now=now
    )
    interactions = record_ended(session, calendar, now=now)
    _store_position(session, calendar, fetched, now=now)
    if document is not None:
        calendar.document = document
    calendar.skipped = orjson.dumps(skipped).decode()
    calendar.last_synced_at = now
    calendar.last_error = None
    calendar.last_error_at = None
    return SyncReport(
        calendar_id,
        scheduled=applied.scheduled,
        withdrawn=applied.withdrawn,
        interactions=interactions,
        skipped=skipped,
    )


def _store_position(
    session: Session, calendar: CalendarRow, fetched: sources.Fetched, *, now: datetime
) -> None:
    """Store where the next read starts: the sync-token and every document's ETag."""
    if fetched.full:
        calendar.full_synced_at = now
    calendar.sync_token = fetched.sync_token or (None if fetched.full else calendar.sync_token)
    session.execute(
        delete(CalendarResourceRow).where(CalendarResourceRow.calendar_id == calendar.id)
    )
    session.add_all(
        CalendarResourceRow(calendar_id=calendar.id, href=href[:1000], etag=etag[:300])
        for href, etag in fetched.etags.items()
    )


def sync_calendar(
    factory: sessionmaker[Session],
    settings: ProfilesSettings,
    calendar_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> SyncReport:
    """Read one calendar and apply what changed; a failure becomes its last error."""
    now = now or utc_now()
    report = SyncReport(calendar_id)
    snapshot = _snapshot(factory, calendar_id)
    if snapshot is None:
        report.error = "no such calendar"
        return report
    hours = settings.calendar_full_sync_hours
    full = snapshot.full_synced_at is None or now - snapshot.full_synced_at > timedelta(hours=hours)
    window = Window.around(now, settings)
    try:
        fetched = _fetch(snapshot, settings, full=full)
        by_href, skipped = parse_documents(fetched.documents, window, settings)
    except MalformedCalendarError as exc:
        message = str(exc)
        if snapshot.source != "ics_file":
            # What answered at a remote address is never repeated: it may not be a calendar
            # at all (a page of an internal server). The reason stays in the debug log only.
            log.debug("calendar %s: not iCalendar: %s", calendar_id, exc)
            message = NOT_ICALENDAR
        log.warning("calendar %s not synced: %s", calendar_id, message)
        record_error(factory, calendar_id, message, now=now)
        report.error = message
        return report
    except (sources.SourceError, UnreadableSecretError) as exc:
        log.warning("calendar %s not synced: %s", calendar_id, exc)
        record_error(factory, calendar_id, str(exc), now=now)
        report.error = str(exc)
        return report
    for attempt in range(1, WRITE_TRIES + 1):
        try:
            with unit_of_work(factory) as session:
                written = write_sync(
                    session, calendar_id, fetched, by_href, skipped, window=window, now=now
                )
        except (IntegrityError, OperationalError) as exc:
            # Another calendar holding the same meeting recorded it meanwhile: read again.
            if attempt == WRITE_TRIES:
                record_error(factory, calendar_id, f"could not be written: {exc}", now=now)
                report.error = "could not be written; retried at the next sync"
                return report
            continue
        return written or SyncReport(calendar_id, error="no such calendar")
    return report


def calendar_ids(factory: sessionmaker[Session]) -> list[uuid.UUID]:
    """Return every calendar to sync, the firm's first."""
    with factory() as session:
        rows = [
            (cid, owner)
            for cid, owner in session.execute(
                select(CalendarRow.id, CalendarRow.owner_id).order_by(CalendarRow.created_at)
            )
        ]
        return [cid for cid, owner in sorted(rows, key=lambda r: r[1] is not None)]
