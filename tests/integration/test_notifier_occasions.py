"""A real digest through the worker, the graph API and the SMTP sink: two dormant-linked
consultants both expected at an upcoming breakfast get a digest that opens on it, with a
valid calendar file; a firm with no upcoming occasion gets no invitation to one."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from icalendar import Calendar
from neo4j import Driver

from braise_shared.events import Event
from tests.support import events as ev
from tests.support.notifier import (
    MONDAY,
    NotifierUnderTest,
    firm_of_dormant_friends,
    notifier_under_test,
    parts,
    reader_event,
)
from tests.support.servers import SessionServers

DAY = 86_400.0
TITLE = "Petit-déjeuner du jeudi"


@pytest.fixture
def notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    redis_client: redis.Redis,
) -> Iterator[NotifierUnderTest]:
    with notifier_under_test(tmp_path, servers, neo4j_driver, maildir) as running:
        yield running


def _firm() -> list[Event]:
    """Reader 1 with two dormant links: Ami 1 (their old friend) and a stronger one, Ami 2."""
    events = firm_of_dormant_friends([reader_event(1)])
    events.append(reader_event(2002, name="Ami 2", day="sunday"))
    old = time.time() - 500 * DAY
    events += [ev.interaction([1, 2002], old + d * DAY, kind="mission_together") for d in (0, 5, 9)]
    return events


def _calendars(mail: EmailMessage) -> list[Calendar]:
    return [
        Calendar.from_ical(part.get_content())
        for part in mail.walk()
        if part.get_content_type() == "text/calendar"
    ]


def test_a_junction_opens_the_digest_with_the_breakfast_and_its_calendar_file(
    notifier: NotifierUnderTest,
) -> None:
    starts = float(int(time.time() + 10 * DAY))  # whole seconds, as a calendar file says
    breakfast = ev.occasion(1, starts, [1, 1001], title=TITLE)
    notifier.know([*_firm(), breakfast])
    notifier.plan_due(MONDAY)
    notifier.wait_final(1)
    (mail,) = notifier.mails()
    text = parts(mail)["text"].replace("\u00a0", " ").replace("\u202f", " ")
    cards = text.split("\n* ")[1:]
    assert [card.splitlines()[0] for card in cards] == ["Ami 1", "Ami 2"]
    first = cards[0].splitlines()[2].strip()
    assert first.startswith("Ami et vous êtes attendus tous les deux à « Petit-déjeuner du jeudi »")
    starts_utc = datetime.fromtimestamp(starts, UTC)
    assert "Café Pouchkine, 16 place de la Madeleine, Paris" in first
    assert "petit-dejeuner-du-jeudi.ics est joint" in cards[0]
    (calendar,) = _calendars(mail)
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{ev.oid(1)}@braise.example.org"
    assert event.decoded("DTSTART") == starts_utc
    assert event.decoded("DTEND") == breakfast.data.ends_at
    assert str(event["SUMMARY"]) == TITLE
    assert "ATTENDEE" not in calendar.to_ical().decode()


def test_a_firm_with_no_upcoming_occasion_gets_no_invitation_to_one(
    notifier: NotifierUnderTest,
) -> None:
    past = ev.occasion(1, time.time() - 2 * DAY, [1, 1001], title=TITLE)
    notifier.know([*_firm(), past])
    notifier.plan_due(MONDAY)
    notifier.wait_final(1)
    (mail,) = notifier.mails()
    text = parts(mail)["text"]
    assert TITLE not in text
    assert ".ics" not in text
    assert _calendars(mail) == []
    assert mail.get_content_type() == "multipart/alternative"
