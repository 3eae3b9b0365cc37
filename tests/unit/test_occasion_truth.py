"""The truth oracle fails a card that says of an occasion what the calendar does not: one
withdrawn, moved, past, in another city, a junction one of the two is not expected at, or an
invitation to what one of them declined or the other is expected at already.

The cards are composed and rendered by the notifier from facts written here, some of them
false on purpose; the oracle reads them against the occasions published.
"""

from datetime import UTC, datetime

import pytest

from braise_notifier.catalogs import texts
from braise_notifier.compose import Reader, compose
from braise_notifier.render import render_parts
from braise_shared.candidates import (
    Gesture,
    InviteGesture,
    InviteParams,
    JunctionParams,
    JunctionReason,
    LastSeenParams,
    LastSeenReason,
    OccasionFact,
    Reason,
    RevivalCandidate,
)
from braise_shared.events import OccasionScheduledV1, OccasionWithdrawnV1
from braise_shared.interactions import load_kinds
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev
from tests.support.digests import PREFERENCES_URL, PUBLIC_URL, SIGNER
from tests.support.truth import Act, Oracle, text_cards
from tests.support.truth_occasions import OccasionOracle

NOW = datetime(2026, 12, 7, 7, tzinfo=UTC).timestamp()
DAY = 86_400.0
LAST = NOW - 200 * DAY
READER, OTHER = str(ev.cid(1)), str(ev.cid(2))
NAMES = {READER: "Camille Martin", OTHER: "Karim Benali"}
IDEA = {"fr": "Une idée", "en": "An idea"}

BREAKFAST = ev.occasion(1, NOW + 10 * DAY, [1, 2], title="Petit-déjeuner du jeudi")
ONLY_ME = ev.occasion(2, NOW + 12 * DAY, [1], title="Déjeuner des anciens")
MOVED = ev.occasion(3, NOW + 3 * DAY, [1, 2], title="Atelier data")
MOVED_AGAIN = ev.occasion(3, NOW + 9 * DAY, [1], revision=2, title="Atelier data")
CANCELLED = ev.occasion(4, NOW + 4 * DAY, [1, 2], title="Soirée annulée")
YESTERDAY = ev.occasion(5, NOW - DAY, [1, 2], title="Conférence d'hier")
IN_LYON = ev.occasion(6, NOW + 6 * DAY, [], title="Afterwork lyonnais", city="Lyon")
THEY_DECLINED = ev.occasion(7, NOW + 5 * DAY, [1], declined=[2], title="Déjeuner de Noël")
I_DECLINED = ev.occasion(8, NOW + 7 * DAY, [], declined=[1], title="Atelier Rust")
# Thursday 17 December 2026, all day in Paris (from 23:00 UTC the day before).
SEMINAR = ev.occasion(
    9,
    datetime(2026, 12, 16, 23, tzinfo=UTC).timestamp(),
    [1, 2],
    title="Séminaire du cabinet",
    all_day=True,
    hours=24,
)
CALENDAR: list[OccasionScheduledV1 | OccasionWithdrawnV1] = [
    BREAKFAST,
    ONLY_ME,
    MOVED,
    MOVED_AGAIN,
    CANCELLED,
    ev.withdrawn(4, 2),
    YESTERDAY,
    IN_LYON,
    THEY_DECLINED,
    I_DECLINED,
    SEMINAR,
]


def _fact(event: OccasionScheduledV1) -> OccasionFact:
    data = event.data
    return OccasionFact(
        occasion_id=str(data.occasion_id),
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place,
        city=data.city,
        online=data.online,
        all_day=data.all_day,
        revision=data.revision,
    )


def _verdict(locale: str, reasons: list[Reason], gesture: Gesture) -> list[str]:
    """Compose and render one card with these facts; return what the oracle finds false."""
    last = LastSeenReason(
        params=LastSeenParams(last_at=datetime.fromtimestamp(LAST, UTC).date(), kind="call")
    )
    candidate = RevivalCandidate(
        other_id=OTHER,
        other_name=NAMES[OTHER],
        stage="dormant",
        score=0.5,
        components={},
        strength=0.5,
        peak=10.0,
        last_at=datetime.fromtimestamp(LAST, UTC),
        reasons=[*reasons, last],
        gesture=gesture,
    )
    reader = Reader(READER, NAMES[READER], "camille@example.org", locale)
    digest = compose(
        reader,
        "2026-W50",
        [candidate],
        texts=texts(locale),
        kinds=load_kinds(),
        taxonomy=load_taxonomy(),
    )
    _html, text = render_parts(
        digest, texts(locale), SIGNER, PUBLIC_URL, preferences_url=PREFERENCES_URL
    )
    cards = text_cards(text, IDEA[locale])
    told = OccasionOracle(CALENDAR, {READER: "Paris", OTHER: "paris"}, NOW)
    oracle = Oracle([Act(LAST, "call", (READER, OTHER), 3.0)], NAMES, NOW, told)
    return oracle.check(locale, READER, cards, "").false


def _junction(event: OccasionScheduledV1) -> tuple[list[Reason], Gesture]:
    fact = _fact(event)
    gesture = InviteGesture(params=InviteParams(city="Paris", occasion=fact))
    return [JunctionReason(params=JunctionParams(occasion=fact))], gesture


def _invite(event: OccasionScheduledV1) -> tuple[list[Reason], Gesture]:
    return [], InviteGesture(params=InviteParams(city="Paris", occasion=_fact(event)))


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_true_statements_about_occasions_pass(locale: str) -> None:
    assert _verdict(locale, *_junction(BREAKFAST)) == []
    assert _verdict(locale, *_junction(SEMINAR)) == []
    assert _verdict(locale, *_invite(ONLY_ME)) == []
    assert _verdict(locale, *_invite(MOVED_AGAIN)) == []


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize(
    ("facts", "found"),
    [
        (_junction(CANCELLED), "withdrawn"),
        (_invite(CANCELLED), "withdrawn"),
        (_junction(MOVED), "another day or hour"),
        (_invite(MOVED), "another day or hour"),
        (_junction(ONLY_ME), "they are not"),
        (_junction(YESTERDAY), "not upcoming"),
        (_invite(YESTERDAY), "not upcoming"),
        (_invite(IN_LYON), "do not both live"),
        (_invite(THEY_DECLINED), "declined"),
        (_invite(I_DECLINED), "declined"),
        (_invite(BREAKFAST), "expected at already"),
    ],
    ids=[
        "junction-withdrawn",
        "invite-withdrawn",
        "junction-moved",
        "invite-moved",
        "junction-one-not-expected",
        "junction-past",
        "invite-past",
        "invite-other-city",
        "invite-they-declined",
        "invite-i-declined",
        "invite-they-attend",
    ],
)
def test_false_statements_about_occasions_are_found(
    locale: str, facts: tuple[list[Reason], Gesture], found: str
) -> None:
    false = _verdict(locale, *facts)
    assert any(found in f for f in false), false


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_a_gesture_built_on_a_junction_the_card_does_not_state_is_found(locale: str) -> None:
    reasons, gesture = _junction(BREAKFAST)
    # Without its junction reason the notifier words the invitation as to the occasion
    # itself, which the oracle finds false: the other is expected there already.
    assert any("expected at already" in f for f in _verdict(locale, [], gesture))
    told = OccasionOracle(CALENDAR, {}, NOW)
    false: list[str] = []
    said = (
        "Écrivez à Karim que vous aurez plaisir à l'y retrouver."
        if locale == "fr"
        else ("Write to Karim that you look forward to seeing them there.")
    )
    told.gesture(locale, said, (READER, OTHER), "card", false, junction=False)
    assert false == ["card: a gesture built on a junction the card does not state"]
    assert reasons
