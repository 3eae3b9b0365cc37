"""The graph store against real Neo4j: equal to the oracle for any order, batching, replay."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from braise_shared.events import Event, InteractionRecordedV1
from tests.support import events as ev
from tests.support.graph import as_oracle, count_links, new_store, stored_strengths
from tests.support.oracle import decayed, strengths

DAY = 86_400.0
T0 = 1_700_000_000.0
KINDS = ["mission_together", "lunch", "call", "message", "event", "introduction"]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Event], list[list[Event]]]:
    """Draw interactions, then a delivery: duplicates, a shuffle, and random batch cuts."""
    people = draw(st.integers(3, 8))
    count = draw(st.integers(1, 40))
    interactions: list[InteractionRecordedV1] = []
    for _ in range(count):
        size = min(people, draw(st.sampled_from([2, 2, 2, 3, 5])))
        group = draw(st.lists(st.integers(1, people), min_size=size, max_size=size, unique=True))
        t = T0 + draw(st.floats(0, 700 * DAY))
        interactions.append(ev.interaction(group, t, kind=draw(st.sampled_from(KINDS))))
    registrations: list[Event] = [ev.profile(n) for n in range(1, people + 1)]
    delivered: list[Event] = registrations + list(interactions)
    duplicates = draw(st.lists(st.sampled_from(delivered), max_size=10))
    delivered += duplicates
    rnd = random.Random(draw(st.integers(0, 2**32)))
    rnd.shuffle(delivered)
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(delivered) - 1)), max_size=6)))
    batches, start = [], 0
    for cut in [*cuts, len(delivered)]:
        if cut > start:
            batches.append(delivered[start:cut])
            start = cut
    return list(interactions), batches


@given(histories())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_strengths_equal_the_oracle_for_any_order_duplicates_and_batching(
    neo4j_driver: Driver, history: tuple[list[InteractionRecordedV1], list[list[Event]]]
) -> None:
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    interactions, batches = history
    store = new_store(neo4j_driver)
    for batch in batches:
        store.apply(batch)
    # A full replay changes nothing.
    for batch in batches:
        assert store.apply(batch) == 0

    at = T0 + 800 * DAY
    expected = strengths(as_oracle(interactions), at=at)
    got = stored_strengths(neo4j_driver, at)
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-9), pair


def test_replayed_event_changes_nothing(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    lunch = ev.interaction([1, 2], T0, kind="lunch")
    assert store.apply([ev.profile(1), ev.profile(2), lunch]) == 3
    before = stored_strengths(neo4j_driver, T0)
    assert store.apply([lunch, lunch]) == 0
    assert stored_strengths(neo4j_driver, T0) == before
    assert before == {(str(ev.cid(1)), str(ev.cid(2))): pytest.approx(3.0)}


def test_two_hundred_person_event_is_one_batch_with_shared_weight(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    people = list(range(1, 201))
    store.apply([ev.profile(n) for n in people])
    store.apply([ev.interaction(people, T0, kind="event")])

    assert count_links(neo4j_driver) == 200 * 199 // 2
    got = stored_strengths(neo4j_driver, T0)
    assert len(got) == 19_900
    assert min(got.values()) == pytest.approx(3.0 / 199, rel=1e-12)
    assert max(got.values()) == pytest.approx(3.0 / 199, rel=1e-12)


def test_erasure_removes_the_person_and_later_events_never_bring_them_back(
    neo4j_driver: Driver,
) -> None:
    store = new_store(neo4j_driver)
    store.apply([ev.profile(n) for n in (1, 2, 3)])
    store.apply([ev.interaction([1, 2], T0), ev.interaction([2, 3], T0)])
    store.apply([ev.erased(2)])

    late = [
        ev.interaction([1, 2], T0 + DAY),
        ev.profile(2, revision=5),
        ev.interaction([1, 2, 3], T0 + 2 * DAY, kind="event"),
    ]
    store.apply(late)

    records, _, _ = neo4j_driver.execute_query("MATCH (c:Consultant) RETURN c.id AS id ORDER BY id")
    assert [r["id"] for r in records] == [str(ev.cid(1)), str(ev.cid(3))]
    # The group event still links the two others, with the share of a group of three.
    assert stored_strengths(neo4j_driver, T0 + 2 * DAY) == {
        (str(ev.cid(1)), str(ev.cid(3))): pytest.approx(3.0 / 2)
    }


def test_profile_revisions_are_applied_newest_wins_in_any_order(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    newer = ev.profile(1, revision=3, name="Camille Durand", skills=("Python", "Rust"))
    older = ev.profile(1, revision=2, name="Camille Martin", skills=("Python",))
    store.apply([ev.profile(1, skills=("Python",))])
    store.apply([newer])
    store.apply([older, ev.preferences(1, revision=2, suggestable=False)])

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Consultant {id: $id}) RETURN c {.*} AS c", id=str(ev.cid(1))
    )
    node = records[0]["c"]
    assert node["name"] == "Camille Durand"
    assert node["skills"] == ["python", "rust"]
    # Consent of revision 3 (in the profile) beats the preference of revision 2.
    assert node["suggestable"] is True
    assert node["news_labels"] == ["Rust"]


def test_link_keeps_counts_by_kind_reciprocity_first_and_last(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    store.apply([ev.profile(1), ev.profile(2)])
    store.apply(
        [
            ev.interaction([1, 2], T0 + 10 * DAY, kind="lunch", initiator=2),
            ev.interaction([2, 1], T0, kind="mission_together", note="Migration SAP", initiator=1),
            ev.interaction([1, 2], T0 + 5 * DAY, kind="lunch", initiator=1),
        ]
    )
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (a)-[r:LINK]->(b) RETURN a.id AS a, b.id AS b, r {.*} AS r"
    )
    assert len(records) == 1
    # One relationship per pair, from the smaller id to the larger, whatever the event said.
    assert (records[0]["a"], records[0]["b"]) == (str(ev.cid(1)), str(ev.cid(2)))
    link = records[0]["r"]
    assert dict(zip(link["kinds"], link["kind_counts"], strict=True)) == {
        "lunch": 2,
        "mission_together": 1,
    }
    assert (link["init_a"], link["init_b"]) == (2, 1)
    assert (link["first_at"], link["last_at"]) == (T0, T0 + 10 * DAY)
    assert link["last_mission_note"] == "Migration SAP"
    expected_peak = decayed(10, 10 * DAY) + decayed(3, 5 * DAY) + 3
    assert link["peak"] == pytest.approx(expected_peak)
