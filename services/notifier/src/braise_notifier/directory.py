"""Keep the recipients table in step with profile, preference and erasure events."""

import json
import logging
from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from braise_notifier.db import DigestRow, ErasedRow, RecipientRow
from braise_shared.events import (
    ConsultantErasedV1,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    Event,
    PreferencesChangedV2,
)
from braise_shared.sql import checkpoint_after_commit

log = logging.getLogger(__name__)


def apply_to_recipients(session: Session, events: Sequence[Event]) -> None:
    """Apply profile, preference and erasure events, in order; idempotent (revisions decide,
    erasure is final). A projection of `projections.project`."""
    for event in events:
        _apply(session, event)


def _apply(session: Session, event: Event) -> None:
    if not isinstance(
        event,
        ConsultantRegisteredV1 | ConsultantUpdatedV1 | PreferencesChangedV2 | ConsultantErasedV1,
    ):
        return
    cid = str(event.data.consultant_id)
    if session.get(ErasedRow, cid) is not None:
        log.info("dropping %s for erased consultant %s", event.type, cid)
        return
    if isinstance(event, ConsultantErasedV1):
        _erase(session, cid)
        return
    row = session.get(RecipientRow, cid)
    if isinstance(event, PreferencesChangedV2):
        prefs = event.data
        if row is None:
            log.warning("preferences of unknown consultant %s: waiting for their profile", cid)
            return
        if event.data.revision > row.resume_revision:
            row.resume_on, row.resume_revision = event.data.resume_on, event.data.revision
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
                resume_on=None,
                resume_revision=0,
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


def _erase(session: Session, cid: str) -> None:
    """Forget a person: their recipient row, their ledger, their place in others' digests.

    Only their id stays, in `erased`, so that a late event cannot bring them back.
    """
    recipient = session.get(RecipientRow, cid)
    words = [w for w in (recipient.name, recipient.email) if w] if recipient else []
    session.execute(delete(RecipientRow).where(RecipientRow.id == cid))
    session.execute(delete(DigestRow).where(DigestRow.consultant_id == cid))
    others = session.scalars(
        select(DigestRow).where(
            or_(
                DigestRow.suggestions.contains(cid),
                *(DigestRow.error.contains(word) for word in words),
            )
        )
    )
    for row in others:
        row.suggestions = scrub_suggestions(row.suggestions, cid)
        row.error = scrub_words(row.error, words)
    session.add(ErasedRow(id=cid))
    checkpoint_after_commit(session)


def scrub_suggestions(suggestions: str | None, person_id: str) -> str | None:
    """Return a digest's stored suggestions (JSON) without those of person_id."""
    if suggestions is None:
        return None
    kept = [s for s in json.loads(suggestions) if s.get("consultant_id") != person_id]
    return json.dumps(kept)


def scrub_words(text: str | None, words: Sequence[str]) -> str | None:
    """Return text with each of words (an erased person's name, e-mail) replaced."""
    if text is None:
        return None
    for word in words:
        text = text.replace(word, "[erased]")
    return text
