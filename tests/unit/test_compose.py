"""Composing a digest: kind words in the reader's language, no line said twice, the tone guard."""

import logging
import re
from datetime import UTC, date, datetime

import pytest

from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.guard import ToneError, tone_faults
from braise_notifier.render import render_parts
from braise_notifier.tokens import LinkSigner
from braise_notifier.typography import NBSP
from braise_shared.candidates import (
    AskNewsGesture,
    AskNewsParams,
    CongratulateGesture,
    CongratulateParams,
    Gesture,
    HookParams,
    HookReason,
    InviteGesture,
    LastSeenParams,
    LastSeenReason,
    NoveltyReason,
    Reason,
    RevivalCandidate,
    SharedReason,
    ShareGesture,
    ShareParams,
    TopicsParams,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds
from braise_shared.stages import CandidateStage
from braise_shared.tags import make_tag, make_tags
from braise_shared.taxonomy import load_taxonomy

CAMILLE_FR = Reader("r", "Camille Martin", "camille@example.org", "fr")
CAMILLE_EN = Reader("r", "Camille Martin", "camille@example.org", "en")
SAILING = ShareGesture(params=ShareParams(topic=make_tag("Voile")))


def _history(kinds: dict[str, int] | None = None) -> list[Reason]:
    return [
        WasStrongReason(
            params=WasStrongParams(
                peak=12.0,
                peak_at=date(2024, 3, 2),
                first_day=date(2024, 1, 10),
                last_day=date(2024, 3, 2),
                kinds=kinds or {"mission_together": 1, "lunch": 2},
            )
        ),
        LastSeenReason(params=LastSeenParams(last_at=date(2024, 6, 1), kind="call")),
    ]


def _candidate(
    other: str,
    stage: CandidateStage = "dormant",
    gesture: Gesture = SAILING,
    reasons: list[Reason] | None = None,
    name: str | None = None,
    history: list[Reason] | None = None,
) -> RevivalCandidate:
    return RevivalCandidate(
        other_id=other,
        other_name=name or f"Person {other}",
        stage=stage,
        score=0.5,
        components={"past": 0.8, "trust": 1.0},
        strength=0.9,
        peak=12.0,
        last_at=datetime(2024, 6, 1, tzinfo=UTC),
        gesture=gesture,
        reasons=(_history() if history is None else history)
        + (
            reasons
            if reasons is not None
            else [SharedReason(params=TopicsParams(topics=make_tags(["Python", "Voile"])))]
        ),
    )


def _compose(
    reader: Reader, candidates: list[RevivalCandidate], period: str = "2026-W48"
) -> Digest:
    return compose(
        reader,
        period,
        candidates,
        texts=texts(reader.locale),
        kinds=load_kinds(),
        taxonomy=load_taxonomy(),
    )


def test_compose_keeps_what_the_graph_gave_dormant_and_cooling_apart_and_writes_reasons() -> None:
    # The graph was asked for three dormant and two cooling people: compose takes them all.
    dormant = [_candidate(f"d{i}") for i in range(3)]
    cooling = [_candidate(f"c{i}", "cooling", InviteGesture()) for i in range(2)]
    digest = _compose(CAMILLE_FR, [dormant[0], cooling[0], dormant[1], dormant[2], cooling[1]])
    assert [s.other_id for s in digest.dormant] == ["d0", "d1", "d2"]
    assert [s.other_id for s in digest.cooling] == ["c0", "c1"]
    first = digest.dormant[0]
    assert first.reasons == [
        f"Votre lien a vécu un moment fort de janvier à mars 2024{NBSP}: "
        "une mission ensemble et 2 déjeuners.",
        f"Dernier échange entre vous{NBSP}: un appel, en juin 2024.",
        f"Vos points communs{NBSP}: Python et la voile.",
    ]
    assert "la voile" in first.gesture
    assert digest.period == "2026-W48"
    assert digest.subject.startswith("Camille, ")
    assert digest.greeting == "Bonjour Camille,"
    assert digest.preheader == "5 personnes à qui faire signe, sans rien demander."


def test_an_english_digest_words_tags_in_english() -> None:
    hook = HookReason(
        params=HookParams(news_kind="sector", news=make_tag("Énergie"), at=date(2026, 10, 1))
    )
    novelty = NoveltyReason(params=TopicsParams(topics=make_tags(["Conformité", "Industrie"])))
    shared = SharedReason(params=TopicsParams(topics=make_tags(["Voile", "Échecs"])))
    digest = _compose(CAMILLE_EN, [_candidate("o", reasons=[shared, hook, novelty])])
    said = " ".join([*digest.dormant[0].reasons, digest.dormant[0].gesture])
    assert "chess and sailing" in said
    assert "News: Person now works in energy." in said
    assert "compliance and manufacturing" in said
    for french_label in ("Voile", "Échecs", "Énergie", "Conformité", "Industrie"):
        assert french_label not in said


def test_a_tag_the_taxonomy_lacks_reads_as_entered_quoted_in_french() -> None:
    hook = HookReason(
        params=HookParams(news_kind="sector", news=make_tag("Aéronautique"), at=date(2026, 10, 1))
    )
    shared = SharedReason(params=TopicsParams(topics=make_tags(["Rust", "Voile"])))
    fr = _compose(CAMILLE_FR, [_candidate("o", reasons=[shared, hook])]).dormant[0].reasons
    assert f"Person travaille désormais dans le secteur «{NBSP}Aéronautique{NBSP}»." in fr[3]
    assert f"«{NBSP}Rust{NBSP}» et la voile" in fr[2]
    en = _compose(CAMILLE_EN, [_candidate("o", reasons=[shared, hook])]).dormant[0].reasons
    assert "News: Person now works in Aéronautique." in en
    assert "Rust and sailing" in en[2]


def test_no_reason_tallies_who_reached_out_and_novelty_speaks_of_sharing() -> None:
    novelty = NoveltyReason(params=TopicsParams(topics=make_tags(["Industrie"])))
    for reader in (CAMILLE_FR, CAMILLE_EN):
        for week in range(1, 9):
            digest = _compose(reader, [_candidate("o", reasons=[novelty])], f"2026-W{week:02d}")
            line = digest.dormant[0].reasons[-1]
            assert "l'industrie" in line or "manufacturing" in line
            assert tone_faults(line) == []
            assert not {"réseau", "network", "surtout", "mostly"} & set(line.split())


def test_two_people_with_the_same_history_never_get_the_same_line() -> None:
    same = [_candidate(f"d{i}", reasons=[]) for i in range(5)]
    digest = _compose(CAMILLE_FR, same)
    lines = [r for s in digest.suggestions for r in s.reasons]
    assert len(lines) == len(set(lines))
    # Three ways to tell each fact: the first three people keep their whole history.
    assert [len(s.reasons) for s in digest.suggestions[:3]] == [2, 2, 2]


def test_french_elides_a_name_after_de() -> None:
    said = set()
    for week in range(1, 30):
        gesture = AskNewsGesture(params=AskNewsParams(project="Audit qualité chez Airbus"))
        candidate = _candidate("a", gesture=gesture, name="Arnaud Lefèvre")
        said.add(_compose(CAMILLE_FR, [candidate], f"2026-W{week:02d}").dormant[0].gesture)
    assert not [g for g in said if "de Arnaud" in g]
    assert [g for g in said if "Prenez des nouvelles d'Arnaud et du projet" in g]


def test_an_idea_line_holds_one_colon_in_both_languages() -> None:
    news = CongratulateGesture(params=CongratulateParams(news_kind="mission", news=make_tag("X")))
    for reader in (CAMILLE_FR, CAMILLE_EN):
        for week in range(1, 13):
            digest = _compose(reader, [_candidate("o", gesture=news)], f"2026-W{week:02d}")
            idea = texts(reader.locale).get("idea") + texts(reader.locale).get("punct.colon")
            assert (idea + " " + digest.dormant[0].gesture).count(":") == 1


def test_a_digest_whose_words_break_the_tone_guard_is_blocked_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pushy = HookReason(
        params=HookParams(news_kind="city", news=make_tag("N'oubliez pas"), at=date(2026, 10, 1))
    )
    with caplog.at_level(logging.ERROR), pytest.raises(ToneError) as caught:
        _compose(CAMILLE_FR, [_candidate("o", reasons=[pushy])])
    assert caught.value.rules == ["fr_pressure"]
    assert caught.value.where == "reason about Person o"
    assert f"digest 2026-W48 for r blocked, never sent: {caught.value}" in caplog.messages


def test_a_digest_checks_each_of_its_lines_under_the_name_of_where_it_stands() -> None:
    digest = _compose(CAMILLE_EN, [_candidate("o", reasons=[], history=[])])
    [person] = digest.suggestions
    assert list(digest.lines()) == [
        ("subject", digest.subject),
        ("preheader", digest.preheader),
        ("greeting", digest.greeting),
        ("intro", digest.intro),
        ("gesture for Person o", person.gesture),
        ("draft to Person o", person.draft.body if person.draft else ""),
    ]


def test_a_person_whose_gesture_can_only_ask_is_left_out() -> None:
    asking = AskNewsGesture(params=AskNewsParams(project="je cherche une mission"))
    digest = _compose(CAMILLE_FR, [_candidate("o", gesture=asking), _candidate("p")])
    assert [s.other_id for s in digest.suggestions] == ["p"]
    assert digest.preheader.startswith("Une personne")


def test_a_kind_the_catalog_lacks_reads_as_configured() -> None:
    odd = _history({"workshop": 2, "lunch": 1})
    digest = _compose(CAMILLE_EN, [_candidate("o", reasons=[], history=odd[:1])])
    assert "a lunch and workshop (\u00d72)" in digest.dormant[0].reasons[0]


def test_nothing_worth_suggesting_makes_an_empty_digest() -> None:
    digest = _compose(CAMILLE_FR, [])
    assert digest.is_empty()
    assert digest.preheader == ""


def test_wording_varies_between_people_and_weeks() -> None:
    seen = set()
    for week in range(1, 9):
        digest = _compose(CAMILLE_EN, [_candidate("d")], f"2026-W{week:02d}")
        seen.add(digest.dormant[0].gesture)
        seen.add(digest.subject)
    assert len(seen) >= 5


def test_the_text_part_opens_with_the_preheader_and_says_why_in_the_footer() -> None:
    digest = _compose(CAMILLE_FR, [_candidate("d")])
    signer = LinkSigner("secret-" * 6, ttl_s=3600)
    _html, text = render_parts(
        digest,
        texts("fr"),
        signer,
        "https://braise.example.org",
        preferences_url="https://braise.example.org/preferences/{consultant_id}",
    )
    assert text.splitlines()[0] == "Une personne à qui faire signe, sans rien demander."
    assert texts("fr").get("footer.why") in text
    assert f"https://braise.example.org/preferences/{digest.reader.id}" in text
    assert f"Une idée{NBSP}: " in text
    for line in text.splitlines():
        assert not re.search(r" [:;?!]", line), line


def test_each_suggestion_keeps_the_codes_of_the_reasons_it_words_a_hook_with_its_kind() -> None:
    hook = HookReason(
        params=HookParams(news_kind="sector", news=make_tag("Énergie"), at=date(2026, 10, 1))
    )
    shared = SharedReason(params=TopicsParams(topics=make_tags(["Voile"])))
    digest = _compose(CAMILLE_FR, [_candidate("o", reasons=[shared, hook])])
    suggestion = digest.dormant[0]
    assert len(suggestion.reasons) == 4
    assert suggestion.reason_codes == ("was_strong", "last_seen", "shared", "hook.sector")
