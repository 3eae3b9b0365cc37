"""The transactional outbox: events are written with the change, then relayed to the stream."""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.db import OutboxRow
from braise_shared.events import Envelope, dump_event
from braise_shared.sql import bytes_contain

log = logging.getLogger(__name__)

PRODUCER = "profiles"


def stage_event(session: Session, event: Envelope, *, subject_id: uuid.UUID | None) -> None:
    """Write event into the outbox of the session's transaction (published after commit)."""
    session.add(
        OutboxRow(
            event_id=str(event.id),
            event_type=f"{event.type}@{event.version}",  # type: ignore[attr-defined]
            subject_id=subject_id,
            payload=dump_event(event),
            created_at=datetime.now(UTC),
            published_at=None,
        )
    )
    # One line per event, with the request's correlation id: `braise logs --event ID` starts here.
    participants = getattr(event.data, "participants", None)  # type: ignore[attr-defined]
    log.info(
        "event staged",
        extra={
            "event_id": str(event.id),
            "event_type": event.type,  # type: ignore[attr-defined]
            **({"participants": [str(p) for p in participants]} if participants else {}),
        },
    )


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
