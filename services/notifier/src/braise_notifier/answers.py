"""Readers' answers to their suggestions (done, not now, never, undo), kept once each
(`db.FeedbackRow`, from `suggestion.feedback`), counted by `pages.feedback`."""

from collections.abc import Sequence

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from braise_notifier.db import FeedbackRow, erased_among, insert_new
from braise_shared.events import ConsultantErasedV1, Event, SuggestionFeedbackV2


def record_answers(session: Session, events: Sequence[Event]) -> None:
    """Keep every reader's answer once (a replay adds nothing); forget erased people's."""
    rows: list[dict[str, object]] = []
    erasures: list[str] = []
    for event in events:
        if isinstance(event, ConsultantErasedV1):
            erasures.append(str(event.data.consultant_id))
        elif isinstance(event, SuggestionFeedbackV2):
            data = event.data
            rows.append(
                {
                    "period": data.period,
                    "consultant_id": str(data.consultant_id),
                    "other_id": str(data.other_id),
                    "action": data.action,
                    "at": event.occurred_at,
                }
            )
    if not rows and not erasures:
        return
    people = {str(r[k]) for r in rows for k in ("consultant_id", "other_id")}
    erased = set(erasures) | erased_among(session, people)
    rows = [r for r in rows if r["consultant_id"] not in erased and r["other_id"] not in erased]
    if rows:
        session.execute(insert_new(session, FeedbackRow, rows))
    if erasures:
        session.execute(
            delete(FeedbackRow).where(
                or_(FeedbackRow.consultant_id.in_(erasures), FeedbackRow.other_id.in_(erasures))
            )
        )
