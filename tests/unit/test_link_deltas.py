"""What the store folds in Neo4j (`link_deltas`) against the fold's reference (`fold_link`).

The store's statement steps the strength through a delta's (t, w) in order and adds the rest
as sums; for a new link that must give exactly the link `fold_link` builds from the same
updates, ties in time included (broken by event id).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from braise_graph.config import GraphSettings
from braise_graph.links import LinkDelta, PairUpdate, fold_link, link_deltas
from braise_graph.model import Strength, add_interaction
from braise_shared.interactions import MISSION_TOGETHER

RATE = GraphSettings().decay_rate
T0 = 1_700_000_000.0
PAIRS = [("a", "b"), ("a", "c"), ("b", "c")]
KINDS = ["lunch", "message", MISSION_TOGETHER]


@st.composite
def batches(draw: st.DrawFn) -> list[PairUpdate]:
    """Draw updates of three pairs, in any order, some at the same second."""
    count = draw(st.integers(1, 25))
    updates = []
    for i in range(count):
        a, b = draw(st.sampled_from(PAIRS))
        updates.append(
            PairUpdate(
                a=a,
                b=b,
                t=T0 + draw(st.integers(0, 5)) * 86_400,
                w=draw(st.floats(0.1, 10.0)),
                kind=draw(st.sampled_from(KINDS)),
                initiator=draw(st.sampled_from([a, b, None])),
                note=f"note {i}",
                event_id=f"e{draw(st.integers(0, 10**6)):07d}-{i:02d}",
            )
        )
    return draw(st.permutations(updates))


def _stepped(delta: LinkDelta) -> Strength:
    strength: Strength | None = None
    for t, w in delta.steps:
        strength = add_interaction(strength, t=t, w=w, rate=RATE)
    assert strength is not None
    return strength


@given(batches())
@settings(max_examples=300)
def test_each_pairs_delta_folds_to_the_link_fold_link_builds(updates: list[PairUpdate]) -> None:
    deltas = link_deltas(updates)
    pairs = sorted({(u.a, u.b) for u in updates})
    assert [(d.a, d.b) for d in deltas] == pairs
    for delta in deltas:
        mine = [u for u in updates if (u.a, u.b) == (delta.a, delta.b)]
        link = fold_link(None, mine, rate=RATE)
        assert _stepped(delta) == link.strength
        assert delta.count == link.count == len(mine)
        assert delta.kind_counts == link.kind_counts
        assert (delta.init_a, delta.init_b) == (link.init_a, link.init_b)
        assert (delta.first_at, delta.last_at) == (link.first_at, link.last_at)
        assert (delta.mission_at, delta.mission_note) == (
            link.last_mission_at,
            link.last_mission_note,
        )


def test_the_steps_run_in_time_order_then_event_id_order() -> None:
    updates = [
        PairUpdate("a", "b", T0 + 10, 1.0, "lunch", "a", None, "e2"),
        PairUpdate("a", "b", T0 + 10, 2.0, MISSION_TOGETHER, "b", "second", "e3"),
        PairUpdate("a", "b", T0 + 10, 3.0, MISSION_TOGETHER, None, "first", "e1"),
        PairUpdate("a", "b", T0, 4.0, "message", "a", None, "e9"),
    ]
    [delta] = link_deltas(updates)
    assert delta.steps == [(T0, 4.0), (T0 + 10, 3.0), (T0 + 10, 1.0), (T0 + 10, 2.0)]
    # Of two missions at the same second, the later in fold order is the latest.
    assert (delta.mission_at, delta.mission_note) == (T0 + 10, "second")
    assert (delta.init_a, delta.init_b) == (2, 1)


def test_a_delta_row_is_the_fold_statements_parameters() -> None:
    updates = [
        PairUpdate("a", "b", T0 + 5, 2.0, "lunch", "b", None, "e2"),
        PairUpdate("a", "b", T0, 1.0, "message", "a", None, "e1"),
        PairUpdate("a", "b", T0 + 9, 3.0, "message", None, None, "e3"),
        PairUpdate("a", "c", T0, 1.5, MISSION_TOGETHER, "c", "Audit", "e4"),
    ]
    first, second = (d.row() for d in link_deltas(updates))
    assert first == {
        "a": "a",
        "b": "b",
        "steps": [(T0, 1.0), (T0 + 5, 2.0), (T0 + 9, 3.0)],
        "count": 3,
        "kinds": ["lunch", "message"],  # sorted, not in the order first seen
        "kind_counts": {"message": 2, "lunch": 1},
        "init_a": 1,
        "init_b": 1,
        "first_at": T0,
        "last_at": T0 + 9,
        "mission_at": None,
        "mission_note": None,
        # The log: each interaction's time and kind, in fold order.
        "log_t": [T0, T0 + 5, T0 + 9],
        "log_k": ["message", "lunch", "message"],
        "mission_t": [],
        "mission_notes": [],
    }
    assert second == {
        "a": "a",
        "b": "c",
        "steps": [(T0, 1.5)],
        "count": 1,
        "kinds": [MISSION_TOGETHER],
        "kind_counts": {MISSION_TOGETHER: 1},
        "init_a": 0,
        "init_b": 1,
        "first_at": T0,
        "last_at": T0,
        "mission_at": T0,
        "mission_note": "Audit",
        "log_t": [T0],
        "log_k": [MISSION_TOGETHER],
        "mission_t": [T0],
        "mission_notes": ["Audit"],
    }


def test_fold_link_breaks_a_tie_in_time_by_event_id_not_by_weight() -> None:
    updates = [
        PairUpdate("a", "b", T0, 1.0, MISSION_TOGETHER, None, "second", "e2"),
        PairUpdate("a", "b", T0, 5.0, MISSION_TOGETHER, None, "first", "e1"),
    ]
    link = fold_link(None, updates, rate=RATE)
    assert (link.last_mission_at, link.last_mission_note) == (T0, "second")
    [delta] = link_deltas(updates)
    assert delta.steps == [(T0, 5.0), (T0, 1.0)]
