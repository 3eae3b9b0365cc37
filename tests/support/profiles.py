"""A profiles service under test: the real app on SQLite or PostgreSQL, its relay on real Redis."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import redis
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from braise_profiles.api import create_app
from braise_profiles.bootstrap import bootstrap_relay
from braise_profiles.config import ProfilesSettings
from braise_profiles.outbox import OutboxRelay
from braise_shared.auth import DEFAULT_SECRET, issue_token
from braise_shared.stream import EVENTS_STREAM
from tests.support.streams import entries


def admin_headers() -> dict[str, str]:
    """Return headers carrying a staff token."""
    return {"Authorization": f"Bearer {issue_token(DEFAULT_SECRET, 'admin', 'staff@firm')}"}


def consultant_headers(consultant_id: str | uuid.UUID) -> dict[str, str]:
    """Return headers carrying the token of one consultant."""
    token = issue_token(DEFAULT_SECRET, "consultant", str(consultant_id))
    return {"Authorization": f"Bearer {token}"}


@dataclass
class ProfilesUnderTest:
    """The HTTP client, the relay, and what reached the stream."""

    client: TestClient
    relay: OutboxRelay
    redis: "redis.Redis"
    settings: ProfilesSettings
    engine: Engine

    def drain(self) -> int:
        """Relay every committed event to the stream; return how many were relayed."""
        total = 0
        while moved := self.relay.relay_once():
            total += moved
        return total

    def stream_events(self) -> list[dict[str, Any]]:
        """Return every event on the stream, oldest first, as JSON."""
        return [
            orjson.loads(fields[b"event"]) for _id, fields in entries(self.redis, EVENTS_STREAM)
        ]

    def register(self, email: str, name: str, **extra: Any) -> dict[str, Any]:
        """Register a consultant as staff and return them."""
        response = self.client.post(
            "/v1/consultants",
            json={"email": email, "display_name": name, **extra},
            headers=admin_headers(),
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


@contextmanager
def profiles_under_test(
    database: str | Path, redis_url: str, **settings: Any
) -> Iterator[ProfilesUnderTest]:
    """Yield a running profiles app on an empty database (a `sql_url`, or a new SQLite file
    in a folder), relaying to redis_url."""
    database_url = (
        f"sqlite:///{database / 'profiles.db'}" if isinstance(database, Path) else database
    )
    settings.setdefault("relay_batch_size", 50)
    # The test calendars (Radicale, local HTTP servers) listen on 127.0.0.1.
    settings.setdefault("calendar_allow_private_hosts", True)
    config = ProfilesSettings(database_url=database_url, redis_url=redis_url, **settings)
    client = redis.Redis.from_url(redis_url)
    relay = bootstrap_relay(config, redis_client=client)
    relay.publisher.prepare()
    try:
        with TestClient(create_app(config, engine=relay.profiles.engine)) as http:
            yield ProfilesUnderTest(http, relay.outbox, client, config, relay.profiles.engine)
    finally:
        relay.profiles.close()
        client.close()
