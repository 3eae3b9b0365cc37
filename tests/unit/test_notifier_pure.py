"""Notifier logic without servers: catalogs, periods, tokens, composition."""

from datetime import UTC, date, datetime

import pytest

from braise_notifier.catalogs import LOCALES, all_message_ids, texts
from braise_notifier.compose import Reader, compose
from braise_notifier.guard import solicitations
from braise_notifier.schedule import current_period
from braise_notifier.tokens import LinkClaims, LinkSigner, TokenError
from braise_shared.candidates import (
    CandidateStage,
    Gesture,
    InviteGesture,
    LastSeenParams,
    LastSeenReason,
    ReciprocityParams,
    ReciprocityReason,
    RevivalCandidate,
    SharedReason,
    ShareGesture,
    ShareParams,
    TopicsParams,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds

SAMPLE = {
    "name": "Karim Benali",
    "news": "Kubernetes",
    "topic": "la voile",
    "third": "Zoé Martin",
    "project": "Migration SAP chez Enedis",
    "first": "Camille",
    "when": "mars 2025",
    "together": "une mission ensemble",
    "topics": "Python et Voile",
}


def test_both_languages_have_the_same_messages() -> None:
    assert all_message_ids("fr") == all_message_ids("en")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_gesture_variant_in_every_language_passes_the_no_ask_guard(locale: str) -> None:
    t = texts(locale)
    gestures = [m for m in all_message_ids(locale) if m.startswith("gesture.")]
    assert len(gestures) >= 15
    for key in gestures:
        text = t.get(key, **SAMPLE)
        assert "{" not in text, key
        assert solicitations(text) == [], (key, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_digest_passes_the_guard(locale: str) -> None:
    t = texts(locale)
    for key in all_message_ids(locale):
        assert solicitations(t.get(key, **SAMPLE)) == [], key


@pytest.mark.parametrize(
    ("day", "frequency", "weekday", "period"),
    [
        (date(2026, 11, 23), "weekly", "monday", "2026-W48"),
        (date(2026, 11, 24), "weekly", "monday", None),
        (date(2026, 11, 23), "biweekly", "monday", "2026-W48"),
        (date(2026, 11, 30), "biweekly", "monday", None),  # week 49 is odd
        (date(2026, 11, 2), "monthly", "monday", "2026-11"),
        (date(2026, 11, 9), "monthly", "monday", None),
        (date(2026, 11, 23), "paused", "monday", None),
    ],
)
def test_current_period(day: date, frequency: str, weekday: str, period: str | None) -> None:
    assert current_period(day, frequency=frequency, day_of_week=weekday) == period


def test_link_tokens_verify_and_forged_or_misused_ones_are_refused() -> None:
    signer = LinkSigner("secret-" * 6, ttl_s=3600)
    claims = LinkClaims("done", "c-1", "c-2", "2026-W48")
    token = signer.sign(claims)
    assert signer.verify("done", token) == claims
    with pytest.raises(TokenError, match="invalid"):
        signer.verify("never", token)  # made for another purpose
    with pytest.raises(TokenError, match="invalid"):
        signer.verify("done", token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    with pytest.raises(TokenError, match="invalid"):
        LinkSigner("another-secret-" * 3, ttl_s=3600).verify("done", token)
    # Expiry, on both sides of the TTL: tests/unit/test_notifier_boundaries.py.


def _candidate(other: str, stage: CandidateStage, gesture: Gesture) -> RevivalCandidate:
    return RevivalCandidate(
        other_id=other,
        other_name=f"Person {other}",
        stage=stage,
        score=0.5,
        components={"past": 0.8},
        strength=0.9,
        peak=12.0,
        last_at=datetime(2024, 6, 1, tzinfo=UTC),
        gesture=gesture,
        reasons=[
            WasStrongReason(
                params=WasStrongParams(
                    peak=12.0,
                    peak_at=date(2024, 3, 2),
                    kinds={"mission_together": 1, "lunch": 2},
                )
            ),
            LastSeenReason(params=LastSeenParams(last_at=date(2024, 6, 1))),
            SharedReason(params=TopicsParams(topics=["Python", "Voile"])),
            ReciprocityReason(params=ReciprocityParams(who="other", by_me=0, by_other=3)),
        ],
    )


def test_compose_keeps_what_the_graph_gave_dormant_and_cooling_apart_and_writes_reasons() -> None:
    reader = Reader("r", "Camille Martin", "camille@example.org", "fr")
    share = ShareGesture(params=ShareParams(topic="Voile"))
    # The graph was asked for three dormant and two cooling people: compose takes them all.
    dormant = [_candidate(f"d{i}", "dormant", share) for i in range(3)]
    cooling = [_candidate(f"c{i}", "cooling", InviteGesture()) for i in range(2)]
    digest = compose(
        reader,
        "2026-W48",
        [dormant[0], cooling[0], dormant[1], dormant[2], cooling[1]],
        texts=texts("fr"),
        kinds=load_kinds(),
    )
    assert [s.other_id for s in digest.dormant] == ["d0", "d1", "d2"]
    assert [s.other_id for s in digest.cooling] == ["c0", "c1"]
    first = digest.dormant[0]
    assert first.reasons == [
        "Votre lien était au plus fort en mars 2024 : une mission ensemble et un déjeuner (x2).",
        "Dernier échange : juin 2024.",
        "Vous partagez : Python et Voile.",
        "C'est surtout Person d0 qui prenait des nouvelles.",
    ]
    assert "Voile" in first.gesture
    assert digest.greeting == "Bonjour Camille,"


def test_nothing_worth_suggesting_makes_an_empty_digest() -> None:
    reader = Reader("r", "Camille", "c@example.org", "fr")
    digest = compose(reader, "2026-W48", [], texts=texts("fr"), kinds=load_kinds())
    assert digest.is_empty()


def test_wording_varies_between_people_and_weeks() -> None:
    reader = Reader("r", "Camille", "c@example.org", "en")
    gesture = ShareGesture(params=ShareParams(topic="sailing"))
    seen = set()
    for week in range(1, 9):
        digest = compose(
            reader,
            f"2026-W{week:02d}",
            [_candidate("d", "dormant", gesture)],
            texts=texts("en"),
            kinds=load_kinds(),
        )
        seen.add(digest.dormant[0].gesture)
        seen.add(digest.subject)
    assert len(seen) >= 5
