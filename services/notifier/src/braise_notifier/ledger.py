"""How an attempt takes a ledger row, and leaves it: given back to be retried, or final."""

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import PLANNED, SENDING, DigestRow, unit_of_work


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
