"""The dated facts of a link: the peak's window in whole months, the last exchange (pure)."""

from datetime import UTC, date, datetime

from braise_graph.facts import last_seen, was_strong


def _t(year: int, month: int, day: int) -> float:
    return datetime(year, month, day, 12, tzinfo=UTC).timestamp()


LOG = (
    (_t(2025, 2, 3), "meeting"),
    (_t(2025, 11, 28), "call"),  # four months before the peak's month: outside the window
    (_t(2026, 1, 5), "lunch"),
    (_t(2026, 2, 14), "call"),
    (_t(2026, 3, 2), "mission_together"),
    (_t(2026, 3, 20), "message"),  # after the peak, in its month: inside
    (_t(2026, 7, 9), "call"),
)
MISSIONS = ((_t(2025, 2, 3), "Ancienne mission"), (_t(2026, 3, 2), "Refonte SI\nPhase 2"))


def test_the_window_counts_exactly_the_three_whole_months_ending_with_the_peaks() -> None:
    facts = was_strong(
        peak=9.87654, peak_at=_t(2026, 3, 2), count=len(LOG), log=LOG, missions=MISSIONS
    )
    assert facts is not None
    assert facts.kinds == {"call": 1, "lunch": 1, "message": 1, "mission_together": 1}
    assert (facts.first_day, facts.last_day) == (date(2026, 1, 5), date(2026, 3, 20))
    assert facts.peak == 9.88
    # A note's line breaks are not the name's: it reads on one line.
    assert [(m.name, m.on) for m in facts.missions] == [("Refonte SI Phase 2", date(2026, 3, 2))]


def test_a_window_crosses_the_year_in_whole_months() -> None:
    log = ((_t(2025, 10, 31), "call"), (_t(2025, 11, 1), "lunch"), (_t(2026, 1, 31), "lunch"))
    facts = was_strong(peak=5.0, peak_at=_t(2026, 1, 31), count=3, log=log, missions=())
    assert facts is not None
    assert facts.kinds == {"lunch": 2}
    assert (facts.first_day, facts.last_day) == (date(2025, 11, 1), date(2026, 1, 31))


def test_a_log_that_lacks_interactions_of_the_link_states_no_window() -> None:
    # Folded before links kept their log: the counts would be short, so nothing is said.
    assert was_strong(peak=5.0, peak_at=_t(2026, 3, 2), count=9, log=LOG, missions=()) is None
    assert was_strong(peak=5.0, peak_at=_t(2026, 3, 2), count=0, log=(), missions=()) is None


def test_the_last_exchange_is_the_logs_last_or_has_no_kind() -> None:
    assert last_seen(last_at=_t(2026, 7, 9), log=LOG).model_dump() == {
        "last_at": date(2026, 7, 9),
        "kind": "call",
    }
    assert last_seen(last_at=_t(2026, 8, 1), log=LOG).kind is None
    assert last_seen(last_at=_t(2026, 8, 1), log=()).kind is None
