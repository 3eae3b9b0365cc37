"""How an attempt takes a ledger row, and leaves it: given back to be retried, or final."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import PLANNED, SENDING, SENT, DigestRow, unit_of_work

# A ledger row's key: (period, consultant id).
Key = tuple[str, str]


@dataclass(frozen=True)
class Claimed:
    """A row this attempt took: when, and the message an earlier attempt prepared, if any
    (with the JSON of the people it proposes)."""

    claimed_at: datetime
    prepared: bytes | None
    suggestions: str | None

    def proposed(self) -> list[str]:
        """Return the ids of the people the prepared message proposes."""
        return [s["consultant_id"] for s in json.loads(self.suggestions or "[]")]


def claim(
    factory: sessionmaker[Session], keys: Sequence[Key], now: datetime, lease: timedelta
) -> dict[Key, Claimed]:
    """Take those of these rows that are `planned`, or `sending` with their lease run out,
    counting an attempt on each; return the ones this attempt has, with what was prepared.

    One conditional UPDATE per period in one transaction: two workers never both take a row.
    """
    taken: dict[Key, Claimed] = {}
    with unit_of_work(factory) as session:
        for period, consultant_ids in _by_period(keys).items():
            rows = session.execute(
                update(DigestRow)
                .where(
                    DigestRow.period == period,
                    DigestRow.consultant_id.in_(consultant_ids),
                    or_(
                        DigestRow.state == PLANNED,
                        (DigestRow.state == SENDING) & (DigestRow.claimed_at < now - lease),
                    ),
                )
                .values(state=SENDING, claimed_at=now, attempts=DigestRow.attempts + 1)
                .returning(DigestRow.consultant_id, DigestRow.prepared, DigestRow.suggestions)
                .execution_options(synchronize_session=False)
            )
            for consultant_id, prepared, suggestions in rows:
                taken[period, consultant_id] = Claimed(now, prepared, suggestions)
    return taken


def renew(factory: sessionmaker[Session], key: Key, claimed_at: datetime, now: datetime) -> bool:
    """Extend this attempt's lease on a row it claimed at `claimed_at`; False if the row is
    no longer this attempt's (its lease ran out and another took it, or it is final)."""
    with unit_of_work(factory) as session:
        result = session.execute(
            update(DigestRow)
            .where(
                DigestRow.period == key[0],
                DigestRow.consultant_id == key[1],
                DigestRow.state == SENDING,
                DigestRow.claimed_at == claimed_at,
            )
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_sent(factory: sessionmaker[Session], key: Key, message_id: str, at: datetime) -> None:
    """Make a row final as sent, its prepared message dropped (one commit: the message is out)."""
    with unit_of_work(factory) as session:
        session.execute(
            update(DigestRow)
            .where(DigestRow.period == key[0], DigestRow.consultant_id == key[1])
            .values(state=SENT, sent_at=at, error=None, message_id=message_id, prepared=None)
            .execution_options(synchronize_session=False)
        )


def mark_published(factory: sessionmaker[Session], keys: Sequence[Key]) -> None:
    """Note that the digest.sent of these sent rows is on the stream."""
    with unit_of_work(factory) as session:
        for period, consultant_ids in _by_period(keys).items():
            session.execute(
                update(DigestRow)
                .where(DigestRow.period == period, DigestRow.consultant_id.in_(consultant_ids))
                .values(event_published=True)
                .execution_options(synchronize_session=False)
            )


def _by_period(keys: Sequence[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for period, consultant_id in keys:
        grouped.setdefault(period, []).append(consultant_id)
    return grouped


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
