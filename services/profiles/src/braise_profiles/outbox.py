"""The transactional outbox: events are written with the change, then relayed to the stream.

The relay publishes by sequence number, so the numbers must follow the commits. On
PostgreSQL, transactions run side by side: a row numbered 10 may commit after a row numbered
11, and a relay reading in between sees 11 alone, and later publishes 10 after it. So the
outbox rows of a transaction are written last, just before it commits, under a lock held
until the commit: the numbers are taken in commit order, and no reader ever sees a number
before a smaller one. SQLite lets one writer at a time, which gives the same order.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, event, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from braise_profiles.db import OutboxRow
from braise_shared.events import Envelope, dump_event
from braise_shared.sql import bytes_contain

log = logging.getLogger(__name__)

PRODUCER = "profiles"
# Any fixed number: transaction-level advisory locks are per database; only commits take it.
OUTBOX_LOCK = 0x6F757462  # "outb"
_STAGED = "braise_outbox_staged"
_INSERT_OUTBOX = insert(cast(Table, OutboxRow.__table__))


def stage_event(session: Session, envelope: Envelope, *, subject_id: uuid.UUID | None) -> None:
    """Add an event to the outbox of the session's transaction, written as it commits."""
    staged: list[dict[str, Any]] = session.info.setdefault(_STAGED, [])
    if not event.contains(session, "before_commit", _write_staged):
        event.listen(session, "before_commit", _write_staged)
        event.listen(session, "after_transaction_end", _forget_staged)
    staged.append(
        {
            "event_id": str(envelope.id),
            "event_type": f"{envelope.type}@{envelope.version}",  # type: ignore[attr-defined]
            "subject_id": subject_id,
            "payload": dump_event(envelope),
            "created_at": datetime.now(UTC),
            "published_at": None,
        }
    )
    # One line per event, with the request's correlation id: `braise logs --event ID` starts here.
    participants = getattr(envelope.data, "participants", None)  # type: ignore[attr-defined]
    log.info(
        "event staged",
        extra={
            "event_id": str(envelope.id),
            "event_type": envelope.type,  # type: ignore[attr-defined]
            **({"participants": [str(p) for p in participants]} if participants else {}),
        },
    )


def _write_staged(session: Session) -> None:
    """Number and write the staged rows last, under the commit-order lock (see the module):
    one Core `INSERT` of them all, in the order they were staged."""
    staged: list[dict[str, Any]] = session.info.pop(_STAGED, [])
    if not staged:
        return
    # The transaction's other writes go first: any row lock they wait for is waited for
    # before the commit-order lock is taken, so it is held only for the insert and the commit.
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK})
    session.connection().execute(_INSERT_OUTBOX, staged)


def _forget_staged(session: Session, transaction: SessionTransaction) -> None:
    """Drop what a rolled-back transaction staged, so the session's next one starts empty."""
    if transaction.parent is None:
        session.info.pop(_STAGED, None)


def drop_published(session: Session, *, subject_id: uuid.UUID) -> None:
    """Delete the published events that name subject_id; unpublished ones still go out.

    Their own events carry their id as subject; the interactions they took part in name them
    in the payload.
    """
    session.execute(
        delete(OutboxRow).where(
            OutboxRow.published_at.is_not(None),
            or_(
                OutboxRow.subject_id == subject_id,
                bytes_contain(OutboxRow.payload, str(subject_id).encode()),
            ),
        )
    )


@dataclass
class OutboxRelay:
    """Moves committed outbox rows to the stream, oldest first, and marks them published.

    At-least-once toward the stream, made exactly-once by the publisher's per-id check. Run
    one relay per database: a second one would interleave and break the order.
    """

    session_factory: sessionmaker[Session]
    publish_many: Callable[[Sequence[tuple[str, bytes]]], list[bool]]
    batch_size: int = 500

    def relay_once(self) -> int:
        """Publish one batch of unpublished events; return how many rows were marked."""
        with self.session_factory() as session:
            rows = session.execute(
                select(OutboxRow.seq, OutboxRow.event_id, OutboxRow.payload)
                .where(OutboxRow.published_at.is_(None))
                .order_by(OutboxRow.seq)
                .limit(self.batch_size)
            ).all()
        if not rows:
            return 0
        # If this raises (Redis down), nothing is marked and the same rows go next time.
        appended = self.publish_many([(r.event_id, r.payload) for r in rows])
        duplicates = appended.count(False)
        if duplicates:
            log.info("%d events were already on the stream (relay restarted)", duplicates)
        log.info("published %d events", len(rows), extra={"event_ids": [r.event_id for r in rows]})
        with self.session_factory() as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.seq.in_([r.seq for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        return len(rows)

    def backlog(self) -> int:
        """Count the events committed and not yet on the stream."""
        with self.session_factory() as session:
            count = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
            )
        return int(count or 0)

    def purge_published(self, older_than: datetime) -> int:
        """Delete rows published before older_than; return how many."""
        with self.session_factory() as session, session.begin():
            result = session.execute(
                delete(OutboxRow).where(
                    OutboxRow.published_at.is_not(None), OutboxRow.published_at < older_than
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
