"""What a digest needs to know of its reader and their people, beyond the candidates."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import SENT, DigestRow, RecipientRow


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


def addresses(factory: sessionmaker[Session], people: list[str]) -> dict[str, str]:
    """Return the e-mail address of each of these consultants the notifier knows."""
    if not people:
        return {}
    with factory() as session:
        rows = session.execute(
            select(RecipientRow.id, RecipientRow.email).where(RecipientRow.id.in_(people))
        )
        return {str(other_id): str(email) for other_id, email in rows}
