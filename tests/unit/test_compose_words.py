"""Composing a digest: which words, for whom, and what is left out when no words fit."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from braise_notifier.catalogs import Texts, texts
from braise_notifier.compose import Reader, compose
from braise_shared.candidates import (
    CandidateStage,
    Gesture,
    InviteGesture,
    Reason,
    RevivalCandidate,
    ShareGesture,
    ShareParams,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds

READER = Reader("r", "Camille Martin", "camille@example.org", "fr")
PERIOD = "2026-W48"


def _candidate(
    other: str, gesture: Gesture, reasons: list[Reason] | None = None
) -> RevivalCandidate:
    stage: CandidateStage = "dormant"
    return RevivalCandidate(
        other_id=other,
        other_name=f"Karim {other}",
        stage=stage,
        score=0.5,
        components={},
        strength=0.9,
        peak=12.0,
        last_at=datetime(2024, 6, 1, tzinfo=UTC),
        gesture=gesture,
        reasons=reasons or [],
    )


def _was_strong(kinds: dict[str, int]) -> WasStrongReason:
    return WasStrongReason(params=WasStrongParams(peak=12.0, peak_at=date(2024, 3, 2), kinds=kinds))


def test_the_digest_greets_and_introduces_in_the_words_its_seed_picks() -> None:
    fr = texts("fr")
    digest = compose(
        READER, PERIOD, [_candidate("1", InviteGesture())], texts=fr, kinds=load_kinds()
    )
    seed = f"{PERIOD}:{READER.id}"
    assert digest.period == PERIOD
    assert digest.subject == fr.get(fr.pick("subject", seed)[0], first="Camille")
    assert "Camille" in digest.subject
    assert digest.intro == fr.get(fr.pick("intro", seed)[0])
    gesture = digest.dormant[0].gesture
    assert gesture == fr.get(fr.pick("gesture.invite", f"{seed}:1")[0], name="Karim 1")
    assert "Karim 1" in gesture


@pytest.mark.parametrize(
    ("kinds", "said"),
    [
        # Weight times count decides: ten messages (5) before a lunch (3).
        ({"lunch": 1, "message": 10}, "un message (x10) et un déjeuner"),
        # Three kinds at most, the heaviest first.
        (
            {"mission_together": 1, "lunch": 2, "call": 1, "message": 1},
            "une mission ensemble, un déjeuner (x2) et un appel",
        ),
        # A kind the configuration no longer knows is named as it is, and weighs nothing.
        ({"visio": 5, "message": 1}, "un message et visio (x5)"),
    ],
)
def test_the_strongest_moments_are_named_heaviest_first(kinds: dict[str, int], said: str) -> None:
    digest = compose(
        READER,
        PERIOD,
        [_candidate("1", InviteGesture(), [_was_strong(kinds)])],
        texts=texts("fr"),
        kinds=load_kinds(),
    )
    assert said in digest.dormant[0].reasons[0]


@dataclass(frozen=True)
class WordlessInvite(Texts):
    """French, but with no words at all for an invitation."""

    def variants(self, prefix: str) -> list[str]:
        return [] if prefix == "gesture.invite" else super().variants(prefix)


@dataclass(frozen=True)
class SolicitingShare(Texts):
    """French, but the first words of every share ask for something."""

    def get(self, key: str, **params: object) -> str:
        if key == "gesture.share.1":
            return "Pourriez-vous m'aider à trouver une mission ?"
        return super().get(key, **params)


def test_a_person_whose_gesture_has_no_words_is_left_out_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    share = ShareGesture(params=ShareParams(topic="Voile"))
    candidates = [_candidate("1", InviteGesture()), _candidate("2", share)]
    with caplog.at_level(logging.ERROR, logger="braise_notifier.compose"):
        digest = compose(READER, PERIOD, candidates, texts=WordlessInvite("fr"), kinds=load_kinds())
    assert [s.other_id for s in digest.dormant] == ["2"]
    assert caplog.messages == [
        f"no words for gesture {InviteGesture()}: \"fr: no variants of 'gesture.invite'\""
    ]


def test_a_variant_the_guard_refuses_is_replaced_by_the_next_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    share = ShareGesture(params=ShareParams(topic="Voile"))
    words = SolicitingShare("fr")
    seeds = [f"{PERIOD}:{READER.id}:{n}" for n in range(30)]
    # A reader whose first pick is the soliciting variant.
    other = next(
        n for n, seed in enumerate(seeds) if words.pick("gesture.share", seed)[0].endswith(".1")
    )
    with caplog.at_level(logging.ERROR, logger="braise_notifier.compose"):
        digest = compose(
            READER, PERIOD, [_candidate(str(other), share)], texts=words, kinds=load_kinds()
        )
    assert digest.dormant[0].gesture == words.get(
        words.pick("gesture.share", seeds[other])[1], name=f"Karim {other}", topic="Voile"
    )
    assert caplog.messages == [
        "gesture variant gesture.share.1 refused by the no-ask guard: text asks for something "
        '(fr_help_me, fr_could_you_for_me): "Pourriez-vous m\'aider à trouver une mission ?"'
    ]
