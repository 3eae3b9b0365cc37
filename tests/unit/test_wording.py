"""Wording the graph's facts (`wording.Words`): which message, with which words, in which variant.

A tag the taxonomy lacks is quoted as entered and takes the `as_entered` variant; news of a
skill or sector reads like a tag in a sentence, a city or a mission by its label; the kinds
of interaction are named by weight times count, three at most.
"""

import re
from datetime import date

import pytest

from braise_notifier import compose as compose_module
from braise_notifier.catalogs import MissingMessageError, texts
from braise_notifier.compose import Reader, compose
from braise_notifier.wording import AS_ENTERED, Phrase, Said, Words, gesture_text
from braise_shared.candidates import (
    AskNewsGesture,
    AskNewsParams,
    CongratulateGesture,
    CongratulateParams,
    Gesture,
    HookParams,
    HookReason,
    IntroduceGesture,
    IntroduceParams,
    InviteGesture,
    InviteParams,
    LastSeenParams,
    LastSeenReason,
    NewsKind,
    NoveltyReason,
    SharedReason,
    ShareGesture,
    ShareParams,
    TopicsParams,
)
from braise_shared.interactions import InteractionKind, InteractionKinds, load_kinds
from braise_shared.tags import make_tag, make_tags
from braise_shared.taxonomy import TagWords, Taxonomy, load_taxonomy
from tests.support.digests import candidate

FR = Words(texts("fr"), load_kinds(), load_taxonomy())
EN = Words(texts("en"), load_kinds(), load_taxonomy())
QUOTED = "«\u00a0Macramé\u00a0»"  # a tag the taxonomy does not know, in French
AS_ENTERED_ONLY = (AS_ENTERED,)
ELIDED = "elided"  # the catalog context of sentences that put a name after "de"


def _hook(kind: NewsKind, label: str) -> HookReason:
    return HookReason(params=HookParams(news_kind=kind, news=make_tag(label), at=date(2026, 1, 5)))


def _topics(*labels: str) -> TopicsParams:
    return TopicsParams(topics=make_tags(list(labels)))


@pytest.mark.parametrize(
    ("words", "reason", "phrase"),
    [
        (
            FR,
            SharedReason(params=_topics("Voile", "Python")),
            Phrase("reason.shared", {"topics": "Python et la voile", "count": 2}),
        ),
        (
            FR,
            SharedReason(params=_topics("Voile", "Macramé")),
            Phrase("reason.shared", {"topics": f"{QUOTED} et la voile", "count": 2}, (AS_ENTERED,)),
        ),
        (
            FR,
            NoveltyReason(params=_topics("Banque")),
            Phrase("reason.novelty", {"name": "Karim", "topics": "la banque"}),
        ),
        (
            FR,
            NoveltyReason(params=_topics("Macramé")),
            Phrase("reason.novelty", {"name": "Karim", "topics": QUOTED}, (AS_ENTERED,)),
        ),
        # Skills and sectors read as tags in a sentence ("la banque", "banking")...
        (
            FR,
            _hook("sector", "Banque"),
            Phrase("reason.hook.sector", {"name": "Karim", "news": "la banque"}),
        ),
        (
            EN,
            _hook("sector", "Banque"),
            Phrase("reason.hook.sector", {"name": "Karim", "news": "banking"}),
        ),
        (
            FR,
            _hook("skill", "Macramé"),
            Phrase("reason.hook.skill", {"name": "Karim", "news": QUOTED}, (AS_ENTERED,)),
        ),
        # ... a city or a mission by its label, never quoted.
        (
            FR,
            _hook("city", "Lyon"),
            Phrase("reason.hook.city", {"name": "Karim", "news": "Lyon"}),
        ),
        (
            EN,
            _hook("mission", "Banque"),
            Phrase("reason.hook.mission", {"name": "Karim", "news": "Banking"}),
        ),
    ],
    ids=[
        "shared-known",
        "shared-unknown",
        "novelty-known",
        "novelty-unknown",
        "hook-sector-fr",
        "hook-sector-en",
        "hook-skill-unknown",
        "hook-city",
        "hook-mission-label-en",
    ],
)
def test_each_reason_is_phrased_from_its_facts(
    words: Words, reason: SharedReason | NoveltyReason | HookReason, phrase: Phrase
) -> None:
    assert words.reason(reason, "Karim") == phrase


def _congratulate(kind: NewsKind, label: str) -> CongratulateGesture:
    return CongratulateGesture(params=CongratulateParams(news_kind=kind, news=make_tag(label)))


def _share(label: str) -> ShareGesture:
    return ShareGesture(params=ShareParams(topic=make_tag(label)))


def _introduce(label: str) -> IntroduceGesture:
    params = IntroduceParams(third_id="z", third_name="Zoé", topic=make_tag(label))
    return IntroduceGesture(params=params)


@pytest.mark.parametrize(
    ("gesture", "prefix", "params", "contexts"),
    [
        (InviteGesture(), "gesture.invite.call", {}, ()),
        (
            InviteGesture(params=InviteParams(city="Lyon")),
            "gesture.invite.city",
            {"city": "Lyon"},
            (),
        ),
        (
            AskNewsGesture(params=AskNewsParams(project="SAP")),
            "gesture.ask_news",
            {"project": "SAP"},
            (),
        ),
        (_congratulate("city", "Lyon"), "gesture.congratulate.city", {"news": "Lyon"}, ()),
        (
            _congratulate("skill", "Macramé"),
            "gesture.congratulate.skill",
            {"news": QUOTED},
            AS_ENTERED_ONLY,
        ),
        (_share("Voile"), "gesture.share", {"topic": "la voile"}, ()),
        (_share("Macramé"), "gesture.share", {"topic": QUOTED}, AS_ENTERED_ONLY),
        (_introduce("Voile"), "gesture.introduce", {"third": "Zoé", "topic": "la voile"}, ()),
        (
            _introduce("Macramé"),
            "gesture.introduce",
            {"third": "Zoé", "topic": QUOTED},
            AS_ENTERED_ONLY,
        ),
    ],
    ids=[
        "invite",
        "invite-city",
        "ask-news",
        "congratulate-city",
        "congratulate-unknown-skill",
        "share-known",
        "share-unknown",
        "introduce-known",
        "introduce-unknown",
    ],
)
def test_each_gesture_is_phrased_from_its_facts_and_elided_before_a_vowel(
    gesture: Gesture, prefix: str, params: dict[str, object], contexts: tuple[str, ...]
) -> None:
    assert FR.gesture(gesture, "Karim") == Phrase(prefix, params, contexts)
    assert FR.gesture(gesture, "Arnaud") == Phrase(prefix, params, (ELIDED, *contexts))


def test_a_city_the_taxonomy_words_reads_in_the_readers_language() -> None:
    lyon = {"fr": TagWords("Lyon", "Lyon"), "en": TagWords("Lyons", "Lyons")}
    words = Words(texts("en"), load_kinds(), Taxonomy({"lyon": lyon}))
    assert words.reason(_hook("city", "Lyon"), "Karim") == Phrase(
        "reason.hook.city", {"name": "Karim", "news": "Lyons"}
    )


@pytest.mark.parametrize(
    ("counts", "said"),
    [
        # Weight times count: ten lunches (3 each) outweigh one mission (10).
        ({"mission_together": 1, "lunch": 10}, "10 déjeuners et une mission ensemble"),
        ({"lunch": 3, "mission_together": 1}, "une mission ensemble et 3 déjeuners"),
        # Every kind the window holds: naming three would hide the rest of what happened.
        (
            {"message": 3, "call": 1, "lunch": 2, "mission_together": 1},
            "une mission ensemble, 2 déjeuners, un appel et 3 messages",
        ),
        # A kind neither configured nor worded weighs nothing and is named as it came.
        ({"mystery": 5, "lunch": 1}, "un déjeuner et mystery (\u00d75)"),
    ],
)
def test_the_kinds_together_are_named_heaviest_first(counts: dict[str, int], said: str) -> None:
    assert FR.together(counts) == said


def test_a_configured_kind_the_catalog_does_not_word_is_named_by_its_label() -> None:
    hackathon = InteractionKind("hackathon", 5.0, "hackathon du cabinet", "firm hackathon")
    kinds = InteractionKinds({**load_kinds().kinds, "hackathon": hackathon})
    counts = {"lunch": 1, "hackathon": 2}
    assert Words(texts("fr"), kinds, load_taxonomy()).together(counts) == (
        "hackathon du cabinet (\u00d72) et un déjeuner"
    )
    assert Words(texts("en"), kinds, load_taxonomy()).together(counts) == (
        "firm hackathon (\u00d72) and a lunch"
    )


def test_a_gesture_whose_every_variant_breaks_the_tone_guard_has_no_words() -> None:
    cv = AskNewsGesture(params=AskNewsParams(project="transmettre mon CV"))
    assert gesture_text(FR, cv, "Karim", "seed") is None
    sap = AskNewsGesture(params=AskNewsParams(project="Migration SAP"))
    assert gesture_text(FR, sap, "Karim", "seed") is not None


def test_a_person_whose_gesture_finds_no_words_is_left_out_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = MissingMessageError("fr: no message 'gesture.invite'")

    def no_words(self: Words, gesture: Gesture, name: str, **_: object) -> Phrase:
        raise missing

    monkeypatch.setattr(Words, "gesture", no_words)
    reader = Reader("r", "Camille Martin", "camille@example.org", "fr")
    with caplog.at_level("ERROR", logger=compose_module.__name__):
        digest = compose(
            reader,
            "2026-W48",
            [candidate(1, "Karim", "dormant", InviteGesture())],
            texts=texts("fr"),
            kinds=load_kinds(),
            taxonomy=load_taxonomy(),
        )
    assert digest.is_empty()
    assert caplog.messages == [f"no words for gesture {InviteGesture()}: {missing}"]


def _last_seen() -> tuple[Phrase, list[str], list[str]]:
    """Return the phrase of a last exchange, its variants in seed order, and their texts."""
    phrase = FR.reason(
        LastSeenReason(params=LastSeenParams(last_at=date(2024, 6, 1), kind="call")), "Karim"
    )
    keys = texts("fr").pick(phrase.prefix, "seed")
    lines = [texts("fr").get(k, contexts=phrase.contexts, **phrase.params) for k in keys]
    assert len(set(lines)) == len(lines) >= 3
    return phrase, keys, lines


def test_a_digest_says_the_first_variant_in_seed_order_and_remembers_it() -> None:
    phrase, keys, lines = _last_seen()
    said = Said()
    assert FR.say(phrase, "seed", said) == lines[0]
    assert (said.texts, said.keys) == ({lines[0]}, {keys[0]})


def test_a_variant_used_by_someone_else_comes_after_the_unused_ones() -> None:
    phrase, keys, lines = _last_seen()
    said = Said(texts={"another person's line"}, keys={keys[0]})
    assert FR.say(phrase, "seed", said) == lines[1]


def test_when_every_variant_was_used_a_used_one_is_said_again_if_its_words_are_new() -> None:
    phrase, keys, lines = _last_seen()
    # Every variant used, the first one with these very words: the next one's words are new.
    said = Said(texts={lines[0]}, keys=set(keys))
    assert FR.say(phrase, "seed", said) == lines[1]
    # Once every variant's words are said, nothing is left to say.
    assert FR.say(phrase, "seed", Said(texts=set(lines), keys=set(keys))) is None


def test_each_variant_the_tone_guard_refuses_is_logged_with_its_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cv = AskNewsGesture(params=AskNewsParams(project="transmettre mon CV"))
    with caplog.at_level("ERROR", logger="braise_notifier.wording"):
        assert gesture_text(FR, cv, "Karim", "seed") is None
    assert len(caplog.messages) == len(texts("fr").variants("gesture.ask_news"))
    for message in caplog.messages:
        assert re.fullmatch(
            r"variant refused by the tone guard: gesture\.ask_news\.\d breaks the tone guard "
            r"\(fr_pass_my_cv\): .*transmettre mon CV.*",
            message,
        ), message
