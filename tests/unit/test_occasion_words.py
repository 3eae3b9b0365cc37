"""The firm's occasions in a digest: the words, the card order, the calendar file, the mail."""

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from icalendar import Calendar

from braise_cli.stack.mailkey import ensure_dkim_key
from braise_notifier.calendar_file import file_name, occasion_file
from braise_notifier.catalogs import texts
from braise_notifier.compose import compose
from braise_notifier.mailer import DkimKey, wire_bytes
from braise_notifier.pages.occasions import horizon_hint
from braise_notifier.wording import Words
from braise_shared.candidates import InviteGesture, InviteParams, JunctionParams, JunctionReason
from braise_shared.interactions import load_kinds
from braise_shared.taxonomy import load_taxonomy
from tests.support.digests import (
    BREAKFAST,
    WEBINAR,
    candidate,
    junction_candidate,
    sample_digests,
    sample_email,
)
from tests.support.mail import dkim_verifies

DIGESTS = sample_digests()
FR = Words(texts("fr"), load_kinds(), load_taxonomy())
EN = Words(texts("en"), load_kinds(), load_taxonomy())


def _plain(text: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", text)


def test_the_junction_names_the_occasion_its_day_and_hour_in_the_firms_time_zone() -> None:
    reason = JunctionReason(params=JunctionParams(occasion=BREAKFAST))
    phrase = FR.reason(reason, "Karim")
    text = _plain(FR.texts.get("reason.junction.1", contexts=(), **phrase.params))
    assert text == (
        "Karim et vous êtes attendus tous les deux à « Petit-déjeuner du cabinet », le jeudi "
        "17 décembre 2026 à 08:30, Café Pouchkine, 16 place de la Madeleine, Paris : "
        "l'occasion de prendre des nouvelles."
    )
    phrase = EN.reason(reason, "Karim")
    assert _plain(EN.texts.get("reason.junction.1", contexts=(), **phrase.params)) == (
        "Karim and you are both expected at “Petit-déjeuner du cabinet” on Thursday, December "
        "17, 2026 at 8:30 AM, Café Pouchkine, 16 place de la Madeleine, Paris: a chance to "
        "catch up."
    )
    # In another time zone the same moment is another hour.
    tokyo = Words(texts("en"), load_kinds(), load_taxonomy(), "Asia/Tokyo")
    assert "4:30 PM" in _plain(str(tokyo.occasion(BREAKFAST)["when"]))


def test_an_invitation_to_an_occasion_says_online_and_the_coffee_stays_without_one() -> None:
    online = InviteGesture(params=InviteParams(occasion=WEBINAR))
    phrase = FR.gesture(online, "Karim")
    assert phrase.prefix == "gesture.invite.occasion"
    assert phrase.params["place"] == "en ligne"
    assert EN.gesture(online, "Karim").params["place"] == "online"
    assert FR.gesture(InviteGesture(params=InviteParams(city="Lyon")), "Karim").prefix == (
        "gesture.invite.city"
    )
    assert FR.gesture(InviteGesture(), "Karim").prefix == "gesture.invite.call"
    met = InviteGesture(params=InviteParams(occasion=BREAKFAST))
    assert FR.gesture(met, "Karim", junction=True).prefix == "gesture.invite.junction"
    # The draft stands alone: it names the occasion even at a junction.
    draft = FR.draft(met, "Karim", junction=True)
    assert (draft.prefix, draft.params["title"]) == (
        "draft.invite.junction",
        "Petit-déjeuner du cabinet",
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_junction_card_is_the_first_card_even_when_it_is_cooling(locale: str) -> None:
    digest = DIGESTS[f"{locale}-occasions"]
    first = digest.suggestions[0]
    assert (first.name, first.stage, first.junction) == ("Élodie Lefèvre", "cooling", True)
    assert first.reason_codes[0] == "junction"
    assert [o.fact.occasion_id for o in digest.occasions()] == [
        BREAKFAST.occasion_id,
        WEBINAR.occasion_id,
    ]
    # The occasion is said once, in the first line; the gesture does not repeat it.
    assert "Petit-déjeuner" in first.reasons[0]
    assert "Petit-déjeuner" not in first.gesture
    assert "17" not in first.gesture


def test_junctions_come_first_within_their_stage_and_dormant_first_among_equals() -> None:
    people = [candidate(1, "Karim Benali", "dormant", InviteGesture())]
    people.append(junction_candidate(2, "Léa Dubois", "dormant"))
    people.append(junction_candidate(3, "Zoé Martin", "cooling"))
    reader = DIGESTS["fr-full"].reader
    digest = compose(
        reader, "2026-W50", people, texts=texts("fr"), kinds=FR.kinds, taxonomy=FR.taxonomy
    )
    assert [s.name for s in digest.suggestions] == ["Léa Dubois", "Karim Benali", "Zoé Martin"]
    assert [s.junction for s in digest.suggestions] == [True, False, True]
    # Two cards at one breakfast: each names it in a line of its own.
    assert digest.suggestions[0].reasons[0] != digest.suggestions[2].reasons[0]
    assert len(digest.occasions()) == 1


def test_the_calendar_file_is_a_published_event_without_attendees() -> None:
    stamp = datetime(2026, 12, 7, 11, tzinfo=UTC)
    made = occasion_file(
        BREAKFAST, location="Café Pouchkine, Paris", domain="braise.example.org", stamp=stamp
    )
    assert made.filename == "petit-dejeuner-du-cabinet.ics"
    calendar = Calendar.from_ical(made.content)
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{BREAKFAST.occasion_id}@braise.example.org"
    assert event.decoded("DTSTART") == BREAKFAST.starts_at
    assert event.decoded("DTEND") == BREAKFAST.ends_at
    assert "DTSTART:20261217T073000Z" in made.content
    assert str(event["SUMMARY"]) == "Petit-déjeuner du cabinet"
    assert str(event["LOCATION"]) == "Café Pouchkine, Paris"
    assert "ATTENDEE" not in made.content
    assert "ORGANIZER" not in made.content
    assert file_name("« ! »") == "occasion.ics"


def _calendars(message: EmailMessage) -> list[tuple[str | None, Calendar]]:
    return [
        (part.get_filename(), Calendar.from_ical(part.get_content()))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_mail_carries_one_calendar_file_per_occasion_signed_and_checked(
    locale: str, tmp_path: Path
) -> None:
    files = ensure_dkim_key(tmp_path / "dkim")
    key = DkimKey.load(selector=files.selector, domain=files.domain, path=files.private_key)
    raw = wire_bytes(sample_email(DIGESTS[f"{locale}-occasions"]), key)  # header checks pass
    assert dkim_verifies(raw, files)
    assert not dkim_verifies(
        raw.replace(b"dejeuner-du-cabinet.ics", b"dejeuner-du-cabinet.icz"), files
    )
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/mixed"
    calendars = _calendars(parsed)
    assert [name for name, _ in calendars] == [
        "petit-dejeuner-du-cabinet.ics",
        "atelier-ia-generative-en-visio.ics",
    ]
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            assert part.get_param("method") == "PUBLISH"
    (_, breakfast), (_, webinar) = calendars
    (event,) = breakfast.walk("VEVENT")
    assert str(event["UID"]) == f"{BREAKFAST.occasion_id}@braise.example.org"
    (online,) = webinar.walk("VEVENT")
    assert str(online["LOCATION"]) == ("en ligne" if locale == "fr" else "online")
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    text = _plain(body.get_content())
    assert "petit-dejeuner-du-cabinet.ics" in text
    assert ("est joint" if locale == "fr" else "is attached") in text


def test_a_digest_naming_no_occasion_attaches_nothing() -> None:
    parsed = sample_email(DIGESTS["fr-full"])
    assert _calendars(parsed) == []
    assert parsed.get_content_type() == "multipart/alternative"


SEMINAR = BREAKFAST.model_copy(
    update={
        "occasion_id": "0c0ffee0-0000-4000-8000-00000000000c",
        "title": "Séminaire du cabinet",
        # Whole days in Paris: midnight of Thursday 17 to midnight after it (23:00Z).
        "starts_at": datetime(2026, 12, 16, 23, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 17, 23, 0, tzinfo=UTC),
        "all_day": True,
        "revision": 3,
    }
)


def test_an_all_day_occasion_says_its_day_or_days_and_never_an_hour() -> None:
    assert (
        _plain(str(FR.occasion(SEMINAR)["when"])) == "le jeudi 17 décembre 2026, toute la journée"
    )
    assert _plain(str(EN.occasion(SEMINAR)["when"])) == "on Thursday, December 17, 2026, all day"
    three = SEMINAR.model_copy(update={"ends_at": datetime(2026, 12, 19, 23, 0, tzinfo=UTC)})
    assert _plain(str(FR.occasion(three)["when"])) == (
        "du jeudi 17 décembre 2026 au samedi 19 décembre 2026"
    )
    reason = JunctionReason(params=JunctionParams(occasion=SEMINAR))
    phrase = FR.reason(reason, "Karim")
    text = _plain(FR.texts.get("reason.junction.1", contexts=(), **phrase.params))
    assert "00:00" not in text
    assert "le jeudi 17 décembre 2026, toute la journée" in text


def test_an_all_day_calendar_file_gives_local_dates_and_every_file_its_revision() -> None:
    stamp = datetime(2026, 12, 7, 11, tzinfo=UTC)
    made = occasion_file(SEMINAR, location="Paris", domain="braise.example.org", stamp=stamp)
    assert "DTSTART;VALUE=DATE:20261217" in made.content
    assert "DTEND;VALUE=DATE:20261218" in made.content
    assert "T230000Z" not in made.content
    assert "SEQUENCE:3" in made.content
    timed = occasion_file(BREAKFAST, location="Paris", domain="braise.example.org", stamp=stamp)
    assert "SEQUENCE:1" in timed.content
    # In another firm's time zone the same whole day is still its own local date.
    tokyo = SEMINAR.model_copy(
        update={
            "starts_at": datetime(2026, 12, 16, 15, 0, tzinfo=UTC),
            "ends_at": datetime(2026, 12, 18, 15, 0, tzinfo=UTC),
        }
    )
    made = occasion_file(
        tokyo, location="Tokyo", domain="braise.example.org", stamp=stamp, timezone="Asia/Tokyo"
    )
    assert "DTSTART;VALUE=DATE:20261217" in made.content
    assert "DTEND;VALUE=DATE:20261219" in made.content


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_a_junction_whose_line_was_dropped_invites_without_the_occasion(locale: str) -> None:
    # Three people named Karim at one breakfast: the junction's two variants are said for the
    # first two, the third card's junction line would repeat one and is dropped.
    people = [junction_candidate(n, f"Karim {last}", "dormant") for n, last in enumerate("ABC")]
    reader = DIGESTS[f"{locale}-full"].reader
    words = FR if locale == "fr" else EN
    digest = compose(
        reader, "2026-W50", people, texts=texts(locale), kinds=words.kinds, taxonomy=words.taxonomy
    )
    dropped = [s for s in digest.suggestions if not s.junction]
    assert dropped, "a card whose junction line was dropped"
    for card in dropped:
        assert "junction" not in card.reason_codes
        assert BREAKFAST.title not in card.gesture
        assert card.occasions == ()
        assert card.draft is not None
        assert BREAKFAST.title not in card.draft.body
        # The shared city's coffee instead (both live in Paris).
        assert "Paris" in card.gesture


def test_the_firm_views_hint_says_the_graphs_horizon_in_weeks_or_days() -> None:
    fr, en = texts("fr"), texts("en")
    assert horizon_hint(fr, 42).startswith("Celles des 6 prochaines semaines,")
    assert horizon_hint(en, 42).startswith("Those of the next 6 weeks,")
    assert horizon_hint(fr, 10).startswith("Celles des 10 prochains jours,")
    assert horizon_hint(en, 10).startswith("Those of the next 10 days,")
    assert horizon_hint(fr, 7).startswith("Celles des 7 prochains jours,")
    assert horizon_hint(fr, 1).startswith("Celles des prochaines 24 heures,")
    assert horizon_hint(en, 2.5).startswith("Those of the next 2.5 days,")
    assert _plain(horizon_hint(fr, 2.5)).startswith("Celles des 2,5 prochains jours,")
