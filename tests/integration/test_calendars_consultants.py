"""A consultant's own calendar, by consent, read from the real Radicale: only meetings with
another consultant, only times and participants, past ones once; disconnect and erasure."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import RadicaleCalendar, document, event, new_collection
from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
DAY = timedelta(days=1)
PRIVATE = ("Déjeuner stratégie Enedis", "Négociation salariale", "Rue Secrète", "client@dehors")


@pytest.fixture
def profiles(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(sql_url, servers.endpoints.redis_url) as running:
        yield running


def _connect(profiles: ProfilesUnderTest, who: str, calendar: RadicaleCalendar) -> Any:
    account = calendar.account
    response = profiles.client.put(
        f"/v1/consultants/{who}/calendar",
        json={
            "source": "caldav",
            "url": calendar.url,
            "user": account.user,
            "password": account.password,
        },
        headers=consultant_headers(who),
    )
    assert response.status_code == 200, response.text
    return response.json()


def _lunch(start: datetime, *attendees: str) -> bytes:
    return document(
        event(
            "lunch-1@mail.example",
            PRIVATE[0],
            start,
            start + timedelta(hours=1, minutes=30),
            location=f"{PRIVATE[2]}, Paris",
            description=PRIVATE[1],
            organizer=attendees[0],
            attendees=attendees[1:],
        )
    )


def _dump(profiles: ProfilesUnderTest) -> str:
    with profiles.engine.connect() as connection:
        rows = [
            list(r)
            for table in ("calendars", "calendar_occurrences", "calendar_resources", "interactions")
            for r in connection.exec_driver_sql(f"SELECT * FROM {table}")  # noqa: S608
        ]
    return repr(rows)


def test_only_meetings_with_another_consultant_count_and_nothing_private_is_kept(
    profiles: ProfilesUnderTest, caldav_account: CaldavAccount
) -> None:
    alice = profiles.register("alice@cabinet.example", "Alice")["id"]
    bruno = profiles.register("bruno@cabinet.example", "Bruno")["id"]
    mine = new_collection(caldav_account, "alice")
    mine.put(
        "lunch",
        _lunch(
            NOW - 3 * DAY, "alice@cabinet.example", "Bruno@cabinet.example", "client@dehors.example"
        ),
    )
    mine.put(
        "next",
        document(
            event(
                "call-2@mail.example",
                "Point mission",
                NOW + 2 * DAY,
                NOW + 2 * DAY + timedelta(hours=1),
                attendees=["alice@cabinet.example", "bruno@cabinet.example"],
            )
        ),
    )
    mine.put(
        "client",
        document(
            event(
                "client-3@mail.example",
                "Rendez-vous client",
                NOW - 2 * DAY,
                NOW - 2 * DAY + timedelta(hours=1),
                attendees=["alice@cabinet.example", "client@dehors.example"],
            )
        ),
    )
    result = _connect(profiles, alice, mine)
    assert result["error"] is None
    assert (result["scheduled"], result["interactions"]) == (2, 1)
    status = profiles.client.get(
        f"/v1/consultants/{alice}/calendar", headers=consultant_headers(alice)
    )
    assert status.json()["connected"] is True
    assert status.json()["calendar"]["upcoming"] == 1
    assert (
        profiles.client.get(
            f"/v1/consultants/{alice}/calendar", headers=consultant_headers(bruno)
        ).status_code
        == 403
    )

    profiles.drain()
    events = profiles.stream_events()
    assert not [e for e in events if e["type"].startswith("occasion.")]
    [recorded] = [e["data"] for e in events if e["type"] == "interaction.recorded"]
    assert recorded["kind"] == "lunch"
    assert recorded["note"] is None
    assert sorted(recorded["participants"]) == sorted([alice, bruno])
    dump = _dump(profiles)
    for secret in (*PRIVATE, caldav_account.password, "Point mission", "Rendez-vous client"):
        assert secret not in dump


def test_one_meeting_in_two_calendars_is_one_interaction_and_disconnecting_deletes_it_all(
    profiles: ProfilesUnderTest, caldav_account: CaldavAccount
) -> None:
    alice = profiles.register("alice@cabinet.example", "Alice")["id"]
    bruno = profiles.register("bruno@cabinet.example", "Bruno")["id"]
    meeting = _lunch(NOW - 4 * DAY, "alice@cabinet.example", "bruno@cabinet.example")
    hers, his = new_collection(caldav_account, "alice"), new_collection(caldav_account, "bruno")
    hers.put("lunch", meeting)
    his.put("lunch", meeting)
    assert _connect(profiles, alice, hers)["interactions"] == 1
    assert _connect(profiles, bruno, his)["interactions"] == 0
    profiles.drain()
    assert len([e for e in profiles.stream_events() if e["type"] == "interaction.recorded"]) == 1

    response = profiles.client.delete(
        f"/v1/consultants/{alice}/calendar", headers=consultant_headers(alice)
    )
    assert response.status_code == 204
    after = profiles.client.get(
        f"/v1/consultants/{alice}/calendar", headers=consultant_headers(alice)
    )
    assert after.json() == {"connected": False, "calendar": None}
    calendars = profiles.client.get("/v1/calendars", headers=admin_headers()).json()
    assert [c["owner_id"] for c in calendars] == [bruno]


def test_erasure_deletes_the_consultants_calendar_and_all_read_from_it(
    profiles: ProfilesUnderTest, caldav_account: CaldavAccount
) -> None:
    alice = profiles.register("alice@cabinet.example", "Alice")["id"]
    profiles.register("bruno@cabinet.example", "Bruno")
    mine = new_collection(caldav_account, "alice")
    mine.put("lunch", _lunch(NOW + 3 * DAY, "alice@cabinet.example", "bruno@cabinet.example"))
    assert _connect(profiles, alice, mine)["scheduled"] == 1
    response = profiles.client.delete(f"/v1/consultants/{alice}", headers=admin_headers())
    assert response.status_code == 204
    with profiles.engine.connect() as connection:
        for table in ("calendars", "calendar_occurrences", "calendar_resources"):
            count = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()  # noqa: S608
            assert count == 0, table
