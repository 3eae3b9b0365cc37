"""Stages from strength and history; ranking, exclusions, reasons and gestures."""

from typing import cast

import pytest

from braise_graph.config import DAY_S, GraphSettings
from braise_graph.people import NodeState, apply_preferences, apply_profile
from braise_graph.ranking import (
    Facet,
    LinkFacts,
    News,
    Person,
    RankingRules,
    best_per_stage,
    excluded,
    novelty,
    rank,
)
from braise_graph.stages import StageRules, stage_of
from braise_shared.events import ConsultantProfile, PreferencesChanged
from braise_shared.tags import make_tags

NOW = 1_000 * DAY_S


@pytest.mark.parametrize(
    ("strength", "peak", "age_days", "quiet_days", "count", "stage"),
    [
        (1.2, 12.0, 700, 400, 9, "dormant"),  # was strong, 10% left, a year quiet
        (0.3, 2.0, 500, 300, 2, "faded"),  # never strong, nothing left
        (2.0, 2.0, 20, 20, 1, "nascent"),  # young and thin
        (13.0, 13.0, 7, 2, 2, "active"),  # young but already intense
        (5.0, 12.0, 400, 60, 8, "cooling"),  # well below its peak, quiet for two months
        (2.5, 4.0, 300, 45, 3, "cooling"),  # weak and quiet
        (9.0, 11.0, 300, 10, 6, "active"),
        (2.0, 2.0, 200, 5, 4, "growing"),  # weak but fed this week
        (3.0, 12.0, 700, 100, 9, "cooling"),  # 25% left, but not quiet long enough for dormant
    ],
)
def test_stage_of(
    strength: float, peak: float, age_days: float, quiet_days: float, count: int, stage: str
) -> None:
    got = stage_of(
        StageRules.from_settings(GraphSettings()),
        strength=strength,
        peak=peak,
        first_at=NOW - age_days * DAY_S,
        last_at=NOW - quiet_days * DAY_S,
        count=count,
        now=NOW,
    )
    assert got == stage


def _person(pid: str, name: str, **tags: list[str]) -> Person:
    by_facet: dict[Facet, dict[str, str]] = {}
    for facet, raws in tags.items():
        by_facet[cast(Facet, facet)] = {t.key: t.label for t in make_tags(raws)}
    return Person(pid, name, by_facet)


def _link(other: Person, **overrides: object) -> LinkFacts:
    values: dict[str, object] = {
        "other": other,
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
        "last_mission_note": "Migration SAP",
        "suggestable": True,
        "log": (
            (NOW - 700 * DAY_S, "mission_together"),
            *((NOW - d * DAY_S, "lunch") for d in (520, 510, 500, 450, 400)),
        ),
        "missions": ((NOW - 700 * DAY_S, "Migration SAP"),),
    }
    values.update(overrides)
    return LinkFacts(**values)  # type: ignore[arg-type]


RANK_RULES = RankingRules(
    fatigue_s=28 * DAY_S,
    hook_s=120 * DAY_S,
    strong_peak=8.0,
    cooling_min_peak=3.0,
    horizon_s=42 * DAY_S,
)
ME = _person("me", "Moi", skill=["Python"], sector=["Banque"], interest=["Voile"])


def test_opted_out_suggested_recently_and_idle_links_are_excluded() -> None:
    other = _person("o", "Autre")
    assert excluded(_link(other), NOW, RANK_RULES) is None
    assert excluded(_link(other, suggestable=False), NOW, RANK_RULES) == "opted_out"
    assert excluded(_link(other, suggested_to_me_at=NOW - 3 * DAY_S), NOW, RANK_RULES) == "fatigue"
    assert excluded(_link(other, suggested_to_me_at=NOW - 40 * DAY_S), NOW, RANK_RULES) is None
    assert excluded(_link(other, stage="active"), NOW, RANK_RULES) == "stage"
    # A cooling link that never was more than a call is not worth a suggestion.
    assert excluded(_link(other, stage="cooling", peak=2.0), NOW, RANK_RULES) == "thin"
    assert excluded(_link(other, stage="cooling", peak=6.0), NOW, RANK_RULES) is None


def test_novelty_counts_what_my_active_network_lacks() -> None:
    other = _person("o", "Autre", skill=["Python", "Rust"], sector=["Santé"])
    score, keys = novelty(ME, other, active_network={"rust"})
    assert keys == ["sante"]
    assert score == pytest.approx(1 / 3)


def test_novel_link_outranks_an_equally_strong_familiar_one() -> None:
    familiar = _person("f", "Familier", skill=["Python"], sector=["Banque"])
    novel = _person("n", "Nouveau", skill=["Python"], sector=["Énergie"])
    ranked = rank(ME, [_link(familiar), _link(novel)], now=NOW, rules=RANK_RULES, seed="w1")
    assert [c.link.other.id for c in ranked] == ["n", "f"]
    assert ranked[0].components["novelty"] > ranked[1].components["novelty"]


def test_dormant_come_before_cooling_and_news_gives_congratulations() -> None:
    cooling = _person("c", "Chloé")
    dormant = _person("d", "David")
    news = [News("skill", "Kubernetes", NOW - 10 * DAY_S)]
    ranked = rank(
        ME,
        [_link(cooling, stage="cooling", news=news), _link(dormant)],
        now=NOW,
        rules=RANK_RULES,
        seed="w1",
    )
    assert [c.link.stage for c in ranked] == ["dormant", "cooling"]
    assert ranked[1].gesture.kind == "congratulate"
    assert ranked[1].gesture.params.model_dump() == {
        "news_kind": "skill",
        "news": {"key": "kubernetes", "label": "Kubernetes"},
    }
    assert "hook" in [r.code for r in ranked[1].reasons]


def test_best_per_stage_keeps_the_best_of_each_stage_dormant_first() -> None:
    # Peaks set the order within a stage: the higher, the better.
    links = [_link(_person(f"d{i}", "D"), peak=10.0 + i) for i in range(4)] + [
        _link(_person(f"c{i}", "C"), stage="cooling", peak=10.0 + i) for i in range(3)
    ]
    ranked = rank(ME, links, now=NOW, rules=RANK_RULES, seed="w1")
    chosen = best_per_stage(ranked, dormant=2, cooling=1)
    assert [c.link.other.id for c in chosen] == ["d3", "d2", "c2"]
    assert best_per_stage(ranked, dormant=0, cooling=0) == []
    assert len(best_per_stage(ranked, dormant=50, cooling=50)) == 7


def test_reasons_and_gestures_are_typed_facts_with_no_words() -> None:
    news = [News("city", "Lyon", NOW - 10 * DAY_S)]
    other = _person("o", "Olivia", skill=["Rust"], interest=["Voile"])
    ranked = rank(ME, [_link(other, news=news)], now=NOW, rules=RANK_RULES, seed="w1")
    wire = [r.model_dump(mode="json") for r in ranked[0].reasons]
    assert [r["code"] for r in wire] == [
        "was_strong",
        "last_seen",
        "shared",
        "hook",
        "novelty",
    ]
    # The peak's window (its month and the two before) holds three lunches: only they are
    # counted, and the mission, months earlier, is not named.
    assert wire[0]["params"] == {
        "peak": 12.0,
        "peak_at": "1971-05-16",
        "first_day": "1971-04-26",
        "last_day": "1971-05-16",
        "kinds": {"lunch": 3},
        "missions": [],
    }
    assert wire[1]["params"] == {"last_at": "1971-08-24", "kind": "lunch"}
    assert wire[2]["params"] == {"topics": [{"key": "voile", "label": "Voile"}]}
    lyon = {"key": "lyon", "label": "Lyon"}
    assert wire[3]["params"] == {"news_kind": "city", "news": lyon, "at": "1972-09-17"}
    assert wire[4]["params"] == {"topics": [{"key": "rust", "label": "Rust"}]}
    assert ranked[0].gesture.model_dump() == {
        "kind": "congratulate",
        "params": {"news_kind": "city", "news": lyon},
    }
    # Who reached out to whom still weighs in the score, and only there.
    assert ranked[0].components["trust"] == 1.0


def test_gestures_vary_from_week_to_week() -> None:
    other = _person("o", "Olivia", interest=["Voile"])
    friend = _person("z", "Zoé", interest=["Voile"])
    links = [_link(other), _link(friend, stage="active", strength=9.0, last_at=NOW - DAY_S)]
    kinds = {
        rank(ME, links, now=NOW, rules=RANK_RULES, seed=f"2026-W{w}")[0].gesture.kind
        for w in range(30)
    }
    assert kinds == {"share", "introduce", "ask_news", "invite"}


def test_profile_news_records_new_skills_and_moves_but_not_first_registration() -> None:
    base = {
        "consultant_id": "3f1c2a8e-8a8e-4d0b-9d8b-0c3f1f2a4b5c",
        "display_name": "Camille",
        "email": "c@example.org",
        "joined_at": "2024-01-01T00:00:00Z",
    }
    first = ConsultantProfile.model_validate(
        base | {"revision": 1, "skills": make_tags(["Python"]), "city": "Lyon"}
    )
    later = ConsultantProfile.model_validate(
        base | {"revision": 2, "skills": make_tags(["Python", "Rust"]), "city": "Nantes"}
    )
    state = apply_profile(NodeState(id="c"), first, at=1.0)
    assert state.news == []
    state = apply_profile(state, later, at=2.0)
    assert state.news == [("skill", "Rust", 2.0), ("city", "Nantes", 2.0)]
    # A stale profile changes nothing; a stale preference neither.
    assert apply_profile(state, first, at=3.0) == state
    prefs = PreferencesChanged(
        consultant_id=first.consultant_id,
        revision=1,
        frequency="weekly",
        day_of_week="monday",
        locale="en",
        suggestable=False,
    )
    assert apply_preferences(state, prefs) == state
    newer = prefs.model_copy(update={"revision": 3})
    assert apply_preferences(state, newer).suggestable is False


def test_rank_passes_rested_on_a_page_shows_the_last_digests_people_a_digest_does_not() -> None:
    other = _person("o1", "Karim", skill=["Python"])
    just_suggested = _link(other, suggested_to_me_at=NOW - DAY_S)
    assert rank(ME, [just_suggested], now=NOW, rules=RANK_RULES, seed="w1") == []
    shown = rank(ME, [just_suggested], now=NOW, rules=RANK_RULES, seed="w1", rested=False)
    assert [c.link.other.name for c in shown] == ["Karim"]
