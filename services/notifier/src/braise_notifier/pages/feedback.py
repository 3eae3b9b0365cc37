"""Readers' answers to their suggestions (done, not now, never), counted by gesture kind.

The notifier's consumer keeps each `suggestion.feedback` (`db.FeedbackRow`); the ledger says
which gesture the digest of that period proposed for that person. The counting is pure.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from braise_notifier.db import SENT, DigestRow, FeedbackRow

ACTIONS = ("done", "not_now", "never", "undo_never")
UNKNOWN_GESTURE = "?"  # an answer about a suggestion the ledger no longer holds


@dataclass(frozen=True)
class Answers:
    """How readers answered the suggestions of one gesture kind."""

    gesture: str
    done: int
    not_now: int
    never: int


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
