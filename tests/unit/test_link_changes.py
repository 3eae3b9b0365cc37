"""Interactions and `done` clicks become pair updates (no Neo4j); folded, they give the oracle."""

import logging
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braise_graph.config import GraphSettings
from braise_graph.links import (
    LinkState,
    Mission,
    PairUpdate,
    fold_link,
    link_changes,
)
from braise_graph.model import strength_at
from braise_shared.events import InteractionRecordedV1, SuggestionFeedbackV2
from braise_shared.interactions import REKINDLED, load_kinds
from tests.support import events as ev
from tests.support.oracle import DAY_S, WEIGHTS, OracleInteraction, strengths

KINDS = load_kinds()
# The rate the service runs with (its settings); expected values come from the oracle.
RATE = GraphSettings().decay_rate
DAY = DAY_S
T0 = 1_700_000_000.0
NO_ONE: frozenset[str] = frozenset()


def _id(n: int) -> str:
    return str(ev.cid(n))


def test_group_interaction_gives_each_pair_its_share_and_the_event_facts() -> None:
    event = ev.interaction([3, 1, 2], T0, kind="lunch", initiator=2, note="Salon")
    changes = link_changes([event], [], kinds=KINDS, erased=NO_ONE)
    assert changes.updates == [
        PairUpdate(_id(a), _id(b), T0, 1.5, "lunch", _id(2), "Salon", str(event.id))
        for a, b in [(1, 2), (1, 3), (2, 3)]
    ]
    assert changes.missions == {}
    assert changes.participants() == [_id(1), _id(2), _id(3)]


def test_done_feedback_counts_as_a_rekindled_interaction_initiated_by_the_reader() -> None:
    done = ev.feedback(2, 1, "done", T0)
    changes = link_changes([], [done], kinds=KINDS, erased=NO_ONE)
    assert changes.updates == [
        PairUpdate(_id(1), _id(2), T0, WEIGHTS[REKINDLED], REKINDLED, _id(2), None, str(done.id))
    ]


def test_done_feedback_about_an_erased_person_changes_no_link() -> None:
    changes = link_changes([], [ev.feedback(2, 1, "done", T0)], kinds=KINDS, erased={_id(1)})
    assert changes.updates == []


def test_each_participant_keeps_their_latest_mission_together_unless_erased() -> None:
    later = ev.interaction([2, 3], T0 + 20 * DAY, kind="mission_together", note="Cloud")
    middle = ev.interaction([1, 2], T0 + 10 * DAY, kind="mission_together", note="SAP")
    earlier = ev.interaction([1, 3], T0, kind="mission_together", note="ERP")
    lunch = ev.interaction([1, 4], T0 + 30 * DAY, kind="lunch", note="Bistro")
    changes = link_changes([later, middle, earlier, lunch], [], kinds=KINDS, erased={_id(3)})
    assert changes.missions == {
        _id(1): Mission(T0 + 10 * DAY, "SAP"),
        _id(2): Mission(T0 + 20 * DAY, "Cloud"),
    }


@given(st.integers(2, 7), st.sets(st.integers(1, 7)), st.sampled_from(["lunch", "event"]))
def test_erased_people_are_left_out_and_the_share_stays_that_of_the_whole_group(
    size: int, erased_numbers: set[int], kind: str
) -> None:
    event = ev.interaction(list(range(1, size + 1)), T0, kind=kind)
    erased = {_id(n) for n in erased_numbers}
    everyone = link_changes([event], [], kinds=KINDS, erased=NO_ONE).updates
    changes = link_changes([event], [], kinds=KINDS, erased=erased)
    assert changes.updates == [u for u in everyone if u.a not in erased and u.b not in erased]
    assert {u.w for u in changes.updates} <= {WEIGHTS[kind] / (size - 1)}
    assert len(everyone) == size * (size - 1) // 2


@st.composite
def histories(
    draw: st.DrawFn,
) -> tuple[list[InteractionRecordedV1], list[SuggestionFeedbackV2], frozenset[str], list[int]]:
    """Draw interactions and `done` clicks among a few people, some erased, and batch cuts."""
    people = draw(st.integers(2, 6))
    interactions = []
    for _ in range(draw(st.integers(1, 25))):
        size = draw(st.integers(2, min(people, 4)))
        group = draw(st.lists(st.integers(1, people), min_size=size, max_size=size, unique=True))
        t = T0 + draw(st.integers(0, 700 * 86_400))
        kind = draw(st.sampled_from(["mission_together", "lunch", "message", "event"]))
        interactions.append(ev.interaction(group, t, kind=kind))
    clicks = []
    for _ in range(draw(st.integers(0, 5))):
        reader, other = draw(st.lists(st.integers(1, people), min_size=2, max_size=2, unique=True))
        clicks.append(ev.feedback(reader, other, "done", T0 + draw(st.integers(0, 700 * 86_400))))
    erased = frozenset(_id(n) for n in draw(st.sets(st.integers(1, people), max_size=2)))
    cuts = draw(st.lists(st.integers(0, len(interactions) + len(clicks)), max_size=4))
    return interactions, clicks, erased, sorted(cuts)


def _as_oracle(
    interactions: list[InteractionRecordedV1], clicks: list[SuggestionFeedbackV2]
) -> list[OracleInteraction]:
    oracle = [
        OracleInteraction(
            str(e.id),
            tuple(str(p) for p in e.data.participants),
            e.data.occurred_at.timestamp(),
            WEIGHTS[e.data.kind],
        )
        for e in interactions
    ]
    weight = WEIGHTS[REKINDLED]
    for click in clicks:
        pair = (str(click.data.consultant_id), str(click.data.other_id))
        oracle.append(OracleInteraction(str(click.id), pair, click.occurred_at.timestamp(), weight))
    return oracle


@given(histories(), st.randoms(use_true_random=False))
@settings(max_examples=150)
def test_events_fold_to_the_oracle_strengths_in_any_order_and_batching(
    history: tuple[
        list[InteractionRecordedV1], list[SuggestionFeedbackV2], frozenset[str], list[int]
    ],
    rnd: random.Random,
) -> None:
    interactions, clicks, erased, cuts = history
    delivered: list[InteractionRecordedV1 | SuggestionFeedbackV2] = [*interactions, *clicks]
    rnd.shuffle(delivered)
    links: dict[tuple[str, str], LinkState] = {}
    for i, j in zip([0, *cuts], [*cuts, len(delivered)], strict=True):
        batch = delivered[i:j]
        changes = link_changes(
            [e for e in batch if isinstance(e, InteractionRecordedV1)],
            [e for e in batch if isinstance(e, SuggestionFeedbackV2)],
            kinds=KINDS,
            erased=erased,
        )
        for pair, updates in changes.by_pair().items():
            links[pair] = fold_link(links.get(pair), updates, rate=RATE)
    at = T0 + 800 * DAY
    expected = strengths(_as_oracle(interactions, clicks), at=at, erased=erased)
    assert set(links) == set(expected)
    for pair, link in links.items():
        assert strength_at(link.strength, at, RATE) == pytest.approx(expected[pair], rel=1e-9)


def test_dropping_an_erased_participant_is_logged_with_the_interaction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = ev.interaction([1, 2, 3], T0, kind="lunch")
    with caplog.at_level(logging.INFO, logger="braise_graph.links"):
        link_changes([event], [], kinds=KINDS, erased={_id(3)})
    assert caplog.messages == [
        f"interaction {event.data.interaction_id}: dropping erased participant(s) {[_id(3)]}"
    ]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="braise_graph.links"):
        link_changes([event], [], kinds=KINDS, erased=NO_ONE)
    assert caplog.messages == []


def test_an_interaction_nobody_initiated_names_no_initiator() -> None:
    changes = link_changes([ev.interaction([1, 2], T0)], [], kinds=KINDS, erased=NO_ONE)
    assert [u.initiator for u in changes.updates] == [None]


def test_of_two_missions_at_the_same_time_a_person_keeps_the_first_recorded() -> None:
    first = ev.interaction([1, 2], T0, kind="mission_together", note="SAP")
    second = ev.interaction([1, 3], T0, kind="mission_together", note="Cloud")
    changes = link_changes([first, second], [], kinds=KINDS, erased=NO_ONE)
    assert changes.missions[_id(1)] == Mission(T0, "SAP")


def test_a_done_click_about_an_erased_person_leaves_the_other_clicks() -> None:
    clicks = [ev.feedback(2, 1, "done", T0), ev.feedback(2, 3, "done", T0 + DAY)]
    changes = link_changes([], clicks, kinds=KINDS, erased={_id(1)})
    assert [(u.a, u.b) for u in changes.updates] == [(_id(2), _id(3))]
