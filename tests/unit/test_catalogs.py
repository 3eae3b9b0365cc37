"""The catalogs: the same messages in both languages, every one kind in tone, French set right."""

import re

import pytest

from braise_notifier.catalogs import all_message_ids, all_messages, texts
from braise_notifier.guard import tone_faults
from braise_notifier.typography import NARROW_NBSP, NBSP, elides, french
from braise_shared.interactions import load_kinds
from braise_shared.locales import LOCALES

# What the composer fills in, as it reads in each language: tags known to the taxonomy (with
# their article in French) and tags quoted as entered.
SAMPLES = {
    "fr": [
        {"topic": "la voile", "topics": "la voile, les échecs et Python", "news": "l'énergie"},
        {"topic": "« Aéronautique »", "topics": "« Aéronautique »", "news": "« Rust »"},
    ],
    "en": [{"topic": "sailing", "topics": "sailing, chess, and Python", "news": "energy"}],
}
COMMON = {
    "name": "Arnaud Lefèvre",
    "first": "Camille",
    "third": "Zoé Martin",
    "project": "Migration SAP chez Enedis",
    "when": "mars 2025",
    "together": "une mission ensemble et 2 déjeuners",
    "label": "un atelier",
    "people": 300,
    "links": 880,
    "drawn": 200,
    "last": "2026-W48",
    "outcome": "envoyés",
    "n": 12,
    "city": "Lyon",
    "span": "de février à avril 2026",
    "month": "mars 2026",
    "kind": "un appel",
    "names": "« Refonte SI »",
    "email": "camille.martin@example.org",
    "who": "Camille Martin",
    "host": "calendrier.example.org",
    "error": "calendrier.example.org answered 500: try again later",
    "reason": "url: must be an http:// or https:// address",
    "title": "Petit-déjeuner du cabinet",
    "place": "Café Pouchkine, Paris",
    "day": "jeudi 17 décembre 2026",
    "last_day": "samedi 19 décembre 2026",
    "days": "10",
    "time": "08:30",
    "file": "petit-dejeuner-du-cabinet.ics",
    "a": "Banque",
    "b": "Énergie",
    "sector": "Santé",
    "at": "2026-12-07 11:28 UTC",
    "since": "2026-W40",
    "until": "2026-W48",
    "resume": "21 décembre",
}


def _every_text(locale: str) -> list[tuple[str, str]]:
    """Return (message, text) for every message, context and plural form, filled."""
    t = texts(locale)
    out = []
    for context, key in all_messages(locale):
        for sample in SAMPLES[locale]:
            for count in (1, 3):
                contexts = (context,) if context else ()
                text = t.get(key, contexts=contexts, count=count, **COMMON, **sample)
                out.append((f"{context or ''}|{key}", text))
    return out


def test_both_languages_have_the_same_messages() -> None:
    assert all_message_ids("fr") == all_message_ids("en")
    assert len(all_message_ids("fr")) > 60


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_in_every_context_and_number_passes_the_tone_guard(locale: str) -> None:
    every = _every_text(locale)
    assert len(every) >= 150
    for key, text in every:
        assert "{" not in text, (key, text)
        assert tone_faults(text) == [], (key, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_gesture_holds_no_colon_since_it_follows_an_idea_colon(locale: str) -> None:
    gestures = [(k, t) for k, t in _every_text(locale) if k.split("|")[1].startswith("gesture.")]
    assert len(gestures) >= 45
    for key, text in gestures:
        assert ":" not in text, (key, text)


def test_french_puts_no_tag_and_no_bare_name_after_de_or_a() -> None:
    fr = texts("fr")
    plain = [key for context, key in all_messages("fr") if context is None]
    for key in plain:
        source = fr.get(
            key,
            contexts=(),
            count=1,
            **{k: f"{{{k}}}" for k in (*COMMON, "topic", "topics", "news")},
        )
        for tag in re.findall(r"\b(?:de|à|du|au|aux|des|en)\s+\{(topic|topics|news)\}", source):
            assert ".city." in key, (key, source, tag)
        if re.search(r"\b(?:de|que)\s+\{(?:name|third)\}", source):
            assert fr.has(key, "elided"), key
            elided = fr.get(key, contexts=("elided",), count=1, name="{name}", project="{project}")
            assert "d'{name}" in elided, key


def test_french_elides_before_a_vowel_and_not_otherwise() -> None:
    fr = texts("fr")
    key = "gesture.ask_news.2"
    arnaud = fr.get(
        key, contexts=("elided",) if elides("Arnaud") else (), name="Arnaud", project="X"
    )
    karim = fr.get(key, contexts=("elided",) if elides("Karim") else (), name="Karim", project="X")
    assert arnaud.startswith("Prenez des nouvelles d'Arnaud et")
    assert karim.startswith("Prenez des nouvelles de Karim et")
    assert [
        w for w in ("Élodie", "Arnaud", "Œdipe", "ines", "Karim", "Hugo", "Yann") if elides(w)
    ] == [
        "Élodie",
        "Arnaud",
        "Œdipe",
        "ines",
    ]


def test_a_message_has_at_most_one_grammatical_context() -> None:
    contexts: dict[str, set[str]] = {}
    for context, key in all_messages("fr") + all_messages("en"):
        if context not in (None, "kind"):
            contexts.setdefault(key, set()).add(context)
    assert contexts, "French needs its contexts"
    assert all(len(found) == 1 for found in contexts.values()), contexts


def test_every_message_in_french_is_set_with_no_break_spaces() -> None:
    for key, text in _every_text("fr"):
        assert not re.search(r"[ ][;:?!]", text), (key, text)
        assert not re.search(r"«[^\u00a0]|[^\u00a0]»", text), (key, text)
    assert texts("fr").get("punct.colon") == f"{NBSP}:"
    question = texts("fr").get("page.feedback.never.question", name="Karim")
    assert question == f"Ne plus jamais vous proposer Karim{NARROW_NBSP}?"


def test_french_typography_sets_spaces_once_and_touches_nothing_else() -> None:
    thin = NARROW_NBSP
    assert french("Une idée : un mot ? Oui ! Bien ; « Voile »") == (
        f"Une idée{NBSP}: un mot{thin}? Oui{thin}! Bien{thin}; «{NBSP}Voile{NBSP}»"
    )
    assert french(french("Un mot ?")) == french("Un mot ?")
    assert french("10:30, C#?, https://x.org/a?b=1") == "10:30, C#?, https://x.org/a?b=1"
    assert french("«Voile»") == f"«{NBSP}Voile{NBSP}»"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_interaction_kind_reads_in_both_numbers(locale: str) -> None:
    t = texts(locale)
    for kind in load_kinds().names():
        assert t.has(kind, "kind"), kind
        one, three = (t.get(kind, contexts=("kind",), count=n) for n in (1, 3))
        assert "3" not in one
        assert three.startswith("3 "), (kind, three)
    assert texts("fr").get("lunch", contexts=("kind",), count=2) == "2 déjeuners"
    assert texts("en").get("lunch", contexts=("kind",), count=1) == "a lunch"


def test_plural_forms_follow_each_languages_rule() -> None:
    assert texts("fr").get("preheader", count=1).startswith("Une personne")
    assert texts("fr").get("preheader", count=3).startswith("3 personnes")
    assert texts("en").get("preheader", count=1).startswith("One person")
    assert texts("en").get("preheader", count=2).startswith("2 people")
    with pytest.raises(TypeError, match="count"):
        texts("fr").get("preheader")
