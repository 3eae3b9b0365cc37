"""A batch of events split by what each changes, in one pass (pure).

Each event type has one route, registered below: it puts the event in the group the store
writes together. Groups keep batch order.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial, singledispatch

from braise_graph.model import epoch_s
from braise_graph.people import NodeState, apply_preferences, apply_profile
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


@dataclass(frozen=True)
class NodeChange:
    """A profile or preferences event, as a change of one consultant's node."""

    consultant_id: str
    event_type: str
    apply: Callable[[NodeState], NodeState]


@dataclass
class EventGroups:
    """A batch's events by what they change, each group in batch order."""

    nodes: list[NodeChange] = field(default_factory=list)
    erasures: set[str] = field(default_factory=set)
    interactions: list[InteractionRecordedV1] = field(default_factory=list)
    rekindled: list[SuggestionFeedbackV2] = field(default_factory=list)  # `done`: interactions
    # `not_now`, `never`, `undo_never`
    feedback: list[SuggestionFeedbackV2] = field(default_factory=list)
    digests: list[DigestSentV1] = field(default_factory=list)
    occasions: list[OccasionScheduledV1 | OccasionWithdrawnV1] = field(default_factory=list)


def group_events(events: Iterable[Event]) -> EventGroups:
    """Split events by what they change, in one pass."""
    groups = EventGroups()
    for event in events:
        route(event, groups)
    return groups


@singledispatch
def route(event: Envelope, groups: EventGroups) -> None:
    """Put one event in the group it changes (one registered route per event type)."""
    raise TypeError(f"no route for {type(event).__name__}")


@route.register
def _profile(event: ConsultantRegisteredV1 | ConsultantUpdatedV1, groups: EventGroups) -> None:
    cid = str(event.data.consultant_id)
    change = partial(apply_profile, profile=event.data, at=epoch_s(event.occurred_at))
    groups.nodes.append(NodeChange(cid, event.type, change))


@route.register
def _preferences(event: PreferencesChangedV2, groups: EventGroups) -> None:
    cid = str(event.data.consultant_id)
    groups.nodes.append(NodeChange(cid, event.type, partial(apply_preferences, prefs=event.data)))


@route.register
def _erasure(event: ConsultantErasedV1, groups: EventGroups) -> None:
    groups.erasures.add(str(event.data.consultant_id))


@route.register
def _interaction(event: InteractionRecordedV1, groups: EventGroups) -> None:
    groups.interactions.append(event)


@route.register
def _digest(event: DigestSentV1, groups: EventGroups) -> None:
    groups.digests.append(event)


@route.register
def _feedback(event: SuggestionFeedbackV2, groups: EventGroups) -> None:
    # A suggestion acted upon is an interaction (links.REKINDLED); the others mark suggestions.
    if event.data.action == "done":
        groups.rekindled.append(event)
    else:
        groups.feedback.append(event)


@route.register
def _occasion(event: OccasionScheduledV1 | OccasionWithdrawnV1, groups: EventGroups) -> None:
    groups.occasions.append(event)
