"""Every threshold of the stages and of the ranking's exclusions, probed on both sides.

The rules are the ones the graph's reader builds from its default settings; the thresholds
the rows sit on come from the oracle (the documented defaults), never from the code.
"""

import math
from typing import cast

import pytest
from neo4j import Driver

from braise_graph.config import GraphSettings
from braise_graph.model import add_interaction, strength_at
from braise_graph.ranking import LinkFacts, News, Person, RankingRules, excluded, fresh_hook
from braise_graph.reads import GraphReader
from braise_graph.stages import StageRules, stage_of
from tests.support.oracle import (
    ACTIVE_MIN,
    COOLING_QUIET_DAYS,
    COOLING_RATIO,
    DAY_S,
    DORMANT_QUIET_DAYS,
    DORMANT_RATIO,
    FADED_BELOW,
    FATIGUE_DAYS,
    HOOK_DAYS,
    NASCENT_DAYS,
    NASCENT_MAX_COUNT,
    NOT_NOW_DAYS,
    STRONG_PEAK,
    WEIGHTS,
    days_to_fall_to,
)


def _reader() -> GraphReader:
    """Return the reader the service builds: its rules come from its default settings.

    It queries nothing until asked to, so it needs no driver. Built inside each test (not at
    import) so that mutation testing sees the rules being built.
    """
    return GraphReader(cast(Driver, None), GraphSettings())


def stage_rules() -> StageRules:
    """Return the stage rules as the reader builds them."""
    return _reader().stage_rules


def ranking_rules() -> RankingRules:
    """Return the ranking rules as the reader builds them."""
    return _reader().ranking_rules


NOW = 1_000 * DAY_S
SECOND = 1.0
DORMANT_Q = DORMANT_QUIET_DAYS * DAY_S
COOLING_Q = COOLING_QUIET_DAYS * DAY_S
NASCENT_AGE = NASCENT_DAYS * DAY_S
OLD = 400 * DAY_S


def below(x: float) -> float:
    """Return the largest float under x."""
    return math.nextafter(x, -math.inf)


def above(x: float) -> float:
    """Return the smallest float over x."""
    return math.nextafter(x, math.inf)


def _stage(strength: float, peak: float, age_s: float, quiet_s: float, count: int) -> str:
    return stage_of(
        stage_rules(),
        strength=strength,
        peak=peak,
        first_at=NOW - age_s,
        last_at=NOW - quiet_s,
        count=count,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("strength", "peak", "age_s", "quiet_s", "count", "stage"),
    [
        # dormant: peak >= 8, strength <= 0.15 peak, quiet >= 120 days (each inclusive).
        pytest.param(DORMANT_RATIO * 12, 12.0, OLD, DORMANT_Q, 9, "dormant", id="dormant-on-all"),
        pytest.param(
            above(DORMANT_RATIO * 12), 12.0, OLD, DORMANT_Q, 9, "cooling", id="ratio-over"
        ),
        pytest.param(
            DORMANT_RATIO * 12, 12.0, OLD, DORMANT_Q - SECOND, 9, "cooling", id="quiet-short"
        ),
        pytest.param(
            DORMANT_RATIO * STRONG_PEAK,
            STRONG_PEAK,
            OLD,
            DORMANT_Q,
            9,
            "dormant",
            id="peak-on-strong",
        ),
        pytest.param(
            DORMANT_RATIO * STRONG_PEAK,
            below(STRONG_PEAK),
            OLD,
            DORMANT_Q,
            9,
            "cooling",
            id="peak-under-strong",
        ),
        # faded: never strong, strength < 1, quiet >= 120 days.
        pytest.param(below(FADED_BELOW), 2.0, OLD, DORMANT_Q, 2, "faded", id="faded"),
        pytest.param(FADED_BELOW, 2.0, OLD, DORMANT_Q, 2, "cooling", id="faded-on-threshold"),
        pytest.param(
            below(FADED_BELOW), 2.0, OLD, DORMANT_Q - SECOND, 2, "cooling", id="faded-quiet-short"
        ),
        # nascent: age <= 60 days, count <= 2, strength < 3.
        pytest.param(
            below(ACTIVE_MIN), 3.0, NASCENT_AGE, 0.0, NASCENT_MAX_COUNT, "nascent", id="nascent"
        ),
        pytest.param(
            below(ACTIVE_MIN),
            3.0,
            NASCENT_AGE + SECOND,
            0.0,
            NASCENT_MAX_COUNT,
            "growing",
            id="nascent-too-old",
        ),
        pytest.param(
            below(ACTIVE_MIN),
            3.0,
            NASCENT_AGE,
            0.0,
            NASCENT_MAX_COUNT + 1,
            "growing",
            id="nascent-too-many",
        ),
        pytest.param(
            ACTIVE_MIN, 3.0, NASCENT_AGE, 0.0, NASCENT_MAX_COUNT, "active", id="nascent-too-strong"
        ),
        # cooling: quiet >= 30 days and (strength < 0.5 peak, or strength < 3).
        pytest.param(below(COOLING_RATIO * 12), 12.0, OLD, COOLING_Q, 8, "cooling", id="cooling"),
        pytest.param(
            below(COOLING_RATIO * 12), 12.0, OLD, COOLING_Q - SECOND, 8, "active", id="cool-short"
        ),
        pytest.param(COOLING_RATIO * 12, 12.0, OLD, COOLING_Q, 8, "active", id="cool-on-ratio"),
        pytest.param(below(ACTIVE_MIN), 4.0, OLD, COOLING_Q, 8, "cooling", id="weak-and-quiet"),
        pytest.param(
            below(ACTIVE_MIN), 4.0, OLD, COOLING_Q - SECOND, 8, "growing", id="weak-not-quiet"
        ),
        pytest.param(ACTIVE_MIN, 4.0, OLD, COOLING_Q, 8, "active", id="weak-on-threshold"),
        # active from 3, growing under it.
        pytest.param(ACTIVE_MIN, 9.0, OLD, DAY_S, 6, "active", id="active-on-threshold"),
        pytest.param(below(ACTIVE_MIN), 9.0, OLD, DAY_S, 6, "growing", id="growing"),
    ],
)
def test_stage_on_each_side_of_each_threshold(
    strength: float, peak: float, age_s: float, quiet_s: float, count: int, stage: str
) -> None:
    assert _stage(strength, peak, age_s, quiet_s, count) == stage


def test_a_once_strong_link_is_dormant_or_cooling_never_faded() -> None:
    # With a low dormant ratio, a once-strong link can fall under faded_below and still be
    # above its dormant fraction: it was strong, so it is cooling, not faded.
    rules = StageRules.from_settings(GraphSettings(dormant_ratio=0.05))
    got = stage_of(
        rules,
        strength=0.9,
        peak=12.0,
        first_at=NOW - OLD,
        last_at=NOW - DORMANT_Q,
        count=5,
        now=NOW,
    )
    assert got == "cooling"


def _lone_mission_stage(days_after: float) -> str:
    """Return the stage of a link made of one mission together, days_after it, as read."""
    rate = GraphSettings().decay_rate
    mission = add_interaction(None, t=0.0, w=WEIGHTS["mission_together"], rate=rate)
    at = days_after * DAY_S
    return stage_of(
        stage_rules(),
        strength=strength_at(mission, at, rate),
        peak=mission.peak,
        first_at=0.0,
        last_at=0.0,
        count=1,
        now=at,
    )


def test_a_lone_mission_is_active_three_months_cooling_then_dormant_as_documented() -> None:
    # docs/link-model.md: cooling once below half its peak (one half-life, 90 days), dormant
    # once below 1.5 (0.15 of the peak: about 246 days). A minute on each side of each.
    minute = 1 / (24 * 60)
    half = days_to_fall_to(COOLING_RATIO)
    dormant = days_to_fall_to(DORMANT_RATIO)
    assert half == pytest.approx(90.0)
    assert dormant == pytest.approx(246.3, abs=0.1)
    assert _lone_mission_stage(half - minute) == "active"
    assert _lone_mission_stage(half + minute) == "cooling"
    assert _lone_mission_stage(dormant - minute) == "cooling"
    assert _lone_mission_stage(dormant + minute) == "dormant"


OTHER = Person("o", "Olivia", {})


def _link(**overrides: object) -> LinkFacts:
    values: dict[str, object] = {
        "other": OTHER,
        "stage": "dormant",
        "strength": 1.0,
        "peak": 12.0,
        "peak_at": NOW - 500 * DAY_S,
        "first_at": NOW - 700 * DAY_S,
        "last_at": NOW - 400 * DAY_S,
        "count": 6,
        "kind_counts": {"mission_together": 1, "lunch": 5},
        "initiated_by_me": 3,
        "initiated_by_other": 3,
        "last_mission_note": None,
        "suggestable": True,
    }
    values.update(overrides)
    return LinkFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        # fatigue: not proposed again within 28 days (strictly).
        ({"suggested_to_me_at": NOW - FATIGUE_DAYS * DAY_S + SECOND}, "fatigue"),
        ({"suggested_to_me_at": NOW - FATIGUE_DAYS * DAY_S}, None),
        # "not now": not for twice the fatigue window (strictly).
        ({"not_now_at": NOW - NOT_NOW_DAYS * DAY_S + SECOND}, "not_now"),
        ({"not_now_at": NOW - NOT_NOW_DAYS * DAY_S}, None),
        # a cooling link must once have been active (peak >= 3).
        ({"stage": "cooling", "peak": below(ACTIVE_MIN)}, "thin"),
        ({"stage": "cooling", "peak": ACTIVE_MIN}, None),
        ({"stage": "dormant", "peak": below(ACTIVE_MIN)}, None),
        # consent and clicks.
        ({"suggestable": False}, "opted_out"),
        ({"declined": True}, "declined"),
        *[({"stage": stage}, "stage") for stage in ("nascent", "growing", "active", "faded")],
    ],
)
def test_exclusion_on_each_side_of_each_window(overrides: dict[str, object], why: str) -> None:
    assert excluded(_link(**overrides), NOW, ranking_rules()) == why


@pytest.mark.parametrize(
    ("age_s", "is_hook"),
    [
        (0.0, True),
        (HOOK_DAYS * DAY_S, True),
        (HOOK_DAYS * DAY_S + SECOND, False),
        (-SECOND, False),  # news dated after the read time is not news yet
    ],
)
def test_news_is_a_hook_for_120_days(age_s: float, is_hook: bool) -> None:
    news = News("skill", "Rust", NOW - age_s)
    assert (fresh_hook(_link(news=[news]), NOW, ranking_rules().hook_s) == news) is is_hook


def test_the_freshest_news_is_the_hook() -> None:
    old, fresh = News("city", "Lyon", NOW - 90 * DAY_S), News("skill", "Rust", NOW - DAY_S)
    assert fresh_hook(_link(news=[fresh, old]), NOW, ranking_rules().hook_s) == fresh
    assert fresh_hook(_link(news=[old, fresh]), NOW, ranking_rules().hook_s) == fresh


def test_a_page_the_consultant_opens_shows_the_people_of_the_last_digest_but_not_the_declined() -> (
    None
):
    rules = ranking_rules()
    just_suggested = _link(suggested_to_me_at=NOW - 3600)
    assert excluded(just_suggested, NOW, rules) == "fatigue"
    assert excluded(just_suggested, NOW, rules, rested=False) is None
    assert excluded(_link(declined=True), NOW, rules, rested=False) == "declined"
    assert excluded(_link(not_now_at=NOW - 3600), NOW, rules, rested=False) == "not_now"
