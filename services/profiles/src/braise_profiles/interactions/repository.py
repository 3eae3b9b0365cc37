"""The SQL about interactions and who took part in them."""

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from braise_profiles.db import InteractionRow, ParticipantRow
from braise_profiles.errors import NotFoundError

_INSERT_INTERACTIONS = insert(cast(Table, InteractionRow.__table__))
_INSERT_PARTICIPANTS = insert(cast(Table, ParticipantRow.__table__))


def get_row(session: Session, interaction_id: uuid.UUID) -> InteractionRow:
    """Return an interaction's row, or raise NotFoundError naming the path parameter."""
    row = session.get(InteractionRow, interaction_id)
    if row is None:
        raise NotFoundError(("path", "interaction_id"), f"no interaction {interaction_id}")
    return row


def add_rows(
    session: Session, recorded: Sequence[tuple[InteractionRow, Sequence[uuid.UUID]]]
) -> None:
    """Insert new interactions, each with its participants: one Core `INSERT` per table.

    The rows are written in the session's transaction, not added to it: the ORM's unit of
    work (its identity map, its flushes) cost more than the SQL itself, and nothing reads
    these objects back from the session.
    """
    if not recorded:
        return
    connection = session.connection()
    connection.execute(
        _INSERT_INTERACTIONS,
        [
            {
                "id": row.id,
                "kind": row.kind,
                "occurred_at": row.occurred_at,
                "initiator_id": row.initiator_id,
                "note": row.note,
                "recorded_at": row.recorded_at,
            }
            for row, _ in recorded
        ],
    )
    connection.execute(
        _INSERT_PARTICIPANTS,
        [
            {"interaction_id": row.id, "consultant_id": p}
            for row, participants in recorded
            for p in participants
        ],
    )


def newest_first(
    session: Session, *, consultant_id: uuid.UUID | None, limit: int | None
) -> list[InteractionRow]:
    """Return interactions, newest first, optionally only those a consultant took part in."""
    query = select(InteractionRow).order_by(InteractionRow.occurred_at.desc(), InteractionRow.id)
    if consultant_id is not None:
        query = query.where(
            InteractionRow.id.in_(
                select(ParticipantRow.interaction_id).where(
                    ParticipantRow.consultant_id == consultant_id
                )
            )
        )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def participants_by_interaction(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Return the participants of each interaction, sorted by id."""
    participants: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    if not ids:
        return participants
    for p in session.scalars(
        select(ParticipantRow)
        .where(ParticipantRow.interaction_id.in_(list(ids)))
        .order_by(ParticipantRow.consultant_id)
    ):
        participants[p.interaction_id].append(p.consultant_id)
    return participants


def takes_part(session: Session, *, consultant_id: uuid.UUID, interaction_id: uuid.UUID) -> bool:
    """Tell whether a consultant took part in an interaction."""
    found = session.scalar(
        select(ParticipantRow.consultant_id).where(
            ParticipantRow.interaction_id == interaction_id,
            ParticipantRow.consultant_id == consultant_id,
        )
    )
    return found is not None


def forget_participant(session: Session, consultant_id: uuid.UUID) -> None:
    """Remove a consultant from every interaction; delete those left with fewer than two."""
    interaction_ids = list(
        session.scalars(
            select(ParticipantRow.interaction_id).where(
                ParticipantRow.consultant_id == consultant_id
            )
        )
    )
    session.execute(delete(ParticipantRow).where(ParticipantRow.consultant_id == consultant_id))
    # An interaction of theirs is gone; a group event keeps its other participants.
    still_shared = (
        select(ParticipantRow.interaction_id)
        .group_by(ParticipantRow.interaction_id)
        .having(func.count() >= 2)
    )
    session.execute(
        delete(InteractionRow).where(
            InteractionRow.id.in_(interaction_ids), InteractionRow.id.not_in(still_shared)
        )
    )
    session.execute(
        update(InteractionRow)
        .where(InteractionRow.initiator_id == consultant_id)
        .values(initiator_id=None)
    )
