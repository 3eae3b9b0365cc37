"""Plan digests: which (period, consultant) are due, recorded once in the ledger, and which
a dead worker left unfinished."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import PLANNED, SENDING, SENT, DigestRow, RecipientRow, unit_of_work
from braise_notifier.schedule import current_period, paused_on, week_began


class EnqueueError(RuntimeError):
    """The broker refused a batch: the digests before it are enqueued, the rest only planned
    (planning again enqueues them)."""

    def __init__(self, *, enqueued: int, planned: int, reason: str) -> None:
        super().__init__(f"enqueued {enqueued} of {planned} planned digests: {reason}")
        self.enqueued = enqueued
        self.planned = planned


def plan(
    factory: sessionmaker[Session], wanted: list[tuple[str, str]], *, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Record (period, consultant) digests not yet in the ledger; return those to enqueue.

    Rows still planned, or sending with an expired lease, are returned again: their task may
    have been lost. Sent, failed and empty rows are final.
    """
    if not wanted:
        return []
    now = now or datetime.now(UTC)
    with unit_of_work(factory) as session:
        existing = {
            (r.period, r.consultant_id): r
            for r in session.scalars(
                select(DigestRow).where(
                    DigestRow.period.in_({p for p, _ in wanted}),
                    DigestRow.consultant_id.in_({c for _, c in wanted}),
                )
            )
        }
        for period, cid in wanted:
            if (period, cid) not in existing:
                session.add(
                    DigestRow(
                        period=period,
                        consultant_id=cid,
                        state=PLANNED,
                        attempts=0,
                        created_at=now,
                        event_published=False,
                    )
                )
    return [
        key for key in wanted if key not in existing or existing[key].state in (PLANNED, SENDING)
    ]


def unfinished(
    factory: sessionmaker[Session], *, lease: timedelta, since: timedelta = timedelta(days=14)
) -> list[tuple[str, str, float]]:
    """Return (period, consultant, delay in s) of digests left planned or sending, or sent
    with their digest.sent not yet on the stream, to enqueue again.

    A sending row is retried once its lease has run out (its worker died); the delay says when.
    A sent one is only published (`DigestService`), never sent again.
    """
    now = datetime.now(UTC)
    with factory() as session:
        rows = session.scalars(
            select(DigestRow).where(
                DigestRow.state.in_((PLANNED, SENDING))
                | ((DigestRow.state == SENT) & DigestRow.event_published.is_(False)),
                DigestRow.created_at >= now - since,
            )
        )
        out = []
        for row in rows:
            delay = 0.0
            if row.state == SENDING and row.claimed_at is not None:
                delay = max(0.0, (row.claimed_at + lease - now).total_seconds())
            out.append((row.period, row.consultant_id, delay))
    return sorted(out)


def due_today(
    factory: sessionmaker[Session], today: date, *, timezone: str
) -> list[tuple[str, str]]:
    """Return (period, consultant) for every subscribed consultant due a digest today and
    planned none yet this week (`schedule.week_began`), whatever period it was of."""
    began = week_began(today, timezone)
    with factory() as session:
        served = set(
            session.scalars(
                select(DigestRow.consultant_id).where(
                    DigestRow.created_at >= began, DigestRow.created_at < began + timedelta(days=7)
                )
            )
        )
        rows = session.scalars(select(RecipientRow).where(RecipientRow.receives_digests))
        wanted = []
        for row in rows:
            if row.id in served:
                continue
            period = current_period(
                today, frequency=row.frequency, day_of_week=row.day_of_week, resume_on=row.resume_on
            )
            if period is not None:
                wanted.append((period, row.id))
    return sorted(wanted)


def everyone_for(factory: sessionmaker[Session], period: str, today: date) -> list[tuple[str, str]]:
    """Return (period, consultant) for every subscribed consultant not paused today
    (operator run)."""
    with factory() as session:
        rows = session.execute(
            select(RecipientRow.id, RecipientRow.resume_on).where(RecipientRow.receives_digests)
        )
        return sorted((period, cid) for cid, resume_on in rows if not paused_on(today, resume_on))
