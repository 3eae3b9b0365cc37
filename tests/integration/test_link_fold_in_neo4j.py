"""The store folds links in Cypher: the same link as `links.fold_link`, for any batching."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from braise_graph.links import LinkState, fold_link, link_changes
from braise_shared.events import Event, InteractionRecordedV1
from braise_shared.interactions import load_kinds
from tests.support import events as ev
from tests.support.graph import RATE, as_entries, new_store

DAY = 86_400.0
T0 = 1_700_000_000.0
KINDS = ["lunch", "message", "mission_together", "call"]

Batches = list[list[InteractionRecordedV1]]


@st.composite
def deliveries(draw: st.DrawFn) -> Batches:
    """Draw one pair's interactions, in any time order, cut into batches."""
    seconds = draw(st.lists(st.integers(0, 700 * 86_400), min_size=1, max_size=25, unique=True))
    interactions = [
        ev.interaction(
            draw(st.permutations([1, 2])),
            T0 + s,
            kind=draw(st.sampled_from(KINDS)),
            initiator=draw(st.sampled_from([1, 2, None])),
            note=f"note {i}",
        )
        for i, s in enumerate(seconds)
    ]
    shuffled = draw(st.permutations(interactions))
    cuts = sorted(draw(st.lists(st.integers(0, len(shuffled)), max_size=5)))
    bounds = zip([0, *cuts], [*cuts, len(shuffled)], strict=True)
    return [shuffled[i:j] for i, j in bounds if j > i]


def _python_fold(batches: Batches) -> LinkState:
    link: LinkState | None = None
    for batch in batches:
        changes = link_changes(batch, [], kinds=load_kinds(), erased=set())
        link = fold_link(link, changes.updates, rate=RATE)
    assert link is not None
    return link


def _comparable(link: LinkState) -> dict[str, Any]:
    props = link.to_properties()
    props["kind_counts"] = dict(zip(props.pop("kinds"), props["kind_counts"], strict=True))
    return props


@given(deliveries())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_cypher_fold_gives_the_link_fold_link_gives(
    neo4j_driver: Driver, batches: Batches
) -> None:
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    store = new_store(neo4j_driver)
    stream: list[Event] = [ev.profile(1), ev.profile(2)]
    for batch in batches:
        stream += batch
    entries = as_entries(stream)
    store.apply_entries(entries[:2])
    read = 2
    for batch in batches:
        store.apply_entries(entries[read : read + len(batch)])
        read += len(batch)

    records, _, _ = neo4j_driver.execute_query("MATCH ()-[r:LINK]->() RETURN r {.*} AS r")
    stored = LinkState.from_properties(records[0]["r"])
    assert stored is not None
    got, expected = _comparable(stored), _comparable(_python_fold(batches))
    for name in ("s_ref", "peak"):
        assert got.pop(name) == pytest.approx(expected.pop(name), rel=1e-12), name
    assert got == expected
