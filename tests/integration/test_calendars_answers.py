"""Who attends an occasion or a meeting is who accepted (or organized it); who declined is
listed apart; an all-day event says so. Real database, real Redis, a real HTTP server."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
import pytest
import redis

from tests.support.calendars import document, event, ics_server
from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
DAY = timedelta(days=1)
NAMES = ("alice", "bruno", "chloe", "dan", "eve")


@pytest.fixture
def profiles(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(sql_url, servers.endpoints.redis_url) as running:
        yield running


def _people(profiles: ProfilesUnderTest) -> dict[str, str]:
    return {n: profiles.register(f"{n}@cabinet.example", n.title())["id"] for n in NAMES}


def _mail(name: str) -> str:
    return f"{name}@cabinet.example"


def _events(profiles: ProfilesUnderTest, kind: str) -> list[dict[str, Any]]:
    profiles.drain()
    return [e["data"] for e in profiles.stream_events() if e["type"] == kind]


def test_occasions_list_who_accepted_or_organized_and_who_declined_and_say_all_day(
    profiles: ProfilesUnderTest,
) -> None:
    ids = _people(profiles)
    seminar = icalendar.Event()
    seminar.add("uid", "seminar@cabinet.example")
    seminar.add("summary", "Séminaire annuel")
    seminar.add("dtstart", (NOW + 20 * DAY).date())
    seminar.add("dtend", (NOW + 22 * DAY).date())
    start = NOW + 10 * DAY
    data = document(
        seminar,
        event(
            "breakfast@cabinet.example",
            "Petit-déjeuner du cabinet",
            start,
            start + timedelta(hours=1),
            organizer=_mail("eve"),
            invited=[
                (_mail("alice"), "ACCEPTED"),
                (_mail("bruno"), "NEEDS-ACTION"),
                (_mail("chloe"), "DECLINED"),
                (_mail("dan"), "TENTATIVE"),
            ],
        ),
        event(  # ended: one accepted, the others did not answer: no interaction
            "training@cabinet.example",
            "Formation",
            NOW - 5 * DAY,
            NOW - 5 * DAY + timedelta(hours=2),
            invited=[(_mail("alice"), "ACCEPTED"), (_mail("bruno"), None)],
        ),
        event(  # ended: who accepted and who organized it met; who answered maybe did not
            "afterwork@cabinet.example",
            "Afterwork",
            NOW - 3 * DAY,
            NOW - 3 * DAY + timedelta(hours=2),
            organizer=_mail("bruno"),
            invited=[(_mail("alice"), "ACCEPTED"), (_mail("chloe"), "TENTATIVE")],
        ),
    )
    response = profiles.client.post(
        "/v1/calendars/ics",
        content=data,
        headers={**admin_headers(), "Content-Type": "text/calendar"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["interactions"] == 1

    occasions = {o["title"]: o for o in _events(profiles, "occasion.scheduled")}
    breakfast = occasions["Petit-déjeuner du cabinet"]
    assert sorted(breakfast["attendees"]) == sorted([ids["alice"], ids["eve"]])
    assert breakfast["declined"] == [ids["chloe"]]
    assert breakfast["all_day"] is False
    day = occasions["Séminaire annuel"]
    assert day["all_day"] is True
    assert day["starts_at"].endswith(("T23:00:00Z", "T22:00:00Z"))  # Paris' midnight, in UTC
    first = date.fromisoformat(day["starts_at"][:10]) + DAY
    assert first == (NOW + 20 * DAY).date()
    assert sorted(occasions["Formation"]["attendees"]) == [ids["alice"]]

    [met] = _events(profiles, "interaction.recorded")
    assert met["note"] == "Afterwork"
    assert sorted(met["participants"]) == sorted([ids["alice"], ids["bruno"]])


def test_a_consultants_meeting_counts_only_when_its_owner_and_another_accepted(
    profiles: ProfilesUnderTest,
) -> None:
    ids = _people(profiles)
    ago = NOW - 2 * DAY
    data = document(
        event(  # bruno has not answered
            "m1@mail.example",
            "Point",
            ago,
            ago + timedelta(hours=1),
            organizer="client@dehors.example",
            invited=[(_mail("alice"), "ACCEPTED"), (_mail("bruno"), "NEEDS-ACTION")],
        ),
        event(  # alice, the owner, has not answered
            "m2@mail.example",
            "Point",
            ago + timedelta(hours=2),
            ago + timedelta(hours=3),
            organizer=_mail("bruno"),
            invited=[(_mail("alice"), "NEEDS-ACTION")],
        ),
        event(  # alice organized it and chloe accepted: they met
            "m3@mail.example",
            "Déjeuner",
            ago + timedelta(hours=4),
            ago + timedelta(hours=5),
            organizer=_mail("alice"),
            invited=[(_mail("chloe"), "ACCEPTED"), (_mail("dan"), "DECLINED")],
        ),
    )
    with ics_server() as server:
        server.serve("/alice.ics", data)
        response = profiles.client.put(
            f"/v1/consultants/{ids['alice']}/calendar",
            json={"source": "ics_url", "url": server.url("/alice.ics")},
            headers=consultant_headers(ids["alice"]),
        )
    assert response.status_code == 200, response.text
    assert (response.json()["error"], response.json()["interactions"]) == (None, 1)
    [met] = _events(profiles, "interaction.recorded")
    assert met["kind"] == "lunch"
    assert sorted(met["participants"]) == sorted([ids["alice"], ids["chloe"]])
