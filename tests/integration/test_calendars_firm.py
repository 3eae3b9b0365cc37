"""The firm's events calendar read from the real Radicale: import, re-import, moves,
cancellations, recurrences, and ended events becoming one interaction each."""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import RadicaleCalendar, document, event, new_collection
from tests.support.profiles import ProfilesUnderTest, admin_headers, profiles_under_test
from tests.support.servers import SessionServers

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
DAY = timedelta(days=1)
OUTSIDER = "client@dehors.example"


@pytest.fixture
def profiles(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(sql_url, servers.endpoints.redis_url) as running:
        yield running


@pytest.fixture
def firm(caldav_account: CaldavAccount) -> RadicaleCalendar:
    return new_collection(caldav_account, "firm")


def _register(profiles: ProfilesUnderTest, firm: RadicaleCalendar) -> dict[str, Any]:
    account = firm.account
    response = profiles.client.post(
        "/v1/calendars",
        json={
            "name": "Événements du cabinet",
            "source": "caldav",
            "url": firm.url,
            "user": account.user,
            "password": account.password,
        },
        headers=admin_headers(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _sync(profiles: ProfilesUnderTest, calendar_id: str) -> dict[str, Any]:
    response = profiles.client.post(f"/v1/calendars/{calendar_id}/sync", headers=admin_headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _events(profiles: ProfilesUnderTest, *types: str) -> list[dict[str, Any]]:
    profiles.drain()
    return [e for e in profiles.stream_events() if e["type"] in types]


def _people(profiles: ProfilesUnderTest) -> dict[str, str]:
    return {
        name: profiles.register(f"{name}@cabinet.example", name.title())["id"]
        for name in ("alice", "bruno", "chloe")
    }


def test_import_publishes_each_occasion_once_and_ended_ones_become_one_interaction(
    profiles: ProfilesUnderTest, firm: RadicaleCalendar
) -> None:
    ids = _people(profiles)
    breakfast_at = NOW + 10 * DAY
    firm.put(
        "breakfast",
        document(
            event(
                "breakfast-1@cabinet.example",
                "Petit-déjeuner du cabinet",
                breakfast_at,
                breakfast_at + timedelta(hours=1, minutes=30),
                location="Café Pouchkine, 16 place de la Madeleine, 75008 Paris",
                attendees=["Alice@Cabinet.example", OUTSIDER, "bruno@cabinet.example"],
                declined=["chloe@cabinet.example"],
                description="Ordre du jour confidentiel",
            )
        ),
    )
    firm.put(
        "webinar",
        document(
            event(
                "webinar-1@cabinet.example",
                "Webinaire portage",
                NOW + 3 * DAY,
                NOW + 3 * DAY + timedelta(hours=1),
                location="https://meet.example.org/abc-defg",
                attendees=["chloe@cabinet.example"],
            )
        ),
    )
    firm.put(
        "training",
        document(
            event(
                "training-1@cabinet.example",
                "Formation négociation",
                NOW - 5 * DAY,
                NOW - 5 * DAY + timedelta(hours=3),
                location="Salle Rivoli, 12 rue de Rivoli, Lyon",
                attendees=["alice@cabinet.example", "chloe@cabinet.example"],
            )
        ),
    )
    first = _register(profiles, firm)
    assert first["error"] is None
    assert (first["scheduled"], first["withdrawn"], first["interactions"]) == (3, 0, 1)
    status = first["calendar"]
    assert (status["occurrences"], status["upcoming"], status["recorded"]) == (3, 2, 1)
    assert status["host"] == "127.0.0.1"
    assert status["last_error"] is None

    occasions = {e["data"]["title"]: e["data"] for e in _events(profiles, "occasion.scheduled")}
    breakfast = occasions["Petit-déjeuner du cabinet"]
    assert breakfast["city"] == "Paris"
    assert breakfast["online"] is False
    assert breakfast["place"] == "Café Pouchkine, 16 place de la Madeleine, 75008 Paris"
    assert sorted(breakfast["attendees"]) == sorted([ids["alice"], ids["bruno"]])
    assert breakfast["starts_at"] == breakfast_at.isoformat().replace("+00:00", "Z")
    webinar = occasions["Webinaire portage"]
    assert (webinar["online"], webinar["city"], webinar["place"]) == (True, None, None)
    assert occasions["Formation négociation"]["city"] == "Lyon"
    [recorded] = _events(profiles, "interaction.recorded")
    assert recorded["data"]["kind"] == "event"
    assert recorded["data"]["note"] == "Formation négociation"
    assert sorted(recorded["data"]["participants"]) == sorted([ids["alice"], ids["chloe"]])

    again = _sync(profiles, status["id"])
    assert (again["scheduled"], again["withdrawn"], again["interactions"]) == (0, 0, 0)
    assert len(_events(profiles, "occasion.scheduled", "interaction.recorded")) == 4
    with profiles.engine.connect() as connection:
        dump = repr(
            [list(r) for r in connection.exec_driver_sql("SELECT * FROM calendar_occurrences")]
        )
    assert OUTSIDER not in dump
    assert "confidentiel" not in dump


def test_a_moved_event_gets_a_new_revision_and_a_cancelled_or_deleted_one_is_withdrawn(
    profiles: ProfilesUnderTest, firm: RadicaleCalendar
) -> None:
    _people(profiles)
    at = NOW + 7 * DAY

    def afterwork(start: datetime, status: str | None = None) -> bytes:
        return document(
            event(
                "afterwork@cabinet.example",
                "Afterwork",
                start,
                start + timedelta(hours=2),
                location="Le Comptoir, 3 quai Saint-Vincent, 69001 Lyon",
                attendees=["alice@cabinet.example", "bruno@cabinet.example"],
                status=status,
            )
        )

    firm.put("afterwork", afterwork(at))
    firm.put("lunch", document(event("lunch@cabinet.example", "Déjeuner", at, at + DAY / 24)))
    calendar_id = _register(profiles, firm)["calendar"]["id"]

    firm.put("afterwork", afterwork(at + timedelta(hours=1)))
    moved = _sync(profiles, calendar_id)
    assert (moved["scheduled"], moved["withdrawn"]) == (1, 0)
    scheduled = [e["data"] for e in _events(profiles, "occasion.scheduled")]
    assert [(d["title"], d["revision"]) for d in scheduled][-1] == ("Afterwork", 2)
    assert scheduled[-1]["occasion_id"] == scheduled[0]["occasion_id"] or any(
        d["occasion_id"] == scheduled[-1]["occasion_id"] and d["revision"] == 1 for d in scheduled
    )

    firm.put("afterwork", afterwork(at + timedelta(hours=1), status="CANCELLED"))
    firm.delete("lunch")
    gone = _sync(profiles, calendar_id)
    assert (gone["scheduled"], gone["withdrawn"]) == (0, 2)
    withdrawn = {
        e["data"]["occasion_id"]: e["data"]["revision"]
        for e in _events(profiles, "occasion.withdrawn")
    }
    by_title = {d["title"]: d for d in scheduled}
    assert withdrawn == {
        by_title["Afterwork"]["occasion_id"]: 3,
        by_title["Déjeuner"]["occasion_id"]: 2,
    }
    assert _sync(profiles, calendar_id)["withdrawn"] == 0
    assert len(_events(profiles, "occasion.withdrawn")) == 2


def test_a_series_is_expanded_without_its_exdate_with_its_override_moved_and_one_cancelled(
    profiles: ProfilesUnderTest, firm: RadicaleCalendar
) -> None:
    _people(profiles)
    first = NOW - 15 * DAY  # weeks 0 and 2 are over (week 1 is excluded), 3 to 5 to come
    starts = [first + i * 7 * DAY for i in range(6)]
    series = event(
        "club@cabinet.example",
        "Club des consultants",
        first,
        first + timedelta(hours=1),
        location="Maison des associations, Nantes",
        attendees=["alice@cabinet.example", "bruno@cabinet.example"],
        rrule={"freq": "weekly", "count": 6},
        exdates=[starts[1]],
    )
    moved = event(
        "club@cabinet.example",
        "Club des consultants (salle B)",
        starts[3] + timedelta(hours=2),
        starts[3] + timedelta(hours=3),
        location="Maison des associations, Nantes",
        attendees=["alice@cabinet.example", "bruno@cabinet.example"],
        recurrence_id=starts[3],
    )
    firm.put("club", document(series, moved))
    result = _register(profiles, firm)
    assert result["scheduled"] == 5  # six weeks, one excluded
    assert result["interactions"] == 2  # weeks 0 and 2; the excluded week 1 never happened
    scheduled = {
        d["starts_at"]: d for d in (e["data"] for e in _events(profiles, "occasion.scheduled"))
    }
    when = [s.isoformat().replace("+00:00", "Z") for s in starts]
    assert when[1] not in scheduled
    assert (
        scheduled[(starts[3] + timedelta(hours=2)).isoformat().replace("+00:00", "Z")]["title"]
        == "Club des consultants (salle B)"
    )

    cancelled = event(
        "club@cabinet.example",
        "Club des consultants",
        starts[4],
        starts[4] + timedelta(hours=1),
        recurrence_id=starts[4],
        status="CANCELLED",
    )
    firm.put("club", document(series, moved, cancelled))
    again = _sync(profiles, result["calendar"]["id"])
    assert (again["scheduled"], again["withdrawn"]) == (0, 1)
    [withdrawn] = _events(profiles, "occasion.withdrawn")
    assert withdrawn["data"]["occasion_id"] == scheduled[when[4]]["occasion_id"]
    ids = Counter(e["data"]["occasion_id"] for e in _events(profiles, "occasion.scheduled"))
    assert len(ids) == 5
    assert set(ids.values()) == {1}


def test_two_calendars_holding_one_ended_event_record_one_interaction(
    profiles: ProfilesUnderTest, caldav_account: CaldavAccount
) -> None:
    ids = _people(profiles)
    start = NOW - 2 * DAY
    shared = document(
        event(
            "seminar@cabinet.example",
            "Séminaire annuel",
            start,
            start + timedelta(hours=4),
            location="Château de la Loire, Tours",
            attendees=["alice@cabinet.example", "bruno@cabinet.example", "chloe@cabinet.example"],
        )
    )
    one, other = new_collection(caldav_account, "firm"), new_collection(caldav_account, "firm")
    one.put("seminar", shared)
    other.put("seminar", shared)
    assert _register(profiles, one)["interactions"] == 1
    assert _register(profiles, other)["interactions"] == 0
    [recorded] = _events(profiles, "interaction.recorded")
    assert sorted(recorded["data"]["participants"]) == sorted(ids.values())
    assert len(_events(profiles, "occasion.scheduled")) == 2  # one occasion per calendar
