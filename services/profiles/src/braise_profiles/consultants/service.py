"""The consultant use cases: each runs in the caller's transaction and stages its events."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from braise_profiles import directory as repository
from braise_profiles.calendars.service import calendar_export, forget_consultant_calendars
from braise_profiles.config import ProfilesSettings
from braise_profiles.consultants.schemas import ConsultantIn, ConsultantOut, ConsultantPatch
from braise_profiles.db import ConsultantRow
from braise_profiles.directory import TagsByFacet
from braise_profiles.errors import ConflictError, ItemLoc, single_item
from braise_profiles.idempotency import forget_responses_about
from braise_profiles.interactions import repository as interactions
from braise_profiles.interactions.service import list_interactions
from braise_profiles.outbox import PRODUCER, drop_published, stage_event
from braise_profiles.preferences.service import preferences_of
from braise_shared.events import (
    ConsultantErased,
    ConsultantErasedV1,
    ConsultantProfile,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
)
from braise_shared.sql import checkpoint_after_commit
from braise_shared.tags import make_tags

# Each facet of tags, and the field that carries it in requests and answers.
TAG_FIELDS = (("skill", "skills"), ("sector", "sectors"), ("interest", "interests"))


def _to_out(row: ConsultantRow, tags: TagsByFacet) -> ConsultantOut:
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
        preferences=preferences_of(row),
    )


def _profile(consultant: ConsultantOut) -> ConsultantProfile:
    """Return what the events carry of a consultant: what the API shows of them (the end of
    a break travels only in `preferences.changed`)."""
    return ConsultantProfile(
        consultant_id=consultant.id,
        **consultant.model_dump(exclude={"id", "preferences"}),
        **consultant.preferences.model_dump(exclude={"locale", "resume_on"}),
    )


def _check_emails_free(session: Session, emails: list[str], item_loc: ItemLoc) -> None:
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if email in seen:
            raise ConflictError(
                (*item_loc(index), "email"), f"e-mail {email} appears twice in the request"
            )
        seen.add(email)
    taken = repository.ids_by_email(session, emails)
    for index, email in enumerate(emails):
        if email in taken:
            raise ConflictError(
                (*item_loc(index), "email"), f"e-mail {email} is already registered"
            )


def register_consultants(
    *, session: Session, items: Sequence[ConsultantIn], item_loc: ItemLoc = single_item
) -> list[ConsultantOut]:
    """Register consultants, all or none, and stage one `consultant.registered` each."""
    now = datetime.now(UTC)
    _check_emails_free(session, [i.email for i in items], item_loc)
    rows = [
        ConsultantRow(
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
        for item in items
    ]
    repository.add_rows(session, rows)
    for row, item in zip(rows, items, strict=True):
        for facet, field in TAG_FIELDS:
            repository.replace_tags(session, row.id, facet, getattr(item, field))
    session.flush()
    tags = repository.tags_by_facet(session, [r.id for r in rows])
    registered = [_to_out(row, tags[row.id]) for row in rows]
    for consultant in registered:
        event = ConsultantRegisteredV1(
            occurred_at=consultant.joined_at, producer=PRODUCER, data=_profile(consultant)
        )
        stage_event(session, event, subject_id=consultant.id)
    return registered


def get_consultant(*, session: Session, consultant_id: uuid.UUID) -> ConsultantOut:
    """Return one consultant."""
    row = repository.get_row(session, consultant_id)
    return _to_out(row, repository.tags_by_facet(session, [row.id])[row.id])


def list_consultants(
    *,
    session: Session,
    limit: int,
    cursor: uuid.UUID | None,
    skill: str | None,
    sector: str | None,
    interest: str | None,
) -> tuple[list[ConsultantOut], uuid.UUID | None]:
    """Return a page of consultants ordered by id, filtered by tags, and the next cursor."""
    wanted = {"skill": skill, "sector": sector, "interest": interest}
    tag_keys: dict[str, str] = {}
    for facet, raw in wanted.items():
        if raw is not None:
            [tag] = make_tags([raw])
            tag_keys[facet] = tag.key
    rows = repository.page(session, limit=limit + 1, cursor=cursor, tag_keys=tag_keys)
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    rows = rows[:limit]
    tags = repository.tags_by_facet(session, [r.id for r in rows])
    return [_to_out(r, tags[r.id]) for r in rows], next_cursor


def update_consultant(
    *, session: Session, consultant_id: uuid.UUID, patch: ConsultantPatch
) -> ConsultantOut:
    """Apply a profile change and stage `consultant.updated` with the new profile."""
    row = repository.lock_row(session, consultant_id)
    changes = patch.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] != row.email:
        _check_emails_free(session, [changes["email"]], single_item)
        row.email = changes["email"]
    for field in ("display_name", "city"):
        if field in changes:
            setattr(row, field, changes[field])
    for facet, field in TAG_FIELDS:
        if field in changes:
            repository.replace_tags(session, row.id, facet, changes[field] or [])
    now = datetime.now(UTC)
    repository.bump_revision(session, row, now=now)
    consultant = _to_out(row, repository.tags_by_facet(session, [row.id])[row.id])
    event = ConsultantUpdatedV1(occurred_at=now, producer=PRODUCER, data=_profile(consultant))
    stage_event(session, event, subject_id=row.id)
    return consultant


def erase_consultant(*, session: Session, consultant_id: uuid.UUID) -> None:
    """Forget a consultant (GDPR) with their interactions, and stage `consultant.erased`."""
    row = repository.get_row(session, consultant_id)
    forget_consultant_calendars(session, row.id, row.email)
    interactions.forget_participant(session, row.id)
    # Published events about them are not kept here either; unpublished ones still go out
    # (in order) so consumers learn of them before they learn of the erasure.
    drop_published(session, subject_id=row.id)
    forget_responses_about(session, consultant_id=str(row.id))
    repository.delete_consultant(session, row)
    # Secure delete zeroes their rows in the database; the checkpoint empties the WAL too.
    checkpoint_after_commit(session)
    event = ConsultantErasedV1(
        occurred_at=datetime.now(UTC),
        producer=PRODUCER,
        data=ConsultantErased(consultant_id=row.id),
    )
    stage_event(session, event, subject_id=None)


def export_consultant(
    *, session: Session, settings: ProfilesSettings, consultant_id: uuid.UUID
) -> dict[str, Any]:
    """Return everything held about one consultant: profile, interactions, their calendar."""
    consultant = get_consultant(session=session, consultant_id=consultant_id)
    row = repository.get_row(session, consultant_id)
    held = list_interactions(session=session, consultant_id=consultant_id, limit=None)
    return {
        "consultant": consultant.model_dump(mode="json"),
        "record": {
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
        },
        "interactions": [i.model_dump(mode="json") for i in held],
        # Where their connected calendar is read from and how it went; never its credentials.
        "calendar": calendar_export(session, settings, consultant_id),
        "exported_at": datetime.now(UTC).isoformat(),
    }
