"""The store writes the share it worked out ahead (while the previous batch was written, as
the consumer's read-ahead does) as it is, unless a batch erased someone in between."""

from typing import Any

import pytest
from neo4j import Driver

from braise_graph.store import GraphStore
from braise_shared.events import Event
from tests.support import events as ev
from tests.support.graph import as_entries, count_links, new_store

T0 = 1_700_000_000.0


def _count_shares(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Return a list that gets one item each time the store works out a share."""
    calls: list[int] = []
    work_out = store._share

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return work_out(*args, **kwargs)

    monkeypatch.setattr(store, "_share", counted)
    return calls


def _store_after_profiles(driver: Driver, later: list[Event]) -> tuple[GraphStore, list[Any]]:
    driver.execute_query("MATCH (n) DETACH DELETE n")
    store = new_store(driver)
    entries = as_entries([ev.profile(1), ev.profile(2), ev.profile(3), *later])
    store.apply_entries(entries[:3])
    return store, entries[3:]


def test_a_share_worked_out_ahead_is_written_without_working_it_out_again(
    neo4j_driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    later: list[Event] = [ev.interaction([1, 2], T0), ev.interaction([2, 3], T0 + 60)]
    store, (first, second) = _store_after_profiles(neo4j_driver, later)
    shares = _count_shares(store, monkeypatch)

    store.prepare([second])  # read ahead while the first batch is written
    store.apply_entries([first])
    store.apply_entries([second])

    assert len(shares) == 2  # the first batch's, then the second's once, ahead
    assert count_links(neo4j_driver) == 2


def test_a_share_worked_out_before_an_erasure_is_worked_out_again(
    neo4j_driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    later: list[Event] = [ev.erased(3), ev.interaction([2, 3], T0)]
    store, (erasure, interaction) = _store_after_profiles(neo4j_driver, later)
    shares = _count_shares(store, monkeypatch)

    store.prepare([interaction])  # worked out before consultant 3 was erased
    store.apply_entries([erasure])
    store.apply_entries([interaction])

    assert len(shares) == 3
    assert count_links(neo4j_driver) == 0  # no link to the erased consultant
