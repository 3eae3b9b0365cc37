"""A batch is split by what each event changes, in one pass, keeping batch order."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from braise_graph.batch import EventGroups, group_events, route
from braise_graph.people import NodeState, apply_preferences, apply_profile
from braise_shared.events import (
    EVENT_MODELS,
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
from tests.support import events as ev

T0 = 1_700_000_000.0


def _id(n: int) -> str:
    return str(ev.cid(n))


def test_every_event_type_has_a_route() -> None:
    assert set(EVENT_MODELS) <= set(route.registry)


def test_an_event_without_a_route_is_refused() -> None:
    bare = Envelope(occurred_at=datetime.now(UTC), producer="test")
    with pytest.raises(TypeError, match="no route for Envelope"):
        route(bare, EventGroups())


def test_a_batch_is_split_by_what_each_event_changes() -> None:
    lunch = ev.interaction([1, 2, 3], T0)
    done = ev.feedback(4, 1, "done", T0)
    never = ev.feedback(4, 2, "never", T0)
    digest = ev.digest_sent(5, [6, 7], T0)
    batch: list[Event] = [
        ev.profile(1),
        lunch,
        ev.erased(8),
        done,
        ev.preferences(2, 2, suggestable=False),
        never,
        digest,
        ev.profile(1, revision=2),
    ]
    groups = group_events(batch)
    assert [(c.consultant_id, c.event_type) for c in groups.nodes] == [
        (_id(1), "consultant.registered"),
        (_id(2), "preferences.changed"),
        (_id(1), "consultant.updated"),
    ]
    assert groups.erasures == {_id(8)}
    assert groups.interactions == [lunch]
    assert groups.rekindled == [done]
    assert groups.feedback == [never]
    assert groups.digests == [digest]


def test_node_changes_apply_the_profile_and_preference_rules() -> None:
    registered = ev.profile(1, name="Ada", skills=("Python",), t=T0)
    preferences = ev.preferences(1, 2, suggestable=False, locale="en")
    before = NodeState(id=_id(1))
    first, second = group_events([registered, preferences]).nodes
    assert first.apply(before) == apply_profile(before, registered.data, T0)
    assert second.apply(before) == apply_preferences(before, preferences.data)


BUILDERS: list[Callable[[int], Event]] = [
    lambda n: ev.profile(n),
    lambda n: ev.profile(n, revision=2),
    lambda n: ev.preferences(n, 3, suggestable=True),
    lambda n: ev.erased(n),
    lambda n: ev.interaction([n, n + 1], T0 + n),
    lambda n: ev.digest_sent(n, [n + 1], T0),
    lambda n: ev.feedback(n, n + 1, "done", T0),
    lambda n: ev.feedback(n, n + 1, "not_now", T0),
    lambda n: ev.occasion(n, T0 + 86_400 * n, [n, n + 1]),
    lambda n: ev.withdrawn(n, 2),
]


@given(st.lists(st.tuples(st.integers(0, len(BUILDERS) - 1), st.integers(1, 9)), max_size=30))
def test_grouping_puts_every_event_in_its_group_in_batch_order(
    picks: list[tuple[int, int]],
) -> None:
    batch = [BUILDERS[b](n) for b, n in picks]
    groups = group_events(batch)
    node_types = ConsultantRegisteredV1 | ConsultantUpdatedV1 | PreferencesChangedV2
    nodes = [e for e in batch if isinstance(e, node_types)]
    feedback = [e for e in batch if isinstance(e, SuggestionFeedbackV2)]
    assert [(c.consultant_id, c.event_type) for c in groups.nodes] == [
        (str(e.data.consultant_id), e.type) for e in nodes
    ]
    assert groups.erasures == {
        str(e.data.consultant_id) for e in batch if isinstance(e, ConsultantErasedV1)
    }
    assert groups.interactions == [e for e in batch if isinstance(e, InteractionRecordedV1)]
    assert groups.digests == [e for e in batch if isinstance(e, DigestSentV1)]
    assert groups.rekindled == [e for e in feedback if e.data.action == "done"]
    assert groups.feedback == [e for e in feedback if e.data.action != "done"]
    occasions = OccasionScheduledV1 | OccasionWithdrawnV1
    assert groups.occasions == [e for e in batch if isinstance(e, occasions)]


def test_every_event_type_has_a_route_in_the_notifiers_projections() -> None:
    from braise_notifier.projections import ROUTES

    assert set(EVENT_MODELS) <= set(ROUTES)
