"""Concurrent writers through the real profiles API while the real relay runs.

Every accepted write reaches the stream once, in the outbox's order, and each consultant's
changes arrive in the order they were made: revisions 1, 2, 3... with none twice or missing.
"""

import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import select

from braise_profiles.db import OutboxRow, make_engine
from braise_shared.events import (
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    InteractionRecordedV1,
    PreferencesChangedV2,
    parse_event,
)
from braise_shared.stream import EVENTS_STREAM
from tests.support.disposable import free_port
from tests.support.processes import service_process, wait_until
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers
from tests.support.streams import entries

PEOPLE = 6
WRITERS = 8
WRITES_EACH = 30


@pytest.fixture
def profiles_url(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, sql_url: str
) -> Iterator[str]:
    port = free_port()
    env = {
        "REDIS_URL": servers.endpoints.redis_url,
        "BRAISE_PROFILES_DATABASE_URL": sql_url,
        "BRAISE_PROFILES_PORT": str(port),
        # Small batches read often: the relay reads while writes are committing.
        "BRAISE_PROFILES_RELAY_POLL_S": "0.01",
        "BRAISE_PROFILES_RELAY_BATCH_SIZE": "7",
    }
    base = f"http://127.0.0.1:{port}"
    with service_process("braise_profiles.server", env, tmp_path / "profiles.log") as api:
        wait_until(lambda: _answers(base), timeout_s=60, what=f"profiles API\n{api.log_tail()}")
        with service_process("braise_profiles.relay", env, tmp_path / "relay.log"):
            yield base


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _write(base: str, people: list[str], seed: int) -> tuple[list[str], Counter[str]]:
    """Make WRITES_EACH random writes; return the interactions recorded and changes by person."""
    rng = random.Random(seed)
    recorded: list[str] = []
    changes: Counter[str] = Counter()
    with httpx.Client(base_url=base, headers=admin_headers(), timeout=60) as http:
        for i in range(WRITES_EACH):
            pick = rng.random()
            if pick < 0.5:
                pair = rng.sample(people, 2)
                body = {"kind": "call", "participants": pair, "occurred_at": "2026-01-05T10:00:00Z"}
                response = http.post("/v1/interactions", json=body)
                assert response.status_code == 201, response.text
                recorded.append(response.json()["id"])
                continue
            who = rng.choice(people)
            if pick < 0.8:
                response = http.patch(f"/v1/consultants/{who}", json={"city": f"Ville {seed}.{i}"})
            else:
                frequency = rng.choice(["weekly", "monthly"])
                response = http.put(
                    f"/v1/consultants/{who}/preferences", json={"frequency": frequency}
                )
            assert response.status_code == 200, response.text
            changes[who] += 1
    return recorded, changes


def test_concurrent_writes_reach_the_stream_once_each_person_in_revision_order(
    profiles_url: str, redis_client: redis.Redis, sql_url: str
) -> None:
    with httpx.Client(base_url=profiles_url, headers=admin_headers(), timeout=30) as http:
        people = [
            http.post(
                "/v1/consultants", json={"email": f"p{n}@example.org", "display_name": f"P{n}"}
            ).json()["id"]
            for n in range(PEOPLE)
        ]
    with ThreadPoolExecutor(WRITERS) as pool:
        done = [
            f.result()
            for f in [pool.submit(_write, profiles_url, people, s) for s in range(WRITERS)]
        ]
    recorded = {i for interactions, _ in done for i in interactions}
    changes = sum((c for _, c in done), Counter[str]())
    expected = PEOPLE + len(recorded) + sum(changes.values())

    wait_until(
        lambda: redis_client.xlen(EVENTS_STREAM) >= expected,
        timeout_s=60,
        what=f"{expected} events on the stream",
    )
    events = [parse_event(fields[b"event"]) for _id, fields in entries(redis_client, EVENTS_STREAM)]

    ids = [str(e.id) for e in events]
    assert len(ids) == expected
    assert len(set(ids)) == expected
    engine = make_engine(sql_url)
    with engine.connect() as connection:
        outbox = list(connection.scalars(select(OutboxRow.event_id).order_by(OutboxRow.seq)))
    engine.dispose()
    assert ids == outbox  # published in the outbox's order, which is the commit order

    assert {
        str(e.data.interaction_id) for e in events if isinstance(e, InteractionRecordedV1)
    } == recorded
    revisions: dict[str, list[int]] = {p: [] for p in people}
    for e in events:
        if isinstance(
            e,
            ConsultantRegisteredV1 | ConsultantUpdatedV1 | PreferencesChangedV2,
        ):
            revisions[str(e.data.consultant_id)].append(e.data.revision)
    assert revisions == {p: list(range(1, 2 + changes[p])) for p in people}
