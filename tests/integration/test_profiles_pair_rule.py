"""A consultant token moves only its own links, and writes at a bounded rate."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from braise_profiles.api import create_app
from braise_profiles.config import ProfilesSettings
from braise_profiles.throttle import KEY_PREFIX
from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers


@pytest.fixture
def profiles(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def _event(people: list[str], **extra: Any) -> dict[str, Any]:
    return {"kind": "event", "participants": people, "occurred_at": "2025-06-01T18:00:00Z"} | extra


def _recorded(profiles: ProfilesUnderTest) -> list[dict[str, Any]]:
    profiles.drain()
    return [e["data"] for e in profiles.stream_events() if e["type"] == "interaction.recorded"]


def test_a_consultant_records_only_a_pair_with_itself_as_initiator_or_none(
    profiles: ProfilesUnderTest,
) -> None:
    a, b, d = (profiles.register(f"{n}@example.org", n)["id"] for n in ("anne", "bruno", "dora"))
    mine = consultant_headers(a)
    refused = [
        (_event([a, b, d], initiator=b), ["body", "participants"]),
        (_event([a, b, d]), ["body", "participants"]),
        (_event([b, d]), ["body", "participants"]),
        (_event([a, b], initiator=b), ["body", "initiator"]),
    ]
    for body, loc in refused:
        response = profiles.client.post("/v1/interactions", json=body, headers=mine)
        assert response.status_code == 403, response.text
        assert response.json()["detail"][0]["loc"] == loc
    assert _recorded(profiles) == []

    for body in (_event([a, b], initiator=a), _event([b, a])):
        assert profiles.client.post("/v1/interactions", json=body, headers=mine).status_code == 201
    recorded = _recorded(profiles)
    assert [sorted(r["participants"]) for r in recorded] == [sorted([a, b])] * 2
    assert [r["initiator"] for r in recorded] == [a, None]


def test_staff_keep_full_rights_on_group_interactions(profiles: ProfilesUnderTest) -> None:
    a, b, d = (profiles.register(f"{n}@example.org", n)["id"] for n in ("anne", "bruno", "dora"))
    response = profiles.client.post(
        "/v1/interactions", json=_event([a, b, d], initiator=b), headers=admin_headers()
    )
    assert response.status_code == 201, response.text
    assert [r["initiator"] for r in _recorded(profiles)] == [b]


def test_bulk_and_csv_refuse_consultant_tokens_whatever_the_pairs(
    profiles: ProfilesUnderTest,
) -> None:
    a, b, d = (profiles.register(f"{n}@example.org", n)["id"] for n in ("anne", "bruno", "dora"))
    mine = consultant_headers(a)
    for items in ([_event([b, d])], [_event([a, b, d])], [_event([a, b])]):
        response = profiles.client.post(
            "/v1/interactions/bulk", json={"items": items}, headers=mine
        )
        assert response.status_code == 403, response.text
    for row in (
        "event,bruno@example.org;dora@example.org,2025-06-01,,",
        "event,anne@example.org;bruno@example.org,2025-06-01,anne@example.org,",
    ):
        csv_text = f"kind,participants,occurred_at,initiator,note\n{row}\n"
        response = profiles.client.post(
            "/v1/interactions/import",
            files={"file": ("h.csv", csv_text.encode(), "text/csv")},
            headers=mine,
        )
        assert response.status_code == 403, response.text
    assert _recorded(profiles) == []


def _lunch(a: str, b: str, day: int) -> dict[str, Any]:
    return {"kind": "lunch", "participants": [a, b], "occurred_at": f"2025-01-{day:02d}T12:00:00Z"}


def _rewind_bucket(client: redis.Redis, consultant_id: str, seconds: float) -> None:
    """Move a consultant's bucket back in time, as if `seconds` had passed since its last write
    (the bucket reads Redis's own clock, which a test cannot set)."""
    key = f"{KEY_PREFIX}{consultant_id}"
    at = client.hget(key, "at")
    assert at is not None, "the consultant has no bucket yet"
    client.hset(key, "at", str(float(at) - seconds))


def test_a_consultant_over_its_write_rate_gets_429_with_retry_after(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    url = servers.endpoints.redis_url
    # One write a minute: no token comes back while the test runs, however slow the machine.
    limits = {"consultant_write_burst": 3, "consultant_writes_per_minute": 1.0}
    with profiles_under_test(tmp_path, url, **limits) as p:
        a, b = (p.register(f"{n}@example.org", n)["id"] for n in ("anne", "bruno"))
        mine = consultant_headers(a)
        statuses = [
            p.client.post("/v1/interactions", json=_lunch(a, b, d), headers=mine).status_code
            for d in range(1, 5)
        ]
        assert statuses == [201, 201, 201, 429]
        refused = p.client.put(
            f"/v1/consultants/{a}/preferences", json={"frequency": "monthly"}, headers=mine
        )
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["detail"][0]["loc"] == ["header", "Authorization"]
        # Another consultant has a bucket of its own; staff are not limited.
        assert (
            p.client.post(
                "/v1/interactions", json=_lunch(b, a, 9), headers=consultant_headers(b)
            ).status_code
            == 201
        )
        for day in range(10, 20):
            response = p.client.post(
                "/v1/interactions", json=_lunch(a, b, day), headers=admin_headers()
            )
            assert response.status_code == 201
        # A minute later the bucket holds one write again, and only one.
        _rewind_bucket(redis_client, a, 60.0)
        again = p.client.post("/v1/interactions", json=_lunch(a, b, 28), headers=mine)
        assert again.status_code == 201
        after = p.client.post("/v1/interactions", json=_lunch(a, b, 27), headers=mine)
        assert after.status_code == 429


def test_the_rate_holds_across_processes_sharing_redis(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    limits = {"consultant_write_burst": 3, "consultant_writes_per_minute": 1.0}
    with profiles_under_test(tmp_path, servers.endpoints.redis_url, **limits) as p:
        a, b = (p.register(f"{n}@example.org", n)["id"] for n in ("anne", "bruno"))
        # A second app on the same database and Redis: another worker process.
        with TestClient(create_app(p.settings, engine=p.engine)) as second:
            mine = consultant_headers(a)
            answers = [
                client.post("/v1/interactions", json=_lunch(a, b, d), headers=mine).status_code
                for d, client in enumerate([p.client, second, p.client, second], start=1)
            ]
    assert answers == [201, 201, 201, 429]


def test_writes_go_through_when_redis_does_not_answer(tmp_path: Path) -> None:
    settings = ProfilesSettings(
        database_url=f"sqlite:///{tmp_path / 'profiles.db'}",
        redis_url="redis://127.0.0.1:1/0",
        consultant_write_burst=1,
    )
    with TestClient(create_app(settings)) as http:
        ids = [
            http.post(
                "/v1/consultants",
                json={"email": f"{n}@example.org", "display_name": n},
                headers=admin_headers(),
            ).json()["id"]
            for n in ("anne", "bruno")
        ]
        mine = consultant_headers(ids[0])
        for day in (1, 2, 3):
            response = http.post("/v1/interactions", json=_lunch(ids[0], ids[1], day), headers=mine)
            assert response.status_code == 201
