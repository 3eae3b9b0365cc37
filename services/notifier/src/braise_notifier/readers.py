"""What a digest needs to know of its reader and their people, beyond the candidates."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.compose import Reader
from braise_notifier.db import SENT, DigestRow, RecipientRow, erased_among
from braise_notifier.schedule import paused_on


def previous_variants(factory: sessionmaker[Session], consultant_ids: list[str]) -> dict[str, int]:
    """Return the subject and opening of each reader's latest sent digest, where one is kept."""
    latest: dict[str, tuple[datetime, int]] = {}
    with factory() as session:
        rows = session.execute(
            select(DigestRow.consultant_id, DigestRow.sent_at, DigestRow.variant).where(
                DigestRow.consultant_id.in_(consultant_ids),
                DigestRow.state == SENT,
                DigestRow.variant.is_not(None),
                DigestRow.sent_at.is_not(None),
            )
        )
        for consultant_id, sent_at, variant in rows:
            held = latest.get(consultant_id)
            if variant is not None and sent_at is not None and (held is None or held[0] < sent_at):
                latest[consultant_id] = (sent_at, variant)
    return {cid: variant for cid, (_, variant) in latest.items()}


@dataclass(frozen=True)
class BatchReads:
    """What the digests of one batch need of the notifier's tables, read at once: each
    reader who may still receive one (None for the others), the people of their candidates
    erased since the graph ranked them, and those people's addresses."""

    readers: dict[str, Reader | None]
    erased: set[str]
    addresses: dict[str, str]


def read_batch(
    factory: sessionmaker[Session], reader_ids: list[str], people: set[str], *, today: date
) -> BatchReads:
    """Read, in one session, what composing the digests of these readers needs."""
    with factory() as session:
        recipients = {
            r.id: r
            for r in session.scalars(select(RecipientRow).where(RecipientRow.id.in_(reader_ids)))
        }
        erased = erased_among(session, people)
        rows = session.execute(
            select(RecipientRow.id, RecipientRow.email).where(RecipientRow.id.in_(people))
        )
        emails = {str(other_id): str(email) for other_id, email in rows}
    readers: dict[str, Reader | None] = {}
    for reader_id in reader_ids:
        recipient = recipients.get(reader_id)
        readers[reader_id] = (
            Reader(recipient.id, recipient.name, recipient.email, recipient.locale)
            if recipient is not None
            and recipient.receives_digests
            and not paused_on(today, recipient.resume_on)
            else None
        )
    return BatchReads(readers, erased, emails)
