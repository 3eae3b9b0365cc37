"""Reading iCalendar documents into occurrences: pure, no server."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from braise_profiles.calendars.parsing import (
    MalformedCalendarError,
    city_of,
    parse_calendar,
)
from braise_profiles.calendars.secrets import Connection, new_key, seal, unseal
from braise_profiles.calendars.store import meeting_key, occasion_id
from braise_profiles.config import ProfilesSettings
from tests.support.calendars import document, event

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 17, 7, 30, tzinfo=UTC)
WINDOW = {"window_start": START - timedelta(days=180), "window_end": START + timedelta(days=120)}


def _parse(data: bytes, **extra: object) -> list:  # type: ignore[type-arg]
    return parse_calendar(data, zone=PARIS, **WINDOW, **extra).occurrences  # type: ignore[arg-type]


def test_attendees_are_lower_case_without_mailto_and_without_who_declined() -> None:
    data = document(
        event(
            "a@x",
            "Petit-déjeuner",
            START,
            START + timedelta(hours=1),
            attendees=["Alice@Cabinet.Example", "bruno@cabinet.example"],
            declined=["BRUNO@cabinet.example", "chloe@cabinet.example"],
            organizer="Org@Cabinet.example",
        )
    )
    [o] = _parse(data)
    assert o.attendees == ("alice@cabinet.example",)
    assert o.declined == ("bruno@cabinet.example", "chloe@cabinet.example")
    assert o.organizer == "org@cabinet.example"
    assert (o.recurrence, o.lunch) == ("", False)


@pytest.mark.parametrize(
    ("location", "conference", "online", "place", "city"),
    [
        (
            "Café, 16 place de la Madeleine, 75008 Paris",
            None,
            False,
            "Café, 16 place de la Madeleine, 75008 Paris",
            "Paris",
        ),
        ("https://meet.example.org/abc", None, True, None, None),
        (None, "https://meet.google.com/abc", True, None, None),
        ("Salle Rivoli", "https://meet.google.com/abc", False, "Salle Rivoli", "Nantes"),
        ("Salle Rivoli", None, False, "Salle Rivoli", "Nantes"),
    ],
)
def test_place_city_and_online(
    location: str | None, conference: str | None, online: bool, place: str | None, city: str | None
) -> None:
    vevent = event("a@x", "Afterwork", START, START + timedelta(hours=2), conference=conference)
    if location is not None:
        vevent.add("location", location)
    [o] = _parse(document(vevent), default_city="Nantes")
    assert (o.online, o.place, o.city) == (online, place, city)


def test_floating_times_and_all_day_events_are_the_firms_local_time() -> None:
    floating = event(
        "f@x", "Déjeuner d'équipe", datetime(2026, 12, 17, 12, 30), datetime(2026, 12, 17, 14)
    )
    day = icalendar.Event()
    day.add("uid", "d@x")
    day.add("summary", "Séminaire")
    day.add("dtstart", date(2026, 12, 18))
    a, b = sorted(_parse(document(floating, day)), key=lambda o: o.starts_at)
    assert a.starts_at == datetime(2026, 12, 17, 11, 30, tzinfo=UTC)
    assert a.lunch is True
    assert (b.starts_at, b.ends_at - b.starts_at) == (
        datetime(2026, 12, 17, 23, tzinfo=UTC),
        timedelta(days=1),
    )


def test_a_breakfast_is_no_lunch_and_an_event_without_uid_or_duration_is_set_aside() -> None:
    data = document(
        event("p@x", "Petit-déjeuner du cabinet", START, START + timedelta(hours=1)),
        event(None, "Sans UID", START, START + timedelta(hours=1)),
        event("z@x", "Zéro minute", START, START),
    )
    parsed = parse_calendar(data, zone=PARIS, **WINDOW)  # type: ignore[arg-type]
    assert [o.lunch for o in parsed.occurrences] == [False]
    assert dict(parsed.skipped) == {"no_uid": 1, "no_duration": 1}


def test_a_series_keys_each_occurrence_by_its_original_start() -> None:
    series = event(
        "s@x",
        "Club",
        START,
        START + timedelta(hours=1),
        rrule={"freq": "weekly", "count": 4},
        exdates=[START + timedelta(weeks=1)],
    )
    moved = event(
        "s@x",
        "Club (salle B)",
        START + timedelta(weeks=2, hours=3),
        START + timedelta(weeks=2, hours=4),
        recurrence_id=START + timedelta(weeks=2),
    )
    cancelled = event(
        "s@x",
        "Club",
        START + timedelta(weeks=3),
        START + timedelta(weeks=3, hours=1),
        recurrence_id=START + timedelta(weeks=3),
        status="CANCELLED",
    )
    found = {o.recurrence: o for o in _parse(document(series, moved, cancelled))}
    keys = [(START + timedelta(weeks=w)).isoformat() for w in (0, 2, 3)]
    assert sorted(found) == keys
    assert found[keys[1]].starts_at == START + timedelta(weeks=2, hours=3)
    assert found[keys[1]].title == "Club (salle B)"
    assert [found[k].cancelled for k in keys] == [False, False, True]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"no calendar here", "not a readable iCalendar document"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "not a readable iCalendar document"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b@x\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "event b@x: DTSTART is not a date or a time",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:c@x\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "event c@x: DTSTART is missing",
        ),
    ],
)
def test_a_malformed_document_names_its_problem(data: bytes, problem: str) -> None:
    with pytest.raises(MalformedCalendarError, match=problem):
        _parse(data)


@given(st.text(max_size=80), st.sampled_from(["Paris", "Lyon", None]))
def test_a_city_is_one_line_without_digits_or_the_default(
    location: str, default: str | None
) -> None:
    city = city_of(location, default)
    assert (
        city is None
        or city == default
        or (city.strip() == city and not any(c.isdigit() for c in city) and "," not in city)
    )


@given(st.uuids(), st.text(min_size=1, max_size=40), st.text(max_size=30))
def test_ids_are_the_same_at_every_import_and_the_meeting_key_ignores_the_calendar(
    calendar: object, uid: str, recurrence: str
) -> None:
    assert occasion_id(calendar, uid, recurrence) == occasion_id(calendar, uid, recurrence)  # type: ignore[arg-type]
    assert meeting_key(uid, recurrence) == meeting_key(uid, recurrence)
    assert occasion_id(calendar, uid, recurrence) != meeting_key(uid, recurrence)  # type: ignore[arg-type]


def test_credentials_are_sealed_and_a_changed_key_cannot_read_them() -> None:
    key = new_key().encode()
    sealed = seal(Connection("https://cal.example/a/", "alice", "s3cret"), key)
    assert b"s3cret" not in sealed
    assert b"alice" not in sealed
    assert unseal(sealed, key).password == "s3cret"
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        unseal(sealed, new_key().encode())


def test_production_refuses_a_missing_or_published_calendar_key() -> None:
    strong = "a-Strong-jwt-secret-0123456789-abcdefghij"
    with pytest.raises(ValueError, match="BRAISE_PROFILES_CALENDAR_KEY must be set"):
        ProfilesSettings(environment="production", BRAISE_JWT_SECRET=strong)
    with pytest.raises(ValueError, match="development key"):
        ProfilesSettings(
            environment="production",
            BRAISE_JWT_SECRET=strong,
            calendar_key="YnJhaXNlLWRldi1jYWxlbmRhci1rZXktMDEyMzQ1Njc=",
        )
    with pytest.raises(ValueError, match="must be a Fernet key"):
        ProfilesSettings(calendar_key="short")
    ProfilesSettings(environment="production", BRAISE_JWT_SECRET=strong, calendar_key=new_key())
