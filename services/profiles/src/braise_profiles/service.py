"""The profiles use cases: each runs in the caller's transaction and stages its events."""

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from braise_profiles.db import (
    ConsultantRow,
    ConsultantTagRow,
    InteractionRow,
    OutboxRow,
    ParticipantRow,
)
from braise_profiles.errors import ConflictError, InvalidError, NotFoundError
from braise_profiles.outbox import PRODUCER, stage_event
from braise_profiles.schemas import (
    ConsultantIn,
    ConsultantOut,
    ConsultantPatch,
    InteractionIn,
    InteractionOut,
    PreferencesIn,
    PreferencesOut,
)
from braise_shared.events import (
    ConsultantErased,
    ConsultantErasedV1,
    ConsultantProfile,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    InteractionRecorded,
    InteractionRecordedV1,
    PreferencesChanged,
    PreferencesChangedV1,
)
from braise_shared.tags import Tag, make_tags

T = TypeVar("T")
FACETS = ("skill", "sector", "interest")

# Where, in the request, item number i sits: ("body",) for a single item,
# ("body", "items", i) in a bulk request. Errors name the field from there.
ItemLoc = Callable[[int], tuple[str | int, ...]]


def single_item(_index: int) -> tuple[str | int, ...]:
    """Locate the only item of a request: the body itself."""
    return ("body",)


def bulk_item(index: int) -> tuple[str | int, ...]:
    """Locate item number index of a bulk request."""
    return ("body", "items", index)


def _now() -> datetime:
    return datetime.now(UTC)


def _tags_by_facet(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, list[Tag]]]:
    found: dict[uuid.UUID, dict[str, list[Tag]]] = {i: {f: [] for f in FACETS} for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(ConsultantTagRow)
        .where(ConsultantTagRow.consultant_id.in_(ids))
        .order_by(ConsultantTagRow.key)
    )
    for row in rows:
        found[row.consultant_id][row.facet].append(Tag(key=row.key, label=row.label))
    return found


def _to_out(row: ConsultantRow, tags: dict[str, list[Tag]]) -> ConsultantOut:
    return ConsultantOut(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        city=row.city,
        locale=row.locale,
        skills=tags["skill"],
        sectors=tags["sector"],
        interests=tags["interest"],
        joined_at=row.joined_at,
        revision=row.revision,
        preferences=_preferences_of(row),
    )


def _preferences_of(row: ConsultantRow) -> PreferencesOut:
    return PreferencesOut(
        frequency=row.frequency,
        day_of_week=row.day_of_week,
        locale=row.locale,
        suggestable=row.suggestable,
    )


def _profile(row: ConsultantRow, tags: dict[str, list[Tag]]) -> ConsultantProfile:
    return ConsultantProfile(
        consultant_id=row.id,
        revision=row.revision,
        display_name=row.display_name,
        email=row.email,
        city=row.city,
        locale=row.locale,
        skills=tags["skill"],
        sectors=tags["sector"],
        interests=tags["interest"],
        suggestable=row.suggestable,
        frequency=row.frequency,
        day_of_week=row.day_of_week,
        joined_at=row.joined_at,
    )


def _replace_tags(session: Session, consultant_id: uuid.UUID, facet: str, raws: list[str]) -> None:
    session.execute(
        delete(ConsultantTagRow).where(
            ConsultantTagRow.consultant_id == consultant_id, ConsultantTagRow.facet == facet
        )
    )
    session.add_all(
        ConsultantTagRow(consultant_id=consultant_id, facet=facet, key=t.key, label=t.label)
        for t in make_tags(raws)
    )


def _get_row(session: Session, consultant_id: uuid.UUID) -> ConsultantRow:
    row = session.get(ConsultantRow, consultant_id)
    if row is None:
        raise NotFoundError(("path", "consultant_id"), f"no consultant {consultant_id}")
    return row


def _check_emails_free(session: Session, emails: list[str], item_loc: ItemLoc) -> None:
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if email in seen:
            raise ConflictError(
                (*item_loc(index), "email"), f"e-mail {email} appears twice in the request"
            )
        seen.add(email)
    taken = ids_by_email(session, emails)
    for index, email in enumerate(emails):
        if email in taken:
            raise ConflictError(
                (*item_loc(index), "email"), f"e-mail {email} is already registered"
            )


def register_consultants(
    session: Session, *, items: Sequence[ConsultantIn], item_loc: ItemLoc = single_item
) -> list[ConsultantOut]:
    """Register consultants, all or none, and stage one `consultant.registered` each."""
    now = _now()
    _check_emails_free(session, [i.email for i in items], item_loc)
    rows = []
    for item in items:
        row = ConsultantRow(
            id=uuid.uuid4(),
            email=item.email,
            display_name=item.display_name,
            city=item.city,
            locale=item.locale,
            frequency=item.frequency,
            day_of_week=item.day_of_week,
            suggestable=item.suggestable,
            revision=1,
            joined_at=item.joined_at or now,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    for row, item in zip(rows, items, strict=True):
        _replace_tags(session, row.id, "skill", item.skills)
        _replace_tags(session, row.id, "sector", item.sectors)
        _replace_tags(session, row.id, "interest", item.interests)
    session.flush()
    tags = _tags_by_facet(session, [r.id for r in rows])
    for row in rows:
        event = ConsultantRegisteredV1(
            occurred_at=row.joined_at, producer=PRODUCER, data=_profile(row, tags[row.id])
        )
        stage_event(session, event, subject_id=row.id)
    return [_to_out(row, tags[row.id]) for row in rows]


def get_consultant(session: Session, *, consultant_id: uuid.UUID) -> ConsultantOut:
    """Return one consultant."""
    row = _get_row(session, consultant_id)
    return _to_out(row, _tags_by_facet(session, [row.id])[row.id])


def list_consultants(
    session: Session,
    *,
    limit: int,
    cursor: uuid.UUID | None,
    skill: str | None,
    sector: str | None,
    interest: str | None,
) -> tuple[list[ConsultantOut], uuid.UUID | None]:
    """Return a page of consultants ordered by id, filtered by tags, and the next cursor."""
    query = select(ConsultantRow).order_by(ConsultantRow.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(ConsultantRow.id > cursor)
    for facet, raw in (("skill", skill), ("sector", sector), ("interest", interest)):
        if raw is None:
            continue
        [tag] = make_tags([raw])
        query = query.where(
            ConsultantRow.id.in_(
                select(ConsultantTagRow.consultant_id).where(
                    ConsultantTagRow.facet == facet, ConsultantTagRow.key == tag.key
                )
            )
        )
    rows = list(session.scalars(query))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    rows = rows[:limit]
    tags = _tags_by_facet(session, [r.id for r in rows])
    return [_to_out(r, tags[r.id]) for r in rows], next_cursor


def update_consultant(
    session: Session, *, consultant_id: uuid.UUID, patch: ConsultantPatch
) -> ConsultantOut:
    """Apply a profile change and stage `consultant.updated` with the new profile."""
    row = _get_row(session, consultant_id)
    changes = patch.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] != row.email:
        _check_emails_free(session, [changes["email"]], lambda _i: ("body",))
        row.email = changes["email"]
    for field in ("display_name", "city"):
        if field in changes:
            setattr(row, field, changes[field])
    for facet, field in (("skill", "skills"), ("sector", "sectors"), ("interest", "interests")):
        if field in changes:
            _replace_tags(session, row.id, facet, changes[field] or [])
    return _bump(session, row, kind="profile")


def change_preferences(
    session: Session, *, consultant_id: uuid.UUID, preferences: PreferencesIn
) -> PreferencesOut:
    """Apply preference changes and stage `preferences.changed`."""
    row = _get_row(session, consultant_id)
    for field, value in preferences.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(row, field, value)
    _bump(session, row, kind="preferences")
    return _preferences_of(row)


def _bump(session: Session, row: ConsultantRow, *, kind: str) -> ConsultantOut:
    """Raise the revision and stage the one event that describes the change."""
    now = _now()
    row.revision += 1
    row.updated_at = now
    session.flush()
    tags = _tags_by_facet(session, [row.id])[row.id]
    event: PreferencesChangedV1 | ConsultantUpdatedV1
    if kind == "preferences":
        prefs = PreferencesChanged(
            consultant_id=row.id,
            revision=row.revision,
            frequency=row.frequency,
            day_of_week=row.day_of_week,
            locale=row.locale,
            suggestable=row.suggestable,
        )
        event = PreferencesChangedV1(occurred_at=now, producer=PRODUCER, data=prefs)
    else:
        event = ConsultantUpdatedV1(occurred_at=now, producer=PRODUCER, data=_profile(row, tags))
    stage_event(session, event, subject_id=row.id)
    return _to_out(row, tags)


def erase_consultant(session: Session, *, consultant_id: uuid.UUID) -> None:
    """Forget a consultant (GDPR) with their interactions, and stage `consultant.erased`."""
    row = _get_row(session, consultant_id)
    interaction_ids = list(
        session.scalars(
            select(ParticipantRow.interaction_id).where(ParticipantRow.consultant_id == row.id)
        )
    )
    session.execute(delete(ParticipantRow).where(ParticipantRow.consultant_id == row.id))
    # An interaction of theirs is gone; a group event keeps its other participants.
    lonely = (
        select(ParticipantRow.interaction_id)
        .group_by(ParticipantRow.interaction_id)
        .having(func.count() >= 2)
    )
    session.execute(
        delete(InteractionRow).where(
            InteractionRow.id.in_(interaction_ids), InteractionRow.id.not_in(lonely)
        )
    )
    session.execute(
        update(InteractionRow)
        .where(InteractionRow.initiator_id == row.id)
        .values(initiator_id=None)
    )
    session.execute(delete(ConsultantTagRow).where(ConsultantTagRow.consultant_id == row.id))
    # Published events about them are not kept here either; unpublished ones still go out
    # (in order) so consumers learn of them before they learn of the erasure.
    session.execute(
        delete(OutboxRow).where(OutboxRow.subject_id == row.id, OutboxRow.published_at.is_not(None))
    )
    session.delete(row)
    stage_event(
        session,
        ConsultantErasedV1(
            occurred_at=_now(), producer=PRODUCER, data=ConsultantErased(consultant_id=row.id)
        ),
        subject_id=None,
    )


def export_consultant(session: Session, *, consultant_id: uuid.UUID) -> dict[str, Any]:
    """Return everything held about one consultant."""
    consultant = get_consultant(session, consultant_id=consultant_id)
    row = _get_row(session, consultant_id)
    interactions = list_interactions(session, consultant_id=consultant_id, limit=None)
    return {
        "consultant": consultant.model_dump(mode="json"),
        "record": {
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
        },
        "interactions": [i.model_dump(mode="json") for i in interactions],
        "exported_at": _now().isoformat(),
    }


def _chunks(values: list[T], size: int = 500) -> Iterator[list[T]]:
    """Yield slices small enough for an SQL `IN (...)` on any database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def ids_by_email(session: Session, emails: Iterable[str]) -> dict[str, uuid.UUID]:
    """Return the id of each registered consultant among these (lower-case) e-mails."""
    found: dict[str, uuid.UUID] = {}
    for chunk in _chunks(sorted(set(emails))):
        query = select(ConsultantRow.email, ConsultantRow.id).where(ConsultantRow.email.in_(chunk))
        found.update((email, cid) for email, cid in session.execute(query))
    return found


def known_consultants(session: Session, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Return those of the ids that name a registered consultant."""
    known: set[uuid.UUID] = set()
    for chunk in _chunks(sorted(set(ids))):
        known.update(session.scalars(select(ConsultantRow.id).where(ConsultantRow.id.in_(chunk))))
    return known


def record_interactions(
    session: Session, *, items: Sequence[InteractionIn], item_loc: ItemLoc = single_item
) -> list[InteractionOut]:
    """Record interactions, all or none, and stage one `interaction.recorded` each."""
    wanted = {p for item in items for p in item.participants}
    known = known_consultants(session, wanted)
    for index, item in enumerate(items):
        unknown = [str(p) for p in item.participants if p not in known]
        if unknown:
            raise InvalidError(
                (*item_loc(index), "participants"), f"unknown consultant(s): {', '.join(unknown)}"
            )
    now = _now()
    recorded = []
    for item in items:
        row = InteractionRow(
            id=uuid.uuid4(),
            kind=item.kind,
            occurred_at=item.occurred_at,
            initiator_id=item.initiator,
            note=item.note,
            recorded_at=now,
        )
        session.add(row)
        recorded.append((row, item))
    session.flush()
    session.add_all(
        ParticipantRow(interaction_id=row.id, consultant_id=p)
        for row, item in recorded
        for p in item.participants
    )
    out = []
    for row, item in recorded:
        data = InteractionRecorded(
            interaction_id=row.id,
            kind=row.kind,
            participants=list(item.participants),
            occurred_at=row.occurred_at,
            initiator=row.initiator_id,
            note=row.note,
        )
        event = InteractionRecordedV1(
            occurred_at=row.occurred_at, recorded_at=now, producer=PRODUCER, data=data
        )
        stage_event(session, event, subject_id=None)
        out.append(
            InteractionOut(
                id=row.id,
                kind=row.kind,
                participants=list(item.participants),
                occurred_at=row.occurred_at,
                initiator=row.initiator_id,
                note=row.note,
                recorded_at=now,
            )
        )
    return out


def get_interaction(session: Session, *, interaction_id: uuid.UUID) -> InteractionOut:
    """Return one interaction."""
    row = session.get(InteractionRow, interaction_id)
    if row is None:
        raise NotFoundError(("path", "interaction_id"), f"no interaction {interaction_id}")
    participants = list(
        session.scalars(
            select(ParticipantRow.consultant_id)
            .where(ParticipantRow.interaction_id == row.id)
            .order_by(ParticipantRow.consultant_id)
        )
    )
    return InteractionOut(
        id=row.id,
        kind=row.kind,
        participants=participants,
        occurred_at=row.occurred_at,
        initiator=row.initiator_id,
        note=row.note,
        recorded_at=row.recorded_at,
    )


def list_interactions(
    session: Session, *, consultant_id: uuid.UUID | None, limit: int | None
) -> list[InteractionOut]:
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
    rows = list(session.scalars(query))
    participants: dict[uuid.UUID, list[uuid.UUID]] = {r.id: [] for r in rows}
    if rows:
        for p in session.scalars(
            select(ParticipantRow)
            .where(ParticipantRow.interaction_id.in_(list(participants)))
            .order_by(ParticipantRow.consultant_id)
        ):
            participants[p.interaction_id].append(p.consultant_id)
    return [
        InteractionOut(
            id=r.id,
            kind=r.kind,
            participants=participants[r.id],
            occurred_at=r.occurred_at,
            initiator=r.initiator_id,
            note=r.note,
            recorded_at=r.recorded_at,
        )
        for r in rows
    ]


def takes_part(session: Session, *, consultant_id: uuid.UUID, interaction_id: uuid.UUID) -> bool:
    """Tell whether a consultant took part in an interaction."""
    found = session.scalar(
        select(ParticipantRow.consultant_id).where(
            ParticipantRow.interaction_id == interaction_id,
            ParticipantRow.consultant_id == consultant_id,
        )
    )
    return found is not None
