"""The preferences use cases: each runs in the caller's transaction and stages its event."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from braise_profiles import directory as consultants
from braise_profiles.db import ConsultantRow
from braise_profiles.outbox import PRODUCER, stage_event
from braise_profiles.preferences.schemas import PreferencesIn, PreferencesOut
from braise_shared.events import PreferencesChangedV2, PreferencesWithResume

# Fields whose null means "none" rather than "keep".
NULLABLE = frozenset({"resume_on"})


def preferences_of(row: ConsultantRow) -> PreferencesOut:
    """Return a consultant's digest preferences and consent."""
    return PreferencesOut(
        frequency=row.frequency,
        day_of_week=row.day_of_week,
        locale=row.locale,
        suggestable=row.suggestable,
        resume_on=row.resume_on,
    )


def get_preferences(*, session: Session, consultant_id: uuid.UUID) -> PreferencesOut:
    """Return one consultant's preferences."""
    return preferences_of(consultants.get_row(session, consultant_id))


def change_preferences(
    *, session: Session, consultant_id: uuid.UUID, preferences: PreferencesIn
) -> PreferencesOut:
    """Apply preference changes and stage `preferences.changed`."""
    row = consultants.lock_row(session, consultant_id)
    for field, value in preferences.model_dump(exclude_unset=True).items():
        if value is not None or field in NULLABLE:
            setattr(row, field, value)
    now = datetime.now(UTC)
    consultants.bump_revision(session, row, now=now)
    changed = preferences_of(row)
    data = PreferencesWithResume(
        consultant_id=row.id, revision=row.revision, **changed.model_dump()
    )
    stage_event(
        session,
        PreferencesChangedV2(occurred_at=now, producer=PRODUCER, data=data),
        subject_id=row.id,
    )
    return changed
