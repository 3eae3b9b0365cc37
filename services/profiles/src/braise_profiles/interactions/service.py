"""The interaction use cases: each runs in the caller's transaction and stages its events."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from braise_profiles.db import InteractionRow
from braise_profiles.directory import known_consultants
from braise_profiles.errors import InvalidError, ItemLoc, single_item
from braise_profiles.interactions import repository
from braise_profiles.interactions.schemas import InteractionIn, InteractionOut
from braise_profiles.outbox import PRODUCER, stage_event
from braise_shared.events import InteractionRecorded, InteractionRecordedV1


def _to_out(row: InteractionRow, participants: list[uuid.UUID]) -> InteractionOut:
    return InteractionOut(
        id=row.id,
        kind=row.kind,
        participants=participants,
        occurred_at=row.occurred_at,
        initiator=row.initiator_id,
        note=row.note,
        recorded_at=row.recorded_at,
    )


def _refuse_unknown_participants(
    session: Session, items: Sequence[InteractionIn], item_loc: ItemLoc
) -> None:
    known = known_consultants(session, {p for item in items for p in item.participants})
    for index, item in enumerate(items):
        unknown = [str(p) for p in item.participants if p not in known]
        if unknown:
            raise InvalidError(
                (*item_loc(index), "participants"), f"unknown consultant(s): {', '.join(unknown)}"
            )


def record_interactions(
    *, session: Session, items: Sequence[InteractionIn], item_loc: ItemLoc = single_item
) -> list[InteractionOut]:
    """Record interactions, all or none, and stage one `interaction.recorded` each."""
    _refuse_unknown_participants(session, items, item_loc)
    now = datetime.now(UTC)
    recorded = [
        (
            InteractionRow(
                id=uuid.uuid4(),
                kind=item.kind,
                occurred_at=item.occurred_at,
                initiator_id=item.initiator,
                note=item.note,
                recorded_at=now,
            ),
            item.participants,
        )
        for item in items
    ]
    repository.add_rows(session, recorded)
    out = [_to_out(row, list(participants)) for row, participants in recorded]
    for interaction in out:
        _stage_recorded(session, interaction)
    return out


def _stage_recorded(session: Session, interaction: InteractionOut) -> None:
    data = InteractionRecorded(
        interaction_id=interaction.id,
        **interaction.model_dump(exclude={"id", "recorded_at"}),
    )
    event = InteractionRecordedV1(
        occurred_at=interaction.occurred_at,
        recorded_at=interaction.recorded_at,
        producer=PRODUCER,
        data=data,
    )
    stage_event(session, event, subject_id=None)


def record_once(
    *,
    session: Session,
    interaction_id: uuid.UUID,
    kind: str,
    participants: Sequence[uuid.UUID],
    occurred_at: datetime,
    note: str | None,
) -> bool:
    """Record an interaction under a given id unless it exists; True if this call recorded it.

    For what a calendar shows happened: the id comes from the event, so two syncs, or two
    calendars holding the event, record it once (the id is the table's primary key).
    """
    if session.get(InteractionRow, interaction_id) is not None:
        return False
    now = datetime.now(UTC)
    row = InteractionRow(
        id=interaction_id,
        kind=kind,
        occurred_at=occurred_at,
        initiator_id=None,
        note=note,
        recorded_at=now,
    )
    ordered = sorted(set(participants))
    repository.add_rows(session, [(row, ordered)])
    _stage_recorded(session, _to_out(row, ordered))
    return True


def get_interaction(*, session: Session, interaction_id: uuid.UUID) -> InteractionOut:
    """Return one interaction."""
    row = repository.get_row(session, interaction_id)
    return _to_out(row, repository.participants_by_interaction(session, [row.id])[row.id])


def list_interactions(
    *, session: Session, consultant_id: uuid.UUID | None, limit: int | None
) -> list[InteractionOut]:
    """Return interactions, newest first, optionally only those a consultant took part in."""
    rows = repository.newest_first(session, consultant_id=consultant_id, limit=limit)
    participants = repository.participants_by_interaction(session, [r.id for r in rows])
    return [_to_out(r, participants[r.id]) for r in rows]


def takes_part(*, session: Session, consultant_id: uuid.UUID, interaction_id: uuid.UUID) -> bool:
    """Tell whether a consultant took part in an interaction."""
    return repository.takes_part(
        session, consultant_id=consultant_id, interaction_id=interaction_id
    )
