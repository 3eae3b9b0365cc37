"""Keep the recipients table in step with profile, preference and erasure events."""

import logging
from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import DigestRow, ErasedRow, RecipientRow, unit_of_work
from braise_shared.events import (
    ConsultantErasedV1,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    Event,
    PreferencesChangedV1,
)

log = logging.getLogger(__name__)


def apply_events(factory: sessionmaker[Session], events: Sequence[Event]) -> None:
    """Apply a batch in one transaction; idempotent (revisions decide, erasure is final)."""
    with unit_of_work(factory) as session:
        for event in events:
            _apply(session, event)


def _apply(session: Session, event: Event) -> None:
    if not isinstance(
        event,
        ConsultantRegisteredV1 | ConsultantUpdatedV1 | PreferencesChangedV1 | ConsultantErasedV1,
    ):
        return
    cid = str(event.data.consultant_id)
    if session.get(ErasedRow, cid) is not None:
        log.info("dropping %s for erased consultant %s", event.type, cid)
        return
    if isinstance(event, ConsultantErasedV1):
        session.execute(delete(RecipientRow).where(RecipientRow.id == cid))
        session.execute(delete(DigestRow).where(DigestRow.consultant_id == cid))
        session.add(ErasedRow(id=cid))
        return
    row = session.get(RecipientRow, cid)
    if isinstance(event, PreferencesChangedV1):
        prefs = event.data
        if row is None:
            log.warning("preferences of unknown consultant %s: waiting for their profile", cid)
            return
        if prefs.revision > row.prefs_revision:
            row.frequency, row.day_of_week = prefs.frequency, prefs.day_of_week
            row.locale = prefs.locale
            row.prefs_revision = prefs.revision
            if prefs.frequency != "paused":
                row.unsubscribed = False
        return
    profile = event.data
    if row is None:
        session.add(
            RecipientRow(
                id=cid,
                name=profile.display_name,
                email=profile.email,
                locale=profile.locale,
                frequency=profile.frequency,
                day_of_week=profile.day_of_week,
                unsubscribed=False,
                profile_revision=profile.revision,
                prefs_revision=profile.revision,
            )
        )
        session.flush()
        return
    if profile.revision > row.profile_revision:
        row.name, row.email = profile.display_name, profile.email
        row.profile_revision = profile.revision
    if profile.revision > row.prefs_revision:
        row.locale, row.frequency, row.day_of_week = (
            profile.locale,
            profile.frequency,
            profile.day_of_week,
        )
        row.prefs_revision = profile.revision
