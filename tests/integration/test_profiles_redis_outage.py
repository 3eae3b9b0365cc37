"""With Redis stopped, writes succeed; their events go out once it is back, in order, once."""

from pathlib import Path

import pytest
import redis

from braise_shared.stream import EVENTS_STREAM
from tests.support.disposable import disposable_redis
from tests.support.profiles import admin_headers, profiles_under_test


def test_writes_succeed_while_redis_is_down_and_their_events_follow(
    tmp_path: Path, sql_url: str
) -> None:
    with disposable_redis(tmp_path / "redis") as redis_server:
        url = f"redis://127.0.0.1:{redis_server.settings.redis_port}/0"
        with profiles_under_test(sql_url, url) as profiles:
            first = profiles.register("anne@example.org", "Anne")
            assert profiles.drain() == 1

            redis_server.stop()
            during = [profiles.register(f"p{i}@example.org", f"P{i}") for i in range(5)]
            response = profiles.client.post(
                "/v1/interactions",
                json={
                    "kind": "call",
                    "participants": [first["id"], during[0]["id"]],
                    "occurred_at": "2025-09-01T10:00:00Z",
                },
                headers=admin_headers(),
            )
            assert response.status_code == 201
            with pytest.raises(redis.ConnectionError):
                profiles.relay.relay_once()

            redis_server.start()
            assert profiles.drain() == 6
            assert profiles.drain() == 0

            events = profiles.stream_events()
            assert [e["type"] for e in events] == ["consultant.registered"] * 6 + [
                "interaction.recorded"
            ]
            registered = [e["data"]["email"] for e in events[:6]]
            assert registered == ["anne@example.org"] + [f"p{i}@example.org" for i in range(5)]
            assert len({e["id"] for e in events}) == 7
            # The first event survived the restart: Redis's append-only file kept it.
            assert profiles.redis.xlen(EVENTS_STREAM) == 7
