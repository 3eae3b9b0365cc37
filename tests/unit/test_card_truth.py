"""A card says what its facts make true, each thing once; the opening agrees with the cards."""

import re
from datetime import UTC, date, datetime

import pytest

from braise_notifier.catalogs import texts
from braise_notifier.compose import VARIANTS, Digest, Reader, compose, pick_variant
from braise_notifier.guard import tone_faults
from braise_notifier.typography import NBSP
from braise_shared.candidates import (
    CongratulateGesture,
    CongratulateParams,
    Gesture,
    HookParams,
    HookReason,
    LastSeenParams,
    LastSeenReason,
    MissionFact,
    Reason,
    RevivalCandidate,
    ShareGesture,
    ShareParams,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds
from braise_shared.locales import LOCALES
from braise_shared.stages import CandidateStage
from braise_shared.tags import make_tag
from braise_shared.taxonomy import load_taxonomy
from tests.support.truth_words import PLURAL_OPENING, SINGULAR_OPENING

READER_FR = Reader("r", "Camille Martin", "camille@example.org", "fr")
READER_EN = Reader("r", "Camille Martin", "camille@example.org", "en")
SAILING = ShareGesture(params=ShareParams(topic=make_tag("Voile")))


def _window(first: date, last: date, kinds: dict[str, int], **more: object) -> WasStrongReason:
    params = WasStrongParams.model_validate(
        {"peak": 9.0, "peak_at": last, "first_day": first, "last_day": last, "kinds": kinds, **more}
    )
    return WasStrongReason(params=params)


def _last(day: date, kind: str | None = "call") -> LastSeenReason:
    return LastSeenReason(params=LastSeenParams(last_at=day, kind=kind))


def _candidate(
    n: int,
    reasons: list[Reason],
    stage: CandidateStage = "dormant",
    gesture: Gesture = SAILING,
    name: str = "Sofia Marchetti",
) -> RevivalCandidate:
    return RevivalCandidate(
        other_id=f"o{n}",
        other_name=name,
        stage=stage,
        score=0.5,
        components={},
        strength=1.0,
        peak=9.0,
        last_at=datetime(2026, 1, 1, tzinfo=UTC),
        reasons=reasons,
        gesture=gesture,
    )


def _compose(reader: Reader, candidates: list[RevivalCandidate], **more: object) -> Digest:
    return compose(
        reader,
        "2026-W50",
        candidates,
        texts=texts(reader.locale),
        kinds=load_kinds(),
        taxonomy=load_taxonomy(),
        **more,  # type: ignore[arg-type]
    )


def test_one_interaction_is_named_as_what_it_was_never_a_high_point() -> None:
    one = _window(date(2026, 8, 12), date(2026, 8, 12), {"lunch": 1})
    for reader, words, banned in (
        (READER_FR, "un déjeuner, en août 2026", ("fort", "culminé")),
        (READER_EN, "a lunch, in August 2026", ("strongest", "high point", "peaked")),
    ):
        for week in range(1, 10):
            digest = compose(
                reader,
                f"2026-W{week:02d}",
                [_candidate(1, [one, _last(date(2026, 10, 3))])],
                texts=texts(reader.locale),
                kinds=load_kinds(),
                taxonomy=load_taxonomy(),
            )
            line = digest.dormant[0].reasons[0]
            assert words in line
            assert not [b for b in banned if b in line]


def test_a_high_point_names_its_months_and_every_kind_it_held() -> None:
    two = _window(
        date(2026, 2, 9),
        date(2026, 4, 1),
        {"lunch": 2, "mission_together": 1},
        missions=[MissionFact(name="Refonte SI", on=date(2026, 2, 9))],
    )
    fr = _compose(READER_FR, [_candidate(1, [two, _last(date(2026, 9, 3))])]).dormant[0]
    assert "de février à avril 2026" in fr.reasons[0]
    assert f"la mission «{NBSP}Refonte SI{NBSP}» et 2 déjeuners" in fr.reasons[0]
    en = _compose(READER_EN, [_candidate(1, [two, _last(date(2026, 9, 3))])]).dormant[0]
    assert "from February to April 2026" in en.reasons[0]
    assert "the “Refonte SI” mission and 2 lunches" in en.reasons[0]


def test_french_elides_a_month_that_opens_with_a_vowel_and_spans_name_both_years() -> None:
    april = _window(date(2026, 4, 2), date(2026, 6, 1), {"lunch": 2})
    card = _compose(READER_FR, [_candidate(1, [april, _last(date(2026, 9, 3))])]).dormant[0]
    assert "d'avril à juin 2026" in card.reasons[0]
    winter = _window(date(2025, 11, 2), date(2026, 1, 8), {"lunch": 2})
    card = _compose(READER_FR, [_candidate(1, [winter, _last(date(2026, 9, 3))])]).dormant[0]
    assert "de novembre 2025 à janvier 2026" in card.reasons[0]


@pytest.mark.parametrize("reader", [READER_FR, READER_EN])
def test_a_last_exchange_that_closes_the_window_is_not_dated_again(reader: Reader) -> None:
    window = _window(date(2025, 1, 6), date(2025, 3, 17), {"lunch": 2, "call": 1})
    for week in range(1, 10):
        digest = _compose(reader, [_candidate(1, [window, _last(date(2025, 3, 17), "lunch")])])
        digest = compose(
            reader,
            f"2026-W{week:02d}",
            [_candidate(1, [window, _last(date(2025, 3, 17), "lunch")])],
            texts=texts(reader.locale),
            kinds=load_kinds(),
            taxonomy=load_taxonomy(),
        )
        card = " ".join(digest.dormant[0].reasons)
        assert card.count("2025") == 1, card
        assert ("depuis" in card.lower()) or ("since" in card), card


@pytest.mark.parametrize("reader", [READER_FR, READER_EN])
def test_dormant_and_cooling_say_different_truths_of_the_last_exchange(reader: Reader) -> None:
    dormant_lines: set[str] = set()
    cooling_lines: set[str] = set()
    for week in range(1, 15):
        for stage, lines in (("dormant", dormant_lines), ("cooling", cooling_lines)):
            digest = compose(
                reader,
                f"2026-W{week:02d}",
                [_candidate(1, [_last(date(2026, 10, 3))], stage)],  # type: ignore[arg-type]
                texts=texts(reader.locale),
                kinds=load_kinds(),
                taxonomy=load_taxonomy(),
            )
            lines.add(digest.suggestions[0].reasons[0])
    assert not dormant_lines & cooling_lines
    cooling = " ".join(cooling_lines)
    assert ("dater" in cooling or "vivant" in cooling) or (
        "a while" in cooling or "alive" in cooling
    )
    assert not [line for line in dormant_lines | cooling_lines if "moment" in line.split()]


@pytest.mark.parametrize("reader", [READER_FR, READER_EN])
def test_the_full_name_is_the_titles_and_the_card_says_the_first_name(reader: Reader) -> None:
    history: list[Reason] = [
        _window(date(2025, 1, 6), date(2025, 3, 17), {"lunch": 2}),
        _last(date(2025, 9, 1)),
        HookReason(
            params=HookParams(news_kind="mission", news=make_tag("X"), at=date(2026, 11, 2))
        ),
    ]
    news = CongratulateGesture(params=CongratulateParams(news_kind="mission", news=make_tag("X")))
    card = _compose(reader, [_candidate(1, history, gesture=news)]).dormant[0]
    said = [*card.reasons, card.gesture, card.draft.body if card.draft else ""]
    assert card.name == "Sofia Marchetti"
    assert not [line for line in said if "Marchetti" in line]
    assert "Sofia" in card.gesture
    # The news is the congratulation's: no reason says it again.
    assert sum(bool(re.search(r"\bmission\b", line)) for line in [*card.reasons, card.gesture]) == 1
    assert card.reason_codes[-1] == "hook.mission"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_opening_agrees_with_how_many_people_the_digest_holds(locale: str) -> None:
    reader = Reader("r", "Camille Martin", "camille@example.org", locale)
    # The markers of number are the truth oracle's own (tests/support/truth.py).
    plural, singular = PLURAL_OPENING[locale], SINGULAR_OPENING[locale]
    for week in range(1, 40):
        period = f"2026-W{week:02d}"
        one = compose(
            reader,
            period,
            [_candidate(1, [_last(date(2025, 9, 1))])],
            texts=texts(locale),
            kinds=load_kinds(),
            taxonomy=load_taxonomy(),
        )
        opening = f"{one.subject} {one.intro}"
        assert not [w for w in plural if w in opening], opening
        assert [w for w in singular if w in opening], opening
        three = compose(
            reader,
            period,
            [_candidate(n, [_last(date(2025, 9, n))]) for n in (1, 2, 3)],
            texts=texts(locale),
            kinds=load_kinds(),
            taxonomy=load_taxonomy(),
        )
        opening = f"{three.subject} {three.intro}"
        assert not [w for w in singular if w in opening], opening


def test_six_openings_each_language_and_never_the_readers_previous_one() -> None:
    for locale in LOCALES:
        assert len(texts(locale).variants("subject")) == VARIANTS >= 6
        assert len(texts(locale).variants("intro")) == VARIANTS
    previous = None
    seen = set()
    for week in range(1, 53):
        variant = pick_variant(f"2026-W{week:02d}:r", previous)
        assert variant != previous
        seen.add(variant)
        previous = variant
    assert seen == set(range(1, VARIANTS + 1))


@pytest.mark.parametrize("reader", [READER_FR, READER_EN])
def test_a_draft_greets_by_first_name_gives_and_is_signed_by_the_reader(reader: Reader) -> None:
    card = _compose(
        reader, [_candidate(1, [_last(date(2025, 9, 1))])], addresses={"o1": "sofia@example.org"}
    ).dormant[0]
    assert card.draft is not None
    assert card.email == "sofia@example.org"
    greeting, sentence, signoff = card.draft.body.split("\n\n")
    assert greeting in ("Bonjour Sofia,", "Hi Sofia,")
    assert signoff.endswith("\nCamille")
    assert tone_faults(card.draft.body) == []
    assert "[" in sentence  # the article's link, for the reader to put in
