"""Calendars that fail: malformed or huge documents, events without UID, servers that refuse,
fail or hang. Each is a clear error, nothing half-written, and no duplicate after a retry."""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import document, event, new_collection
from tests.support.profiles import ProfilesUnderTest, admin_headers, profiles_under_test
from tests.support.servers import SessionServers

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
LATER = NOW + timedelta(days=5)


@pytest.fixture
def profiles(
    tmp_path: Any, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(
        tmp_path, servers.endpoints.redis_url, calendar_timeout_s=1.0
    ) as running:
        yield running


def _count(profiles: ProfilesUnderTest, table: str) -> int:
    with profiles.engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())  # noqa: S608


def _upload(profiles: ProfilesUnderTest, data: bytes) -> Any:
    return profiles.client.post(
        "/v1/calendars/ics",
        content=data,
        headers={**admin_headers(), "Content-Type": "text/calendar"},
    )


def test_a_malformed_document_is_refused_naming_the_problem_and_nothing_is_written(
    profiles: ProfilesUnderTest,
) -> None:
    broken = document(event("a@x", "Afterwork", LATER, LATER + timedelta(hours=2))).replace(
        b"DTSTART:", b"DTSTART:2026-not-a-date", 1
    )
    response = _upload(profiles, broken)
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert "event a@x: DTSTART is not a date or a time" in detail["msg"]
    assert _upload(profiles, b"this is no calendar").status_code == 422
    assert _count(profiles, "calendars") == 0
    assert _count(profiles, "outbox") == 0


def test_an_event_without_uid_is_set_aside_and_counted(profiles: ProfilesUnderTest) -> None:
    data = document(
        event(None, "Sans identifiant", LATER, LATER + timedelta(hours=1)),
        event("kept@x", "Afterwork", LATER, LATER + timedelta(hours=2)),
    )
    response = _upload(profiles, data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["scheduled"] == 1
    assert body["calendar"]["skipped"] == {"no_uid": 1}


def test_a_50_mb_document_is_refused_unread_with_413(profiles: ProfilesUnderTest) -> None:
    huge = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * (50 * 1024 * 1024) + b"\r\n"
    response = _upload(profiles, huge)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"][0]["msg"]
    assert _count(profiles, "calendars") == 0


def test_a_document_over_the_calendar_limit_is_refused_with_413(
    tmp_path: Any, servers: SessionServers, redis_client: redis.Redis
) -> None:
    with profiles_under_test(
        tmp_path, servers.endpoints.redis_url, calendar_max_bytes=1000
    ) as profiles:
        data = document(
            *(event(f"e{i}@x", "Afterwork", LATER, LATER + timedelta(hours=1)) for i in range(10))
        )
        response = _upload(profiles, data)
        assert response.status_code == 413
        assert "larger than 1000 bytes" in response.json()["detail"][0]["msg"]
        assert _count(profiles, "calendars") == 0


def test_a_wrong_caldav_password_is_the_calendars_last_error(
    tmp_path: Any, servers: SessionServers, redis_client: redis.Redis, caldav_account: CaldavAccount
) -> None:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as profiles:
        _refused(profiles, caldav_account)


def _refused(profiles: ProfilesUnderTest, caldav_account: CaldavAccount) -> None:
    firm = new_collection(caldav_account, "firm")
    firm.put("a", document(event("a@x", "Afterwork", LATER, LATER + timedelta(hours=2))))
    response = profiles.client.post(
        "/v1/calendars",
        json={
            "name": "Événements",
            "source": "caldav",
            "url": firm.url,
            "user": caldav_account.user,
            "password": "not-the-password",
        },
        headers=admin_headers(),
    )
    assert response.status_code == 201
    body = response.json()
    assert "refused the credentials (401)" in body["error"]
    assert body["calendar"]["last_error"] == body["error"]
    assert body["calendar"]["occurrences"] == 0
    assert _count(profiles, "outbox") == 0


class _Flaky(BaseHTTPRequestHandler):
    """Answers what the test scripted: a status, a hang, a huge length, or the document."""

    script: ClassVar[list[str]] = []
    data: ClassVar[bytes] = b""

    def do_GET(self) -> None:
        step = self.script.pop(0) if self.script else "ok"
        if step == "hang":
            time.sleep(3)
            return
        if step == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            return
        status = 200 if step == "ok" else int(step)
        self.send_response(status)
        body = self.data if status == 200 else b"oops"
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_REPORT = do_GET  # noqa: N815 - a CalDAV client's sync-collection
    do_PROPFIND = do_GET  # noqa: N815 - http.server names handlers so

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/firm.ics"
    server.shutdown()
    server.server_close()


def test_a_server_that_fails_hangs_or_sends_too_much_leaves_an_error_then_a_retry_adds_once(
    profiles: ProfilesUnderTest, flaky: str
) -> None:
    _Flaky.data = document(
        event("a@x", "Afterwork", LATER, LATER + timedelta(hours=2)),
        event("b@x", "Petit-déjeuner", LATER, LATER + timedelta(hours=1)),
    )
    _Flaky.script[:] = ["500", "hang", "huge"]
    response = profiles.client.post(
        "/v1/calendars",
        json={"name": "Événements", "source": "ics_url", "url": flaky},
        headers=admin_headers(),
    )
    assert response.json()["error"] == "127.0.0.1 answered 500: try again later"
    calendar_id = response.json()["calendar"]["id"]
    sync = f"/v1/calendars/{calendar_id}/sync"
    hung = profiles.client.post(sync, headers=admin_headers()).json()
    assert hung["error"] == "127.0.0.1 did not answer within 1 s"
    huge = profiles.client.post(sync, headers=admin_headers()).json()
    assert "larger than 5242880 bytes" in huge["error"]
    assert _count(profiles, "calendar_occurrences") == 0
    assert _count(profiles, "outbox") == 0

    ok = profiles.client.post(sync, headers=admin_headers()).json()
    assert (ok["error"], ok["scheduled"], ok["calendar"]["last_error"]) == (None, 2, None)
    again = profiles.client.post(sync, headers=admin_headers()).json()
    assert again["scheduled"] == 0
    assert _count(profiles, "outbox") == 2


def test_a_caldav_server_answering_500_or_nothing_is_the_calendars_last_error(
    profiles: ProfilesUnderTest, flaky: str
) -> None:
    _Flaky.script[:] = ["500"] * 5  # the client may ask more than once
    response = profiles.client.post(
        "/v1/calendars",
        json={"name": "Événements", "source": "caldav", "url": flaky, "user": "u", "password": "p"},
        headers=admin_headers(),
    )
    body = response.json()
    assert body["error"].startswith("127.0.0.1 failed:")
    assert "500" in body["error"]
    _Flaky.script[:] = ["hang"] * 5
    hung = profiles.client.post(
        f"/v1/calendars/{body['calendar']['id']}/sync", headers=admin_headers()
    ).json()
    assert hung["error"] == "127.0.0.1 did not answer within 1 s"
    assert hung["calendar"]["last_error"] == hung["error"]
    assert _count(profiles, "calendar_occurrences") == 0
