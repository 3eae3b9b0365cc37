"""Readers' answers to their suggestions (done, not now, never), counted by gesture kind.

The notifier's consumer keeps each `suggestion.feedback` (`db.FeedbackRow`); the ledger says
which gesture the digest of that period proposed for that person. The counting is pure.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import SENT, DigestRow, FeedbackRow, erased_among, unit_of_work
from braise_notifier.pages.loop import insert_new
from braise_shared.events import ConsultantErasedV1, Event, SuggestionFeedbackV2

ACTIONS = ("done", "not_now", "never", "undo_never")
UNKNOWN_GESTURE = "?"  # an answer about a suggestion the ledger no longer holds


@dataclass(frozen=True)
class Answers:
    """How readers answered the suggestions of one gesture kind."""

    gesture: str
    done: int
    not_now: int
    never: int


def record_feedback(factory: sessionmaker[Session], events: Sequence[Event]) -> None:
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
    with unit_of_work(factory) as session:
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


def answers_by_gesture(
    answers: Iterable[tuple[str, str, str, str]], gestures: dict[tuple[str, str, str], str]
) -> list[Answers]:
    """Count answers (period, reader, other, action) by the gesture the digest proposed."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    for period, reader, other, action in answers:
        gesture = gestures.get((period, reader, other), UNKNOWN_GESTURE)
        counts[gesture][action] += 1
    return [Answers(g, c["done"], c["not_now"], c["never"]) for g, c in sorted(counts.items())]


def feedback_by_gesture(session: Session) -> list[Answers]:
    """Return the answers to every sent digest's suggestions, by gesture kind."""
    answers = session.execute(
        select(
            FeedbackRow.period, FeedbackRow.consultant_id, FeedbackRow.other_id, FeedbackRow.action
        )
    ).all()
    gestures = {}
    rows = session.execute(
        select(DigestRow.period, DigestRow.consultant_id, DigestRow.suggestions).where(
            DigestRow.state == SENT
        )
    )
    for period, reader, raw in rows:
        for item in json.loads(raw or "[]"):
            gestures[(period, reader, item["consultant_id"])] = item["gesture"]
    return answers_by_gesture([(p, r, o, a) for p, r, o, a in answers], gestures)
