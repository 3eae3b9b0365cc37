"""Apply what a calendar says to the stored occurrences, in the caller's one transaction.

Everything a sync writes goes through here, in the transaction that also stores the new
sync-token: the occurrences, their `occasion.scheduled` / `occasion.withdrawn` events, the
interactions of ended ones. A sync killed at any point leaves all of it or none of it.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from braise_profiles.calendars.parsing import Occurrence
from braise_profiles.db import CalendarRow, OccurrenceRow
from braise_profiles.directory import ids_by_email, known_consultants
from braise_profiles.interactions.service import record_once
from braise_profiles.outbox import PRODUCER, stage_event
from braise_shared.events import (
    OccasionScheduled,
    OccasionScheduledV1,
    OccasionWithdrawn,
    OccasionWithdrawnV1,
)

# Fixed forever: the ids of occasions and of the interactions they become derive from it.
NAMESPACE = uuid.UUID("6f1c1d0e-5b7a-4c38-9d2e-0ca1e9da7b35")
FIRM_KIND = "event"


def occasion_id(calendar_id: uuid.UUID, uid: str, recurrence: str) -> uuid.UUID:
    """Return the id of one occurrence of one calendar: the same at every import."""
    return uuid.uuid5(NAMESPACE, f"occasion|{calendar_id}|{uid}|{recurrence}")


def meeting_key(uid: str, recurrence: str) -> uuid.UUID:
    """Return the id of the interaction an occurrence becomes, whichever calendar holds it."""
    return uuid.uuid5(NAMESPACE, f"interaction|{uid}|{recurrence}")


@dataclass(frozen=True)
class Wanted:
    """An occurrence as it should be stored."""

    id: uuid.UUID
    href: str
    meeting_key: uuid.UUID
    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str | None
    place: str | None
    city: str | None
    online: bool
    all_day: bool
    attendees: tuple[uuid.UUID, ...]  # consultants who accepted, or organized it
    declined: tuple[uuid.UUID, ...]  # consultants who declined
    cancelled: bool


COMPARED = ("kind", "starts_at", "ends_at", "title", "place", "city", "online", "all_day")


@dataclass
class Applied:
    """What one sync changed."""

    scheduled: int = 0
    withdrawn: int = 0
    interactions: int = 0


def wanted_occurrences(
    session: Session,
    calendar: CalendarRow,
    by_href: Mapping[str, Iterable[Occurrence]],
) -> tuple[dict[uuid.UUID, Wanted], int]:
    """Return the rows the occurrences should become, and how many untitled ones were dropped.

    Attendees become consultant ids; anyone else is dropped here and never stored. Those who
    accepted attend, and the organizer (organizing counts as attending) unless they declined;
    those who declined are kept apart; an invitee who has not answered, or answered maybe, is
    neither. A consultant's calendar keeps only meetings its owner and at least one other
    consultant attend, and only their times, participants and kind: the title is read for the
    kind (lunch or meeting), then let go.
    """
    emails = {
        a
        for occs in by_href.values()
        for o in occs
        for a in (*o.attendees, *o.declined, o.organizer or "")
    }
    consultant_of = ids_by_email(session, {e for e in emails if e})
    wanted: dict[uuid.UUID, Wanted] = {}
    untitled = 0
    owner = calendar.owner_id
    for href, occurrences in by_href.items():
        for o in occurrences:
            declined = {consultant_of[a] for a in o.declined if a in consultant_of}
            present = {consultant_of[a] for a in o.attendees if a in consultant_of}
            if o.organizer in consultant_of:
                present.add(consultant_of[o.organizer])
            present -= declined
            if owner is not None:
                if owner not in present or len(present) < 2:
                    continue
            elif not o.title:
                untitled += 1
                continue
            key = occasion_id(calendar.id, o.uid, o.recurrence)
            wanted[key] = Wanted(
                id=key,
                href=href,
                meeting_key=meeting_key(o.uid, o.recurrence),
                kind=FIRM_KIND if owner is None else ("lunch" if o.lunch else "meeting"),
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                title=o.title if owner is None else None,
                place=o.place if owner is None else None,
                city=o.city if owner is None else None,
                online=o.online if owner is None else False,
                all_day=o.all_day,
                attendees=tuple(sorted(present)),
                declined=tuple(sorted(declined)),
                cancelled=o.cancelled,
            )
    return wanted, untitled


def _attendees(row: OccurrenceRow) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(a) for a in orjson.loads(row.attendees))


def _declined(row: OccurrenceRow) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(a) for a in orjson.loads(row.declined))


def _differs(row: OccurrenceRow, w: Wanted) -> bool:
    return (
        row.withdrawn
        or _attendees(row) != w.attendees
        or _declined(row) != w.declined
        or any(getattr(row, name) != getattr(w, name) for name in COMPARED)
    )


def _fill(row: OccurrenceRow, w: Wanted) -> None:
    for f in fields(Wanted):
        if f.name not in ("id", "attendees", "declined", "cancelled"):
            setattr(row, f.name, getattr(w, f.name))
    row.attendees = orjson.dumps([str(a) for a in w.attendees]).decode()
    row.declined = orjson.dumps([str(a) for a in w.declined]).decode()
    row.withdrawn = False


def _publish_scheduled(session: Session, row: OccurrenceRow, now: datetime) -> None:
    data = OccasionScheduled(
        occasion_id=row.id,
        revision=row.revision,
        title=row.title or "",
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=row.place,
        city=row.city,
        online=row.online,
        all_day=row.all_day,
        attendees=list(_attendees(row)),
        declined=list(_declined(row)),
    )
    event = OccasionScheduledV1(occurred_at=now, producer=PRODUCER, data=data)
    stage_event(session, event, subject_id=None)


def _withdraw(session: Session, row: OccurrenceRow, *, firm: bool, now: datetime) -> None:
    row.withdrawn = True
    row.revision += 1
    if firm:
        data = OccasionWithdrawn(occasion_id=row.id, revision=row.revision)
        event = OccasionWithdrawnV1(occurred_at=now, producer=PRODUCER, data=data)
        stage_event(session, event, subject_id=None)


def apply_occurrences(
    session: Session,
    calendar: CalendarRow,
    wanted: Mapping[uuid.UUID, Wanted],
    *,
    touched: set[str] | None,
    window_start: datetime,
    now: datetime,
) -> Applied:
    """Store the wanted occurrences; withdraw the cancelled and those gone from their document.

    touched: the hrefs read again (None: the whole calendar was). An occurrence stored from
    another href is left as it is; one that started before the window is history, kept.
    """
    firm = calendar.owner_id is None
    applied = Applied()
    stored = {
        row.id: row
        for row in session.scalars(
            select(OccurrenceRow).where(OccurrenceRow.calendar_id == calendar.id)
        )
    }
    for w in wanted.values():
        row = stored.get(w.id)
        if w.cancelled:
            if row is not None and not row.withdrawn:
                _withdraw(session, row, firm=firm, now=now)
                applied.withdrawn += 1
            continue
        if row is None:
            row = OccurrenceRow(id=w.id, calendar_id=calendar.id, revision=1, recorded=False)
            _fill(row, w)
            session.add(row)
        elif _differs(row, w):
            _fill(row, w)
            row.revision += 1
        else:
            row.href = w.href  # the same event under another name on its server
            continue
        if firm:
            _publish_scheduled(session, row, now)
        applied.scheduled += 1
    for row in stored.values():
        gone = row.id not in wanted and (touched is None or row.href in touched)
        if gone and not row.withdrawn and row.starts_at >= window_start:
            _withdraw(session, row, firm=firm, now=now)
            applied.withdrawn += 1
    session.flush()
    return applied


def record_ended(session: Session, calendar: CalendarRow, *, now: datetime) -> int:
    """Record each ended occurrence two consultants or more attended as one interaction, once.

    Only those who accepted (or organized it) are its participants: an invitee who did not
    answer, answered maybe or declined was not there as far as the calendar says.
    """
    recorded = 0
    rows = session.scalars(
        select(OccurrenceRow).where(
            OccurrenceRow.calendar_id == calendar.id,
            OccurrenceRow.withdrawn.is_(False),
            OccurrenceRow.recorded.is_(False),
            OccurrenceRow.ends_at <= now,
        )
    ).all()
    for row in rows:
        known = known_consultants(session, _attendees(row))
        participants = [a for a in _attendees(row) if a in known]
        if len(participants) >= 2:
            recorded += record_once(
                session=session,
                interaction_id=row.meeting_key,
                kind=row.kind,
                participants=participants,
                occurred_at=min(row.starts_at, now),
                note=row.title,  # the firm's events are public to the firm; meetings: None
            )
        row.recorded = True
    session.flush()
    return recorded


def lock_calendar(session: Session, calendar_id: uuid.UUID) -> CalendarRow | None:
    """Return a calendar's row locked until commit (two syncs of one calendar take turns)."""
    locked = session.execute(
        update(CalendarRow)
        .where(CalendarRow.id == calendar_id)
        .values(name=CalendarRow.name)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return session.get(CalendarRow, calendar_id, populate_existing=True)


def forget_attendee(session: Session, consultant_id: uuid.UUID) -> None:
    """Take an erased consultant out of every stored occurrence's attendees and declined."""
    needle = str(consultant_id)
    for row in session.scalars(
        select(OccurrenceRow).where(
            OccurrenceRow.attendees.contains(needle) | OccurrenceRow.declined.contains(needle)
        )
    ):
        for name in ("attendees", "declined"):
            kept = [a for a in orjson.loads(getattr(row, name)) if a != needle]
            setattr(row, name, orjson.dumps(kept).decode())


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)
