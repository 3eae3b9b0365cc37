"""How an attempt takes a ledger row, and leaves it: given back to be retried, or final."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import PLANNED, SENDING, SENT, DigestRow, unit_of_work


def claim(
    factory: sessionmaker[Session],
    period: str,
    consultant_id: str,
    now: datetime,
    lease: timedelta,
) -> bool:
    """Take a `planned` row, or a `sending` one whose lease ran out, counting an attempt; tell
    whether this attempt has it (one conditional UPDATE: two workers never both do)."""
    with unit_of_work(factory) as session:
        result = session.execute(
            update(DigestRow)
            .where(
                DigestRow.period == period,
                DigestRow.consultant_id == consultant_id,
                or_(
                    DigestRow.state == PLANNED,
                    (DigestRow.state == SENDING) & (DigestRow.claimed_at < now - lease),
                ),
            )
            .values(state=SENDING, claimed_at=now, attempts=DigestRow.attempts + 1)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(
    factory: sessionmaker[Session], period: str, consultant_id: str, error: str | None = None
) -> None:
    """Give a claimed row back (`planned`) to be retried, keeping why when one is given."""
    with unit_of_work(factory) as session:
        row = session.get(DigestRow, (period, consultant_id))
        if row is not None and row.state == SENDING:
            row.state, row.claimed_at = PLANNED, None
            if error:
                row.error = error


def finish(
    factory: sessionmaker[Session], period: str, consultant_id: str, state: str, **values: object
) -> None:
    """Set a row's final state, and the other columns given."""
    with unit_of_work(factory) as session:
        row = session.get(DigestRow, (period, consultant_id))
        if row is not None:
            row.state = state
            for name, value in values.items():
                setattr(row, name, value)


@dataclass(frozen=True)
class PastDigest:
    """A digest of a simulated past period: who read it, when, and whom it proposed (each a
    dict of `consultant_id`, `stage`, `gesture`, `reasons`, as the ledger keeps them)."""

    reader: str
    day: datetime
    proposed: list[dict[str, Any]]


def period_has_digests(factory: sessionmaker[Session], period: str) -> bool:
    """Tell whether the ledger holds any digest of a period."""
    with factory() as session:
        found = session.scalar(select(DigestRow.period).where(DigestRow.period == period).limit(1))
    return found is not None


def record_past_period(
    factory: sessionmaker[Session], period: str, digests: Sequence[PastDigest]
) -> None:
    """Write a simulated past period as sent on its day (the demo's history, so that the firm's
    view has a closed loop from the first run): no e-mail went out, `message_id` stays empty
    and no `digest.sent` is published for a digest never sent."""
    with unit_of_work(factory) as session:
        session.add_all(
            DigestRow(
                period=period,
                consultant_id=d.reader,
                state=SENT,
                attempts=1,
                sent_at=d.day,
                suggestions=json.dumps(d.proposed),
                event_published=True,
                created_at=d.day,
            )
            for d in digests
        )
