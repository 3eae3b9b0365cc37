"""Who attends by their answer (PARTSTAT), all-day events, the addresses Braise reads from,
and a document without an erased person: pure, no server."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from braise_profiles.calendars.addresses import (
    AddressError,
    PrivateAddressError,
    check_url,
    is_public,
)
from braise_profiles.calendars.parsing import parse_calendar, without_person
from tests.support.calendars import attendee, document, event

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 17, 7, 30, tzinfo=UTC)
WINDOW = {"window_start": START - timedelta(days=30), "window_end": START + timedelta(days=30)}


def test_only_who_accepted_attends_and_who_declined_is_apart() -> None:
    data = document(
        event(
            "a@x",
            "Afterwork",
            START,
            START + timedelta(hours=2),
            invited=[
                ("accepted@cabinet.example", "ACCEPTED"),
                ("declined@cabinet.example", "DECLINED"),
                ("needs@cabinet.example", "NEEDS-ACTION"),
                ("maybe@cabinet.example", "TENTATIVE"),
                ("delegated@cabinet.example", "DELEGATED"),
                ("silent@cabinet.example", None),
            ],
        )
    )
    [o] = parse_calendar(data, zone=PARIS, **WINDOW).occurrences  # type: ignore[arg-type]
    assert o.attendees == ("accepted@cabinet.example",)
    assert o.declined == ("declined@cabinet.example",)


def test_an_event_of_a_day_is_all_day_at_the_firms_midnights_and_a_timed_one_is_not() -> None:
    day = icalendar.Event()
    day.add("uid", "d@x")
    day.add("summary", "Séminaire")
    day.add("dtstart", date(2026, 12, 18))
    day.add("dtend", date(2026, 12, 20))
    timed = event("t@x", "Petit-déjeuner", START, START + timedelta(hours=1))
    parsed = parse_calendar(document(day, timed), zone=PARIS, **WINDOW)  # type: ignore[arg-type]
    by_uid = {o.uid: o for o in parsed.occurrences}
    assert by_uid["d@x"].all_day is True
    assert (by_uid["d@x"].starts_at, by_uid["d@x"].ends_at) == (
        datetime(2026, 12, 17, 23, tzinfo=UTC),
        datetime(2026, 12, 19, 23, tzinfo=UTC),
    )
    assert by_uid["t@x"].all_day is False


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("10.1.2.3", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not one listened on
        ("224.0.0.1", False),
        ("::1", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_only_global_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/cal.ics",
        "http://10.0.0.7/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/cal.ics",
        "https://[fc00::5]/dav/",
        "http://localhost/cal.ics",
    ],
)
def test_a_url_to_a_private_or_local_address_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(PrivateAddressError, match="private or local network"):
        check_url(url, allow_private=False)
    check_url(url, allow_private=True)


def test_a_public_literal_is_read_and_a_scheme_other_than_http_is_not() -> None:
    check_url("https://93.184.216.34/cal.ics", allow_private=False)
    with pytest.raises(AddressError, match="http or https"):
        check_url("file:///etc/passwd", allow_private=True)


def test_a_document_without_a_person_keeps_everything_else() -> None:
    vevent = event(
        "e@x",
        "Petit-déjeuner",
        START,
        START + timedelta(hours=1),
        attendees=["bruno@cabinet.example"],
        organizer="Alice@Cabinet.example",
    )
    mine = attendee("alice@cabinet.example")
    mine.params["CN"] = "Alice Martin"
    vevent.add("attendee", mine)
    data = document(vevent)
    assert without_person(data, "chloe@cabinet.example") is None
    rewritten = without_person(data, "alice@cabinet.example")
    assert rewritten is not None
    assert b"alice" not in rewritten.lower()
    assert b"Alice Martin" not in rewritten
    [o] = parse_calendar(rewritten, zone=PARIS, **WINDOW).occurrences  # type: ignore[arg-type]
    assert (o.title, o.attendees, o.organizer) == (
        "Petit-déjeuner",
        ("bruno@cabinet.example",),
        None,
    )
