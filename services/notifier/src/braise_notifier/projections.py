"""The notifier's projections of the event stream: the tables its planner, pages and firm's
view read, kept by its consumer.

Each projection is registered once, below, with the event classes it reads (the way an
event-sourced system registers a policy per event class). `project` routes a batch in one
pass and runs the projections in one transaction, each given its events in batch order. An
event class no projection reads is listed in `NOT_PROJECTED`: `project` refuses an event of a
class it has no route for, so that a new event type is a decision (a test holds every model of
the contract routed).
"""

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.answers import record_answers
from braise_notifier.db import unit_of_work
from braise_notifier.directory import apply_to_recipients
from braise_notifier.meetings import record_meetings
from braise_shared.events import (
    ConsultantErasedV1,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    DigestSentV1,
    Envelope,
    Event,
    InteractionRecordedV1,
    OccasionScheduledV1,
    OccasionWithdrawnV1,
    PreferencesChangedV2,
    SuggestionFeedbackV2,
)

Projection = Callable[[Session, Sequence[Event]], None]

# In the order they run: the recipients first, so that an erasure of the batch is known to
# the others (`db.erased_among`).
PROJECTIONS: tuple[tuple[Projection, tuple[type[Envelope], ...]], ...] = (
    (
        apply_to_recipients,
        (ConsultantRegisteredV1, ConsultantUpdatedV1, PreferencesChangedV2, ConsultantErasedV1),
    ),
    (record_meetings, (InteractionRecordedV1, ConsultantErasedV1)),
    (record_answers, (SuggestionFeedbackV2, ConsultantErasedV1)),
)
# The graph's business: the ledger already knows what it sent, and occasions reach digests
# through the graph's candidates.
NOT_PROJECTED: tuple[type[Envelope], ...] = (DigestSentV1, OccasionScheduledV1, OccasionWithdrawnV1)

ROUTES: dict[type[Envelope], list[Projection]] = {kind: [] for kind in NOT_PROJECTED}
for _projection, _kinds in PROJECTIONS:
    for _kind in _kinds:
        ROUTES.setdefault(_kind, []).append(_projection)


def project(factory: sessionmaker[Session], events: Sequence[Event]) -> None:
    """Apply a batch to every projection that reads it, in one transaction (idempotent:
    revisions decide, erasure is final, rows already there are skipped)."""
    batches: dict[Projection, list[Event]] = {projection: [] for projection, _ in PROJECTIONS}
    for event in events:
        routes = ROUTES.get(type(event))
        if routes is None:
            raise TypeError(f"no projection route for {type(event).__name__}")
        for projection in routes:
            batches[projection].append(event)
    if not any(batches.values()):
        return
    with unit_of_work(factory) as session:
        for projection, _ in PROJECTIONS:
            if batches[projection]:
                projection(session, batches[projection])
