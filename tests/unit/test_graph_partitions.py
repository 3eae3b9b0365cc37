"""Slots and partitions (no servers): every piece has one owner, whatever the partition count."""

from pathlib import Path

import pytest

from braise_cli.stack import StackSettings
from braise_cli.stack.servers import StackError
from braise_cli.stack.services import GraphConsumer, graph_consumers
from braise_graph.partition import (
    SLOTS,
    Partition,
    format_entry_id,
    pair_slot,
    parse_entry_id,
    slot_of,
)
from braise_graph.share import Watermarks, share_of
from braise_shared.events import Event
from braise_shared.interactions import load_kinds
from tests.support import events as ev

T0 = 1_700_000_000.0


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6])
def test_each_slot_has_exactly_one_owner(count: int) -> None:
    partitions = [Partition(i, count) for i in range(count)]
    for slot in range(SLOTS):
        assert sum(p.owns(slot) for p in partitions) == 1
    assert sorted(s for p in partitions for s in p.slots) == list(range(SLOTS))


def test_a_pair_falls_in_the_same_slot_whichever_order_its_ids_come_in() -> None:
    a, b = str(ev.cid(1)), str(ev.cid(2))
    assert pair_slot(a, b) == pair_slot(b, a)
    # Stable across processes and machines (not Python's salted hash).
    assert slot_of(a) == 15


def test_partitions_outside_their_range_are_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        Partition(0, SLOTS + 1)
    with pytest.raises(ValueError, match=r"not in 0\.\.1"):
        Partition(2, 2)


def test_entry_ids_order_by_time_then_sequence() -> None:
    assert parse_entry_id(b"1700000000000-12") == (1_700_000_000_000, 12)
    assert parse_entry_id("1700000000001-0") > parse_entry_id("1700000000000-99")
    assert parse_entry_id("1700000000000") == (1_700_000_000_000, 0)  # no sequence: the first


def test_an_entry_id_is_written_as_redis_writes_it() -> None:
    assert format_entry_id((1_700_000_000_000, 12)) == "1700000000000-12"
    assert parse_entry_id(format_entry_id((5, 0))) == (5, 0)


def test_every_count_of_partitions_up_to_one_per_slot_is_allowed() -> None:
    assert Partition(SLOTS - 1, SLOTS).slots == (SLOTS - 1,)
    assert Partition(0, 1).slots == tuple(range(SLOTS))
    assert str(Partition(2, 3)) == "2 of 3"


def _share(events: list[Event], marks: Watermarks) -> tuple[set[tuple[str, str]], int]:
    batch = [((1, n), e) for n, e in enumerate(events, start=1)]
    share = share_of(batch, marks, kinds=load_kinds())
    return {(d.a, d.b) for d in share.links}, share.events_applied


def test_the_shares_of_all_partitions_split_a_batch_without_overlap() -> None:
    events: list[Event] = [ev.interaction(list(range(1, 9)), T0, kind="event")]
    events += [ev.profile(n) for n in range(1, 9)]
    shares = [_share(events, Watermarks(Partition(i, 3))) for i in range(3)]
    pairs = [p for links, _ in shares for p in links]
    assert len(pairs) == len(set(pairs)) == 8 * 7 // 2
    assert sum(count for _, count in shares) == len(events)


def test_what_a_slot_applied_already_is_left_out() -> None:
    lunch = ev.interaction([1, 2], T0)
    slot = pair_slot(str(ev.cid(1)), str(ev.cid(2)))
    marks = Watermarks(Partition(), {slot: (1, 1)})
    assert _share([lunch], marks)[0] == set()
    assert _share([lunch], Watermarks(Partition(), {slot: (1, 0)}))[0] != set()


def test_the_stack_runs_one_graph_consumer_per_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRAISE_GRAPH_PARTITIONS", "3")
    consumers = graph_consumers(StackSettings(var_dir=tmp_path))
    assert [c.name for c in consumers] == ["graph-consumer", "graph-consumer-1", "graph-consumer-2"]
    assert isinstance(consumers[2], GraphConsumer)
    env = consumers[2].process().env or {}
    assert (env["BRAISE_GRAPH_PARTITIONS"], env["BRAISE_GRAPH_PARTITION"]) == ("3", "2")
    monkeypatch.setenv("BRAISE_GRAPH_PARTITIONS", "none")
    with pytest.raises(StackError, match="BRAISE_GRAPH_PARTITIONS"):
        graph_consumers(StackSettings(var_dir=tmp_path))
