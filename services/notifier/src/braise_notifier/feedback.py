"""A reader's action on a suggested person, as the `suggestion.feedback` event it publishes."""

import uuid
from datetime import UTC, datetime
from typing import Literal

from braise_shared.events import SuggestionFeedbackV2, SuggestionFeedbackWithUndo, dump_event
from braise_shared.publisher import EventPublisher

FEEDBACK_EVENTS = uuid.UUID("0e9b5a0c-4c1f-4d8e-8f2f-5d7a3c6b1e42")
Action = Literal["done", "not_now", "never", "undo_never"]


def feedback_event(
    consultant_id: str, other_id: str, action: Action, period: str
) -> SuggestionFeedbackV2:
    """Return the event of one action.

    `done` counts as an interaction, so its id derives from (reader, person, period): a second
    click is the same event and the stream keeps it once. The others set a state whose latest
    time wins in the graph; each click is its own event, so "never" after an undo counts.
    """
    event_id = (
        uuid.uuid5(FEEDBACK_EVENTS, f"done:{consultant_id}:{other_id}:{period}")
        if action == "done"
        else uuid.uuid4()
    )
    return SuggestionFeedbackV2(
        id=event_id,
        occurred_at=datetime.now(UTC),
        producer="notifier",
        data=SuggestionFeedbackWithUndo(
            consultant_id=uuid.UUID(consultant_id),
            other_id=uuid.UUID(other_id),
            action=action,
            period=period,
        ),
    )


def publish_feedback(
    publisher: EventPublisher, consultant_id: str, other_id: str, action: Action, period: str
) -> None:
    """Publish one action on the stream."""
    event = feedback_event(consultant_id, other_id, action, period)
    publisher.publish_many([(str(event.id), dump_event(event))])
