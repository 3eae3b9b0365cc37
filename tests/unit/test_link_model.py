"""The incremental link model agrees with the definition, whatever the order of events."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braise_graph.config import GraphSettings
from braise_graph.model import Strength, add_interaction, pair_weights, strength_at
from tests.support.oracle import DAY_S, HALF_LIFE_DAYS, OracleInteraction, peak, strengths
from tests.support.oracle import RATE as ORACLE_RATE

# The rate the service runs with (its settings); expected values come from the oracle.
RATE = GraphSettings().decay_rate
DAY = DAY_S

interaction_times = st.lists(
    st.tuples(st.floats(0, 730 * DAY), st.floats(0.1, 10.0)), min_size=1, max_size=30
)


def _fold(events: list[tuple[float, float]]) -> Strength:
    state: Strength | None = None
    for t, w in events:
        state = add_interaction(state, t=t, w=w, rate=RATE)
    assert state is not None
    return state


def _oracle(events: list[tuple[float, float]], at: float) -> float:
    interactions = [OracleInteraction(str(i), ("a", "b"), t, w) for i, (t, w) in enumerate(events)]
    return strengths(interactions, at=at)[("a", "b")]


@given(interaction_times, st.randoms(use_true_random=False))
@settings(max_examples=300)
def test_any_order_gives_the_defined_strength(
    events: list[tuple[float, float]], rnd: random.Random
) -> None:
    shuffled = events[:]
    rnd.shuffle(shuffled)
    at = 800 * DAY
    expected = _oracle(events, at)
    assert strength_at(_fold(shuffled), at, RATE) == pytest.approx(expected, rel=1e-9)
    assert strength_at(_fold(events), at, RATE) == pytest.approx(expected, rel=1e-9)


@given(interaction_times)
def test_in_order_peak_is_the_true_peak(events: list[tuple[float, float]]) -> None:
    in_order = sorted(events)
    interactions = [
        OracleInteraction(str(i), ("a", "b"), t, w) for i, (t, w) in enumerate(in_order)
    ]
    assert _fold(in_order).peak == pytest.approx(peak(interactions, ("a", "b")), rel=1e-9)


@given(interaction_times, st.randoms(use_true_random=False))
def test_out_of_order_peak_never_exceeds_the_true_peak_nor_falls_below_now(
    events: list[tuple[float, float]], rnd: random.Random
) -> None:
    shuffled = events[:]
    rnd.shuffle(shuffled)
    interactions = [OracleInteraction(str(i), ("a", "b"), t, w) for i, (t, w) in enumerate(events)]
    state = _fold(shuffled)
    assert state.peak <= peak(interactions, ("a", "b")) * (1 + 1e-9)
    assert state.peak >= state.s_ref * (1 - 1e-9)


def test_late_event_adds_its_weight_decayed_to_the_reference_time() -> None:
    state = add_interaction(None, t=100 * DAY, w=5.0, rate=RATE)
    late = add_interaction(state, t=10 * DAY, w=2.0, rate=RATE)
    assert late.t_ref == 100 * DAY
    assert late.s_ref == pytest.approx(5.0 + 2.0 * 0.5, rel=1e-12)


def test_the_service_decays_at_ln2_over_the_documented_half_life() -> None:
    assert pytest.approx(ORACLE_RATE, rel=1e-12) == RATE
    # One half-life after an interaction, half of its weight is left.
    state = add_interaction(None, t=0.0, w=8.0, rate=RATE)
    assert strength_at(state, HALF_LIFE_DAYS * DAY, RATE) == pytest.approx(4.0, rel=1e-12)


def test_strength_halves_every_half_life() -> None:
    state = add_interaction(None, t=0.0, w=8.0, rate=RATE)
    assert strength_at(state, 90 * DAY, RATE) == pytest.approx(4.0)
    assert strength_at(state, 180 * DAY, RATE) == pytest.approx(2.0)


def test_group_shares_the_weight_among_pairs() -> None:
    pairs = pair_weights(["c", "a", "b", "d"], 3.0)
    assert pairs == [
        ("a", "b", 1.0),
        ("a", "c", 1.0),
        ("a", "d", 1.0),
        ("b", "c", 1.0),
        ("b", "d", 1.0),
        ("c", "d", 1.0),
    ]


def test_two_hundred_person_event_weighs_less_per_pair_than_a_lunch() -> None:
    crowd = pair_weights([f"p{i:03d}" for i in range(200)], 3.0)
    assert len(crowd) == 200 * 199 // 2
    assert crowd[0][2] == pytest.approx(3.0 / 199)
