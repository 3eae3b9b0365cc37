"""The incremental link model agrees with the definition, whatever the order of events."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braise_graph.config import GraphSettings
from braise_graph.model import Strength, add_interaction, pair_weights, strength_at
from tests.support.oracle import (
    DAY_S,
    HALF_LIFE_DAYS,
    OracleInteraction,
    decayed,
    peak,
    strengths,
)
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


T0 = 1_700_000_000.0  # not zero: a sign slip between two times must show


def test_late_event_adds_its_weight_decayed_to_the_reference_time() -> None:
    state = add_interaction(None, t=T0 + 100 * DAY, w=5.0, rate=RATE)
    late = add_interaction(state, t=T0 + 10 * DAY, w=2.0, rate=RATE)
    assert late.t_ref == T0 + 100 * DAY
    assert late.s_ref == pytest.approx(5.0 + 2.0 * 0.5, rel=1e-12)


def test_late_event_before_the_peak_raises_the_peak_where_it_was() -> None:
    # Peak 10 at T0 + 100 d; a lunch 100 days before it adds what is left of it then.
    mission = add_interaction(None, t=T0 + 100 * DAY, w=10.0, rate=RATE)
    late = add_interaction(mission, t=T0, w=3.0, rate=RATE)
    assert late.peak == pytest.approx(10.0 + decayed(3.0, 100 * DAY), rel=1e-12)
    assert late.peak_at == T0 + 100 * DAY


def test_late_event_before_a_past_peak_raises_that_peak_not_the_current_value() -> None:
    # Peak 10 at T0 + 100 d, a message long after it (strength now far below the peak), then
    # a late lunch at T0: the peak grows by what the lunch had left at T0 + 100 d.
    mission = add_interaction(None, t=T0 + 100 * DAY, w=10.0, rate=RATE)
    message = add_interaction(mission, t=T0 + 280 * DAY, w=0.5, rate=RATE)
    late = add_interaction(message, t=T0, w=3.0, rate=RATE)
    assert late.peak == pytest.approx(10.0 + decayed(3.0, 100 * DAY), rel=1e-12)
    assert late.peak_at == T0 + 100 * DAY
    assert late.s_ref == pytest.approx(message.s_ref + decayed(3.0, 280 * DAY), rel=1e-12)


def test_late_event_after_the_peak_makes_a_new_peak_at_its_own_time() -> None:
    # Peak 10 at T0; a small call at T0 + 100 d; then a late mission at T0 + 10 d: the link was
    # strongest right after that mission, with what was left of the first one.
    first = add_interaction(None, t=T0, w=10.0, rate=RATE)
    later = add_interaction(first, t=T0 + 100 * DAY, w=0.5, rate=RATE)
    late = add_interaction(later, t=T0 + 10 * DAY, w=10.0, rate=RATE)
    assert late.peak == pytest.approx(10.0 + decayed(10.0, 10 * DAY), rel=1e-12)
    assert late.peak_at == T0 + 10 * DAY


def test_a_return_to_the_peak_keeps_the_time_the_peak_was_first_reached() -> None:
    # 10 at T0, half of it left one half-life later, 5 more then: back to 10, not above.
    state = Strength(s_ref=5.0, t_ref=T0 + 90 * DAY, peak=10.0, peak_at=T0)
    again = add_interaction(state, t=T0 + 90 * DAY, w=5.0, rate=RATE)
    assert (again.s_ref, again.t_ref) == (10.0, T0 + 90 * DAY)
    assert (again.peak, again.peak_at) == (10.0, T0)


def test_a_read_at_or_before_the_reference_time_is_the_stored_value() -> None:
    state = Strength(s_ref=4.0, t_ref=T0, peak=4.0, peak_at=T0)
    assert strength_at(state, T0, RATE) == 4.0
    assert strength_at(state, T0 - DAY, RATE) == 4.0
    assert strength_at(state, T0 + 0.5, RATE) == pytest.approx(decayed(4.0, 0.5), rel=1e-15)


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


def test_a_late_interaction_under_a_later_rise_moves_the_peak_to_the_current_strength() -> None:
    # Peak 10 at T0; a hundred days later a lunch brings the link back to 9, no new peak.
    rise = 9.0 - decayed(10.0, 100 * DAY)
    state = add_interaction(
        add_interaction(None, t=T0, w=10.0, rate=RATE), t=T0 + 100 * DAY, w=rise, rate=RATE
    )
    assert (state.peak, state.peak_at) == (10.0, T0)
    # A meeting fifty days in, arriving late: the link was strongest right after the lunch.
    late = add_interaction(state, t=T0 + 50 * DAY, w=5.0, rate=RATE)
    now = 9.0 + decayed(5.0, 50 * DAY)
    assert now > 5.0 + decayed(10.0, 50 * DAY)  # higher than right after the meeting
    assert late.s_ref == pytest.approx(now)
    assert late.peak == pytest.approx(now)
    assert late.peak_at == T0 + 100 * DAY
