"""Readers' answers to their suggestions (done, not now, never), counted by gesture kind.

The notifier's consumer keeps each `suggestion.feedback` (`db.FeedbackRow`); the ledger says
which gesture the digest of that period proposed for that person. A "never" counts only while
it stands: the latest of a reader's never and undo about one person decides. The counting is
pure.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


Answer = tuple[str, str, str, str, datetime]  # period, reader, other, action, when


def standing(answers: Iterable[Answer]) -> list[Answer]:
    """Return the answers that stand: of a reader's nevers and undos about one person, only the
    latest, and only if it is a never (an undo later than a never, or at once, withdraws it)."""
    kept: list[Answer] = []
    latest: dict[tuple[str, str], Answer] = {}
    for answer in answers:
        _, reader, other, action, at = answer
        if action not in ("never", "undo_never"):
            kept.append(answer)
            continue
        before = latest.get((reader, other))
        later = before is None or (at, action == "undo_never") > (
            before[4],
            before[3] == "undo_never",
        )
        if later:
            latest[(reader, other)] = answer
    kept += [a for a in latest.values() if a[3] == "never"]
    return kept


def answers_by_gesture(
    answers: Iterable[Answer], gestures: dict[tuple[str, str, str], str]
) -> list[Answers]:
    """Count the answers that stand by the gesture the digest of their period proposed."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    for period, reader, other, action, _ in standing(answers):
        gesture = gestures.get((period, reader, other), UNKNOWN_GESTURE)
        counts[gesture][action] += 1
    return [Answers(g, c["done"], c["not_now"], c["never"]) for g, c in sorted(counts.items())]


def feedback_by_gesture(session: Session) -> list[Answers]:
    """Return the answers to every sent digest's suggestions, by gesture kind."""
    answers = session.execute(
        select(
            FeedbackRow.period,
            FeedbackRow.consultant_id,
            FeedbackRow.other_id,
            FeedbackRow.action,
            FeedbackRow.at,
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
    return answers_by_gesture([(p, r, o, a, at) for p, r, o, a, at in answers], gestures)
