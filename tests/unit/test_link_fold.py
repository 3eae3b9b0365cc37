"""Folding a pair's updates into its link (no Neo4j): one link whatever the order or batching."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braise_graph.config import GraphSettings
from braise_graph.links import LinkState, PairUpdate, fold_link
from braise_graph.model import strength_at
from braise_shared.interactions import MISSION_TOGETHER
from tests.support.oracle import DAY_S, OracleInteraction, decayed, peak

# The rate the service runs with (its settings); expected values come from the oracle.
RATE = GraphSettings().decay_rate
DAY = DAY_S
T0 = 1_700_000_000.0
READ_AT = T0 + 800 * DAY
KINDS = ["lunch", "message", MISSION_TOGETHER, "rekindled"]

Batches = list[list[PairUpdate]]


@st.composite
def pair_updates(draw: st.DrawFn) -> list[PairUpdate]:
    """Draw one pair's updates at distinct whole seconds, each with its own note."""
    seconds = draw(st.lists(st.integers(0, 700 * 86_400), min_size=1, max_size=30, unique=True))
    return [
        PairUpdate(
            a="a",
            b="b",
            t=T0 + s,
            w=draw(st.floats(0.1, 10.0)),
            kind=draw(st.sampled_from(KINDS)),
            initiator=draw(st.sampled_from(["a", "b", None])),
            note=f"note {i}",
            event_id=f"e{i:03d}",
        )
        for i, s in enumerate(seconds)
    ]


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[PairUpdate], Batches]:
    """Draw updates, then deliver them shuffled and cut into batches."""
    updates = draw(pair_updates())
    shuffled = draw(st.permutations(updates))
    cuts = sorted(draw(st.lists(st.integers(0, len(shuffled)), max_size=5)))
    bounds = zip([0, *cuts], [*cuts, len(shuffled)], strict=True)
    return updates, [shuffled[i:j] for i, j in bounds if j > i]


def _stored(link: LinkState) -> LinkState | None:
    """Return the link as read back after a write (Neo4j keeps no null property)."""
    props = {k: v for k, v in link.to_properties().items() if v is not None}
    return LinkState.from_properties(props)


def _fold_batches(batches: Batches) -> LinkState:
    link: LinkState | None = None
    for batch in batches:
        link = _stored(fold_link(link, batch, rate=RATE))
    assert link is not None
    return link


def _direct_sum(updates: list[PairUpdate], at: float) -> float:
    return sum(decayed(u.w, at - u.t) for u in updates)


def _history(link: LinkState) -> dict[str, object]:
    """Return what a link keeps besides its strength and peak."""
    props = link.to_properties()
    return {k: v for k, v in props.items() if k not in {"s_ref", "peak", "peak_at"}}


@given(deliveries())
@settings(max_examples=300)
def test_strength_at_a_read_time_is_the_direct_sum_for_any_order_and_batching(
    delivery: tuple[list[PairUpdate], Batches],
) -> None:
    updates, batches = delivery
    link = _fold_batches(batches)
    expected = _direct_sum(updates, READ_AT)
    assert strength_at(link.strength, READ_AT, RATE) == pytest.approx(expected, rel=1e-9)
    assert link.strength.t_ref == max(u.t for u in updates)


@given(deliveries())
def test_counts_times_and_initiators_are_those_of_the_updates_for_any_batching(
    delivery: tuple[list[PairUpdate], Batches],
) -> None:
    updates, batches = delivery
    link = _fold_batches(batches)
    assert link.count == len(updates)
    assert link.kind_counts == Counter(u.kind for u in updates)
    assert (link.first_at, link.last_at) == (min(u.t for u in updates), max(u.t for u in updates))
    assert link.init_a == sum(1 for u in updates if u.initiator == "a")
    assert link.init_b == sum(1 for u in updates if u.initiator == "b")
    assert link.log == tuple(sorted((u.t, u.kind) for u in updates))
    missions = [(u.t, u.note or "") for u in updates if u.kind == MISSION_TOGETHER]
    assert link.missions == tuple(sorted(missions))


@given(deliveries())
def test_last_mission_is_the_latest_mission_together_for_any_batching(
    delivery: tuple[list[PairUpdate], Batches],
) -> None:
    updates, batches = delivery
    link = _fold_batches(batches)
    missions = [u for u in updates if u.kind == MISSION_TOGETHER]
    if not missions:
        assert (link.last_mission_at, link.last_mission_note) == (None, None)
        return
    latest = max(missions, key=lambda u: u.t)
    assert (link.last_mission_at, link.last_mission_note) == (latest.t, latest.note)


@given(pair_updates(), st.data())
def test_two_batches_fold_to_the_link_one_batch_gives(
    updates: list[PairUpdate], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(updates))
    cut = data.draw(st.integers(0, len(shuffled)))
    one = _fold_batches([updates])
    two = _fold_batches([b for b in (shuffled[:cut], shuffled[cut:]) if b])
    assert _history(two) == _history(one)
    assert two.strength.t_ref == one.strength.t_ref
    assert two.strength.s_ref == pytest.approx(one.strength.s_ref, rel=1e-9)
    # One batch is folded in time order, so its peak is the true one: a late batch can only
    # leave a lower bound of it, never below the strength the link has now.
    assert two.strength.peak <= one.strength.peak * (1 + 1e-9)
    assert two.strength.peak >= two.strength.s_ref * (1 - 1e-9)


@given(pair_updates(), st.data())
def test_batches_in_time_order_keep_the_true_peak(
    updates: list[PairUpdate], data: st.DataObject
) -> None:
    in_order = sorted(updates, key=lambda u: u.t)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(in_order)), max_size=5)))
    bounds = zip([0, *cuts], [*cuts, len(in_order)], strict=True)
    link = _fold_batches([in_order[i:j] for i, j in bounds if j > i])
    oracle = [OracleInteraction(u.event_id, ("a", "b"), u.t, u.w) for u in updates]
    assert link.strength.peak == pytest.approx(peak(oracle, ("a", "b")), rel=1e-9)
    assert link == _fold_batches([updates])


@given(pair_updates())
def test_a_folded_link_reads_back_from_its_properties_unchanged(
    updates: list[PairUpdate],
) -> None:
    link = fold_link(None, updates, rate=RATE)
    assert _stored(link) == link
    assert fold_link(link, [], rate=RATE) == link


def test_a_link_nothing_was_folded_into_has_no_state() -> None:
    assert LinkState.from_properties({"locked": True}) is None
    with pytest.raises(ValueError, match=r"^a new link needs at least one update$"):
        fold_link(None, [], rate=RATE)


def test_late_update_adds_its_weight_decayed_and_keeps_the_latest_mission() -> None:
    mission = PairUpdate("a", "b", T0 + 90 * DAY, 10.0, MISSION_TOGETHER, "b", "SAP", "e1")
    late = PairUpdate("a", "b", T0, 4.0, MISSION_TOGETHER, "a", "Cloud", "e2")
    link = fold_link(fold_link(None, [mission], rate=RATE), [late], rate=RATE)
    assert link.strength.s_ref == pytest.approx(10.0 + 4.0 * 0.5)
    assert (link.first_at, link.last_at) == (T0, T0 + 90 * DAY)
    assert (link.last_mission_at, link.last_mission_note) == (T0 + 90 * DAY, "SAP")
    assert (link.init_a, link.init_b, link.count) == (1, 1, 2)


def test_of_two_missions_at_the_same_time_the_link_keeps_the_larger_event_id() -> None:
    # Updates are folded in (time, event id) order: the tie is decided the same every time.
    one = PairUpdate("a", "b", T0, 10.0, MISSION_TOGETHER, "a", "SAP", "e1")
    two = PairUpdate("a", "b", T0, 10.0, MISSION_TOGETHER, "b", "Cloud", "e2")
    for updates in ([one, two], [two, one]):
        link = fold_link(None, updates, rate=RATE)
        assert (link.last_mission_at, link.last_mission_note) == (T0, "Cloud")


def test_stored_kinds_and_counts_that_disagree_are_refused() -> None:
    props = fold_link(None, [PairUpdate("a", "b", T0, 3.0, "lunch", None, None, "e1")], rate=RATE)
    stored = props.to_properties() | {"kinds": ["lunch", "call"]}
    with pytest.raises(ValueError, match="zip"):
        LinkState.from_properties(stored)
