"""Calendars are read from public addresses only, unless the setting allows private ones; what
answered at an address is never repeated; redirects are followed a few times, each checked.
Also: erasure rewrites stored documents, and the export carries the connected calendar."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
import redis

from tests.support.calendars import IcsServer, attendee, document, event, ics_server
from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers

LATER = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=5)
NOT_ICALENDAR = "the address did not answer an iCalendar document"


@pytest.fixture
def server() -> Iterator[IcsServer]:
    with ics_server() as running:
        running.serve(
            "/firm.ics", document(event("a@x", "Afterwork", LATER, LATER + timedelta(hours=2)))
        )
        yield running


def _count(profiles: ProfilesUnderTest, table: str) -> int:
    with profiles.engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())  # noqa: S608


def _register(profiles: ProfilesUnderTest, url: str) -> Any:
    return profiles.client.post(
        "/v1/calendars",
        json={"name": "Événements", "source": "ics_url", "url": url},
        headers=admin_headers(),
    )


def test_a_loopback_address_is_refused_without_the_setting_and_read_with_it(
    tmp_path: Any, servers: SessionServers, redis_client: redis.Redis, server: IcsServer
) -> None:
    url = server.url("/firm.ics")
    with profiles_under_test(
        tmp_path / "strict", servers.endpoints.redis_url, calendar_allow_private_hosts=False
    ) as strict:
        alice = strict.register("alice@cabinet.example", "Alice")["id"]
        for response in (
            _register(strict, url),
            _register(strict, server.url("/firm.ics", host="localhost")),
            strict.client.put(
                f"/v1/consultants/{alice}/calendar",
                json={"source": "ics_url", "url": url},
                headers=consultant_headers(alice),
            ),
        ):
            assert response.status_code == 422, response.text
            [detail] = response.json()["detail"]
            assert detail["loc"][-1] == "url"
            assert "private or local network, which Braise does not read" in detail["msg"]
        assert _count(strict, "calendars") == 0
    with profiles_under_test(tmp_path / "local", servers.endpoints.redis_url) as local:
        allowed = _register(local, url)
        assert allowed.status_code == 201, allowed.text
        assert (allowed.json()["error"], allowed.json()["scheduled"]) == (None, 1)


@pytest.fixture
def profiles(
    tmp_path: Any, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def test_what_answered_is_never_repeated_and_redirects_are_followed_a_few_times(
    profiles: ProfilesUnderTest, server: IcsServer
) -> None:
    server.serve("/admin", b"<html>SECRET internal admin page</html>", 200)
    response = _register(profiles, server.url("/admin"))
    assert response.json()["error"] == NOT_ICALENDAR
    assert response.json()["calendar"]["last_error"] == NOT_ICALENDAR
    assert "SECRET" not in response.text
    assert _count(profiles, "calendar_occurrences") == 0

    server.serve("/old", b"", 302, Location="/firm.ics")
    moved = _register(profiles, server.url("/old"))
    assert (moved.json()["error"], moved.json()["scheduled"]) == (None, 1)
    server.serve("/loop", b"", 302, Location="/loop")
    looping = _register(profiles, server.url("/loop"))
    assert looping.json()["error"] == "127.0.0.1 redirected more than 5 times"


def test_erasure_rewrites_the_firms_documents_without_the_person(
    profiles: ProfilesUnderTest,
) -> None:
    alice = profiles.register("alice@cabinet.example", "Alice Martin")["id"]
    profiles.register("bruno@cabinet.example", "Bruno")
    breakfast = event(
        "b@x",
        "Petit-déjeuner",
        LATER,
        LATER + timedelta(hours=1),
        attendees=["bruno@cabinet.example"],
    )
    named = attendee("Alice@Cabinet.example")
    named.params["CN"] = "Alice Martin"
    breakfast.add("attendee", named)
    organized = event("o@x", "Afterwork", LATER, LATER + timedelta(hours=2))
    organized.add("organizer", icalendar.vCalAddress("mailto:alice@cabinet.example"))
    uploaded = profiles.client.post(
        "/v1/calendars/ics",
        content=document(breakfast, organized),
        headers={**admin_headers(), "Content-Type": "text/calendar"},
    )
    assert uploaded.status_code == 201, uploaded.text
    response = profiles.client.delete(f"/v1/consultants/{alice}", headers=admin_headers())
    assert response.status_code == 204
    with profiles.engine.connect() as connection:
        [stored] = connection.exec_driver_sql("SELECT document FROM calendars").scalars().all()
    unfolded = bytes(stored).replace(b"\r\n ", b"")  # long lines are folded
    assert b"alice" not in unfolded.lower()
    assert b"mailto:bruno@cabinet.example" in unfolded
    calendar_id = uploaded.json()["calendar"]["id"]
    again = profiles.client.post(f"/v1/calendars/{calendar_id}/sync", headers=admin_headers())
    assert (again.json()["error"], again.json()["withdrawn"]) == (None, 0)


def test_the_export_carries_the_connected_calendar_never_its_credentials(
    profiles: ProfilesUnderTest, server: IcsServer
) -> None:
    alice = profiles.register("alice@cabinet.example", "Alice")["id"]
    export = f"/v1/consultants/{alice}/export"
    assert profiles.client.get(export, headers=consultant_headers(alice)).json()["calendar"] is None
    server.serve("/firm.ics?token=s3cr3t-token", document())
    connected = profiles.client.put(
        f"/v1/consultants/{alice}/calendar",
        json={
            "source": "ics_url",
            "url": server.url("/firm.ics?token=s3cr3t-token"),
            "user": "alice-login",
            "password": "hunter2-password",
        },
        headers=consultant_headers(alice),
    )
    assert connected.status_code == 200, connected.text
    response = profiles.client.get(export, headers=consultant_headers(alice))
    calendar = response.json()["calendar"]
    assert (calendar["source"], calendar["host"]) == ("ics_url", "127.0.0.1")
    assert calendar["last_synced_at"] is not None
    assert calendar["last_error"] is None
    for secret in ("s3cr3t-token", "alice-login", "hunter2-password"):
        assert secret not in response.text
