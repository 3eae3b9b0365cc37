"""The graph store against real Neo4j: equal to the oracle for any order, batching, replay."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from braise_graph.partition import Partition
from braise_shared.events import Event, InteractionRecordedV1
from braise_shared.stream import Delivered
from tests.support import events as ev
from tests.support.graph import (
    as_entries,
    as_oracle,
    count_links,
    events_applied,
    new_store,
    stored_peaks,
    stored_strengths,
)
from tests.support.oracle import decayed, peak, strengths

DAY = 86_400.0
T0 = 1_700_000_000.0
KINDS = ["mission_together", "lunch", "call", "message", "event", "introduction"]

Ranges = list[tuple[int, int]]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[InteractionRecordedV1], list[Delivered], Ranges]:
    """Draw interactions on a stream in any time order, then deliveries of it: runs of
    entries that never skip one, some read again (a crash before the acknowledgement),
    straddling what was applied or not, cut anywhere."""
    people = draw(st.integers(3, 8))
    count = draw(st.integers(1, 40))
    interactions: list[InteractionRecordedV1] = []
    for _ in range(count):
        size = min(people, draw(st.sampled_from([2, 2, 2, 3, 5])))
        group = draw(st.lists(st.integers(1, people), min_size=size, max_size=size, unique=True))
        t = T0 + draw(st.floats(0, 700 * DAY))
        interactions.append(ev.interaction(group, t, kind=draw(st.sampled_from(KINDS))))
    stream: list[Event] = [ev.profile(n) for n in range(1, people + 1)]
    stream += draw(st.permutations(interactions))
    cuts = sorted(set(draw(st.lists(st.integers(1, len(stream) - 1), max_size=6))))
    ranges = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        rewind = draw(st.integers(0, 6))  # entries read again: applied before, or not
        ranges.append((max(0, start - rewind), end))
    return interactions, as_entries(stream), ranges


@given(histories())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_strengths_equal_the_oracle_for_any_order_redelivery_and_batching(
    neo4j_driver: Driver, history: tuple[list[InteractionRecordedV1], list[Delivered], Ranges]
) -> None:
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    interactions, stream, ranges = history
    store = new_store(neo4j_driver)
    applied = sum(store.apply_entries(stream[start:end]) for start, end in ranges)
    assert applied == len(stream)
    # A full replay changes nothing.
    for start, end in ranges:
        assert store.apply_entries(stream[start:end]) == 0

    at = T0 + 800 * DAY
    expected = strengths(as_oracle(interactions), at=at)
    got = stored_strengths(neo4j_driver, at)
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-9), pair
    assert events_applied(neo4j_driver) == len(stream)


def test_replayed_entry_changes_nothing(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    lunch = ev.interaction([1, 2], T0, kind="lunch")
    stream = as_entries([ev.profile(1), ev.profile(2), lunch])
    assert store.apply_entries(stream) == 3
    before = stored_strengths(neo4j_driver, T0)
    assert store.apply_entries(stream[2:]) == 0
    assert store.apply_entries(stream) == 0
    assert stored_strengths(neo4j_driver, T0) == before
    assert before == {(str(ev.cid(1)), str(ev.cid(2))): pytest.approx(3.0)}


def test_a_redelivery_straddling_the_watermark_applies_only_what_is_new(
    neo4j_driver: Driver,
) -> None:
    store = new_store(neo4j_driver)
    lunches = [ev.interaction([1, 2], T0 + n * DAY, kind="lunch") for n in range(4)]
    stream = as_entries([ev.profile(1), ev.profile(2), *lunches])
    assert store.apply_entries(stream[:4]) == 4
    assert store.apply_entries(stream[1:]) == 2
    at = T0 + 3 * DAY
    expected = sum(decayed(3.0, at - (T0 + n * DAY)) for n in range(4))
    assert stored_strengths(neo4j_driver, at) == {
        (str(ev.cid(1)), str(ev.cid(2))): pytest.approx(expected)
    }
    assert events_applied(neo4j_driver) == 6


def test_partitions_apply_disjoint_shares_that_add_up_to_the_oracle(
    neo4j_driver: Driver,
) -> None:
    rnd = random.Random(5)
    interactions = [
        ev.interaction(rnd.sample(range(1, 13), rnd.choice([2, 2, 3, 5])), T0 + n * DAY)
        for n in range(120)
    ]
    stream = as_entries([*(ev.profile(n) for n in range(1, 13)), *interactions])
    stores = [new_store(neo4j_driver, Partition(i, 3)) for i in range(3)]
    for store in stores:
        for start in range(0, len(stream), 25):
            store.apply_entries(stream[max(0, start - 10) : start + 25])

    at = T0 + 200 * DAY
    expected = strengths(as_oracle(interactions), at=at)
    got = stored_strengths(neo4j_driver, at)
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-9), pair
    # Interactions arrived in time order: every peak is the true one.
    oracle = as_oracle(interactions)
    for pair, stored in stored_peaks(neo4j_driver).items():
        assert stored == pytest.approx(peak(oracle, pair), rel=1e-9), pair
    assert events_applied(neo4j_driver) == len(stream)


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


def test_a_partition_behind_an_erasure_another_one_applied_still_ends_without_the_person(
    neo4j_driver: Driver,
) -> None:
    ahead = new_store(neo4j_driver, Partition(0, 2))
    behind = new_store(neo4j_driver, Partition(1, 2))
    profiles = [ev.profile(n) for n in range(1, 12)]
    lunches = [ev.interaction([1, n], T0) for n in range(2, 12)]
    stream = as_entries([*profiles, *lunches, ev.erased(1), ev.interaction([1, 2], T0 + DAY)])
    behind.apply_entries(stream[:11])
    ahead.apply_entries(stream)
    # Behind the erasure, the second partition still links the erased person, for a while.
    behind.apply_entries(stream[11:21])
    assert count_links(neo4j_driver) > 0
    behind.apply_entries(stream[21:])

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Consultant {id: $id}) RETURN c", id=str(ev.cid(1))
    )
    assert records == []
    assert count_links(neo4j_driver) == 0


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
