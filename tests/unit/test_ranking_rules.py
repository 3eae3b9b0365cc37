"""The ranking's formula, reasons and gestures, against values worked out from the doc.

docs/link-model.md, "Revival candidates": the score, each of its terms, the reasons as facts,
the gesture that fits. Expected values are computed here from the documented formula.
"""

import math
from typing import cast

import pytest

from braise_graph.ranking import (
    Candidate,
    Facet,
    LinkFacts,
    News,
    Person,
    RankingRules,
    choose_gesture,
    fresh_hook,
    novelty,
    rank,
    reciprocity,
)
from braise_shared.tags import Tag, make_tags
from tests.support.oracle import ACTIVE_MIN, DAY_S, FATIGUE_DAYS, HOOK_DAYS, STRONG_PEAK

NOW = 1_000 * DAY_S
RULES = RankingRules(
    fatigue_s=FATIGUE_DAYS * DAY_S,
    hook_s=HOOK_DAYS * DAY_S,
    strong_peak=STRONG_PEAK,
    cooling_min_peak=ACTIVE_MIN,
    horizon_s=42 * DAY_S,
)


def _person(pid: str, **tags: list[str]) -> Person:
    by_facet: dict[Facet, dict[str, str]] = {}
    for facet, raws in tags.items():
        by_facet[cast(Facet, facet)] = {t.key: t.label for t in make_tags(raws)}
    return Person(pid, pid.upper(), by_facet)


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
        "initiated_by_me": 0,
        "initiated_by_other": 0,
        "last_mission_note": None,
        "suggestable": True,
        "log": (
            (NOW - 700 * DAY_S, "mission_together"),
            *((NOW - d * DAY_S, "lunch") for d in (520, 510, 500, 450, 400)),
        ),
        "missions": ((NOW - 700 * DAY_S, "Audit"),),
    }
    values.update(overrides)
    return LinkFacts(**values)  # type: ignore[arg-type]


def _only(candidates: list[Candidate], pid: str) -> Candidate:
    return next(c for c in candidates if c.link.other.id == pid)


@pytest.mark.parametrize(
    ("by_me", "by_other", "trust"),
    [(0, 0, 0.5), (3, 3, 1.0), (1, 3, 1 / 3), (3, 1, 1 / 3), (0, 2, 0.0), (1, 0, 0.0)],
)
def test_reciprocity_is_min_over_max_and_a_half_when_unknown(
    by_me: int, by_other: int, trust: float
) -> None:
    assert reciprocity(by_me, by_other) == pytest.approx(trust)


def test_score_is_the_documented_weighted_sum_minus_the_fatigue_penalty() -> None:
    me = _person("me", skill=["Python", "SQL"], sector=["Banque"], interest=["Voile"])
    other = _person(
        "o",
        skill=["Python", "Rust", "Go"],
        sector=["Santé", "Énergie"],
        interest=["Voile"],
    )
    # My active, growing and nascent people know Rust, Go's sector-mate Énergie... each one
    # thing: the novelty left is Santé only.
    active = _link(_person("a1", skill=["Rust"]), stage="active", strength=9.0)
    growing = _link(_person("a2", sector=["Énergie"]), stage="growing", strength=2.0)
    nascent = _link(_person("a3", skill=["Go"]), stage="nascent", strength=1.0)
    candidate = _link(
        other,
        peak=12.0,
        initiated_by_me=1,
        initiated_by_other=3,
        news=[News("skill", "Rust", NOW - 10 * DAY_S)],
        suggested_to_me_at=NOW - 40 * DAY_S,
        times_suggested_to_me=2,
    )
    ranked = rank(me, [active, growing, nascent, candidate], now=NOW, rules=RULES, seed="w")
    assert [c.link.other.id for c in ranked] == ["o"]
    past = math.log(1 + 12.0) / math.log(1 + 4 * STRONG_PEAK)
    expected = {
        "past": past,
        "trust": 1 / 3,
        "affinity": 2 / 3,  # Python and Voile
        "novelty": 1 / 5,  # Santé, of Python, Rust, Go, Santé, Énergie
        "hook": 1.0,
        "fatigue_penalty": 0.10,
    }
    score = 0.30 * past + 0.15 * (1 / 3) + 0.15 * (2 / 3) + 0.25 * (1 / 5) + 0.15 * 1.0 - 0.10
    assert ranked[0].components == {k: round(v, 6) for k, v in expected.items()}
    assert ranked[0].score == round(score, 6)


def test_terms_are_capped_and_the_penalty_too() -> None:
    me = _person("me", skill=["A", "B", "C", "D"])
    other = _person("o", skill=["A", "B", "C", "D"])
    ranked = rank(
        me, [_link(other, peak=1000.0, times_suggested_to_me=9)], now=NOW, rules=RULES, seed="w"
    )
    components = ranked[0].components
    assert (components["past"], components["affinity"], components["hook"]) == (1.0, 1.0, 0.0)
    assert (components["novelty"], components["fatigue_penalty"]) == (0.0, 0.2)
    assert ranked[0].score == round(0.30 + 0.15 * 0.5 + 0.15 - 0.2, 6)


def test_an_excluded_link_does_not_stop_the_ranking_of_the_next() -> None:
    me = _person("me")
    links = [
        _link(_person("x"), suggested_to_me_at=NOW - DAY_S),  # fatigue
        _link(_person("y"), suggested_to_me_at=NOW - 40 * DAY_S),
    ]
    assert [c.link.other.id for c in rank(me, links, now=NOW, rules=RULES, seed="w")] == ["y"]


def test_novelty_of_someone_with_no_sector_nor_skill_is_zero() -> None:
    assert novelty(_person("me"), _person("o", interest=["Voile"]), set()) == (0.0, [])


def test_reasons_round_the_peak_and_name_at_most_three_topics() -> None:
    me = _person("me", skill=["A", "B", "C", "D"])
    other = _person("o", skill=["A", "B", "C", "D"], sector=["E", "F", "G", "H"])
    reasons = rank(me, [_link(other, peak=12.3456)], now=NOW, rules=RULES, seed="w")[0].reasons
    wire = {r.code: r.params.model_dump(mode="json") for r in reasons}
    assert wire["was_strong"]["peak"] == 12.35
    assert wire["shared"] == {"topics": [{"key": k.lower(), "label": k} for k in "ABC"]}
    assert wire["novelty"] == {"topics": [{"key": k.lower(), "label": k} for k in "EFG"]}
    assert "reciprocity" not in wire  # nobody knows who reached out


@pytest.mark.usefixtures("far_east")
def test_reason_dates_are_utc_dates_whatever_the_server_zone() -> None:
    late_evening = 1_700_000_000.0 - (1_700_000_000.0 % DAY_S) + 23 * 3600  # 23:00 UTC
    link = _link(
        _person("o"),
        last_at=late_evening,
        peak_at=late_evening,
        count=1,
        log=((late_evening, "lunch"),),
        missions=(),
    )
    reasons = rank(_person("me"), [link], now=NOW, rules=RULES, seed="w")[0].reasons
    wire = {r.code: r.params.model_dump(mode="json") for r in reasons}
    assert wire["last_seen"] == {"last_at": "2023-11-14", "kind": "lunch"}
    assert wire["was_strong"]["peak_at"] == "2023-11-14"
    assert (wire["was_strong"]["first_day"], wire["was_strong"]["last_day"]) == (
        "2023-11-14",
        "2023-11-14",
    )


def _gestures(me: Person, link: LinkFacts, active: list[Person]) -> set[tuple[str, str]]:
    """Return every (kind, parameters) the gesture takes over many weeks."""
    return {
        (g.kind, str(sorted(g.params.model_dump().items())))
        for g in (choose_gesture(me, link, None, active, f"2026-W{w}") for w in range(60))
    }


def _kinds(me: Person, link: LinkFacts, active: list[Person]) -> dict[str, str]:
    return dict(_gestures(me, link, active))


def test_share_is_about_a_shared_interest_first_else_anything_shared() -> None:
    other = _person("o", interest=["Voile", "Jazz"], skill=["Analyse"])
    me = _person("me", interest=["Voile", "Golf"], skill=["Analyse"])
    assert (
        _kinds(me, _link(other), [])["share"] == "[('topic', {'key': 'voile', 'label': 'Voile'})]"
    )
    me = _person("me", interest=["Golf"], skill=["Analyse"], sector=["Banque"])
    assert (
        _kinds(me, _link(other), [])["share"]
        == "[('topic', {'key': 'analyse', 'label': 'Analyse'})]"
    )
    assert "share" not in _kinds(_person("me", interest=["Golf"]), _link(other), [])


def test_introduce_names_the_first_active_person_who_shares_a_topic_with_them() -> None:
    other = _person("o", sector=["Énergie"], skill=["SAP"])
    nobody = _person("a0", sector=["Retail"])
    by_skill = _person("a1", skill=["SAP"])
    by_sector = _person("a2", sector=["Énergie"])
    also_by_sector = _person("a3", sector=["Énergie"])
    active = [also_by_sector, other, by_skill, nobody, by_sector]
    gestures = _kinds(_person("me"), _link(other), active)
    # Sectors before skills; among people, the smallest id; never the other themselves.
    assert gestures["introduce"] == str(
        sorted(
            {
                "third_id": "a2",
                "third_name": "A2",
                "topic": {"key": "energie", "label": "Énergie"},
            }.items()
        )
    )
    gestures = _kinds(_person("me"), _link(other), [by_skill, nobody])
    assert gestures["introduce"] == str(
        sorted(
            {
                "third_id": "a1",
                "third_name": "A1",
                "topic": {"key": "sap", "label": "SAP"},
            }.items()
        )
    )
    first = _person("k", skill=["SAP"])  # sorts before the person who could introduce them
    gestures = _kinds(_person("me"), _link(first), [first, _person("m1", skill=["SAP"])])
    assert gestures["introduce"] == str(
        sorted(
            {
                "third_id": "m1",
                "third_name": "M1",
                "topic": {"key": "sap", "label": "SAP"},
            }.items()
        )
    )
    assert "introduce" not in _kinds(_person("me"), _link(other), [nobody])


def test_a_persons_keys_span_every_facet_unless_facets_are_named() -> None:
    karim = _person("k", skill=["Python"], sector=["Banque"], interest=["Voile"])
    assert karim.keys() == {"python", "banque", "voile"}
    assert karim.keys("sector") == {"banque"}
    assert karim.keys("skill", "interest") == {"python", "voile"}


def test_a_tag_is_spelled_as_the_person_spelled_it_or_else_as_its_key() -> None:
    karim = _person("k", sector=["Énergie"], interest=["Voile"])
    assert karim.tag("energie") == Tag(key="energie", label="Énergie")
    assert karim.tag("jazz") == Tag(key="jazz", label="jazz")


def test_no_introduction_is_proposed_between_people_who_already_know_each_other() -> None:
    other = _person("o", interest=["Voile"])
    zoe, yann = _person("zoe", interest=["Voile"]), _person("yann", interest=["Voile"])
    link = _link(other)
    kinds = {
        choose_gesture(_person("me"), link, None, [zoe, yann], f"2026-W{w}").model_dump_json()
        for w in range(60)
    }
    assert not any('"third_id":"zoe"' in k for k in kinds)  # yann comes first, by id
    knows_yann = {
        choose_gesture(
            _person("me"), link, None, [zoe, yann], f"2026-W{w}", lambda a, b: "yann" in (a, b)
        ).model_dump_json()
        for w in range(60)
    }
    introduced = {k for k in knows_yann if '"kind":"introduce"' in k}
    assert introduced
    assert all('"third_id":"zoe"' in k for k in introduced)
    nobody = {
        choose_gesture(_person("me"), link, None, [zoe, yann], f"2026-W{w}", lambda a, b: True).kind
        for w in range(60)
    }
    assert "introduce" not in nobody


def test_a_mission_the_two_did_together_is_no_news_to_the_reader() -> None:
    theirs = News("mission", "Refonte SI", NOW - 40 * DAY_S)
    ours = _link(_person("o"), news=[theirs], missions=((NOW - 40 * DAY_S, "Refonte SI"),))
    assert fresh_hook(ours, NOW, 120 * DAY_S) is None
    elsewhere = _link(_person("o"), news=[theirs], missions=((NOW - 700 * DAY_S, "Audit"),))
    assert fresh_hook(elsewhere, NOW, 120 * DAY_S) == theirs
