"""Erasure, searched store by store: after it, the person's id, e-mail and name are found only
where `docs/architecture.md` ("Erasure (GDPR), store by store") says they remain.

Every Braise process runs as under `braise up`, against the session's real Redis (append-only
file on), Neo4j and SMTP sink. The search reads the SQLite files and their WAL as raw bytes,
every key of every Redis database (`DUMP`, which shows what a snapshot would hold), Redis's
append-only files and snapshot, every node and relationship property in Neo4j, every row of
the notifier's tables, and every log line.
"""

import email
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pytest
import redis
from neo4j import Driver
from sqlalchemy import create_engine, inspect, text

from braise_cli.stack import StackSettings
from braise_shared.stream import EVENTS_STREAM
from braise_shared.stream_erasure import StreamEraser
from tests.support.disposable import free_port
from tests.support.mail import raw_mails
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers
from tests.support.redis_files import (
    aof_enabled,
    persisted_bytes,
    readable_persistence,
    wait_for_rewrites,
)
from tests.support.servers import SessionServers, stack_settings_for
from tests.support.stack import started_services
from tests.support.streams import entries

NAME = "Zéphyrine Ombrelune-Quillard"
EMAIL = "zephyrine.ombrelune@example.org"

# What docs/architecture.md says remains after an erasure, store by store: the id alone, as
# a marker that the person was erased (so that late events cannot bring them back), and in
# log lines until rotation. Nowhere the e-mail or the name.
REMAINS = {
    "profiles database": {"id"},  # the consultant.erased outbox row, a day after publishing
    "notifier database": {"id"},  # the `erased` row
    "notifier tables": {"erased"},
    "redis keys": {f"{EVENTS_STREAM}"},  # the consultant.erased entry, until the 7-day trim
    "redis files": {"id"},  # that entry, as persisted
    "neo4j": {"Erased"},
    "logs": {"id"},
}

# Every node and relationship with its properties (the test's graph is small).
EVERYTHING = """
MATCH (n) RETURN labels(n) AS labels, properties(n) AS props
UNION ALL
MATCH ()-[r]->() RETURN [type(r)] AS labels, properties(r) AS props
"""


@pytest.fixture
def braise(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    neo4j_driver: Driver,
    maildir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[StackSettings]:
    monkeypatch.setenv("BRAISE_PROFILES_RELAY_HOUSEKEEPING_S", "1")
    settings = stack_settings_for(
        servers,
        tmp_path / "var",
        profiles_port=free_port(),
        graph_port=free_port(),
        notifier_port=free_port(),
    )
    broker = servers.endpoints.redis_url.rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(broker).flushdb()
    aof_was_on = aof_enabled(redis_client)
    if not aof_was_on:  # containers and managed servers: the search means nothing without it
        redis_client.config_set("appendonly", "yes")
    try:
        with readable_persistence(redis_client), started_services(settings):
            yield settings
    finally:
        if not aof_was_on:
            redis_client.config_set("appendonly", "no")


def _iso(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def _caught_up(client: redis.Redis, *, seen: bytes) -> bool:
    """Tell whether an event of type seen is on the stream and every group applied it all."""
    if not any(seen in fields[b"event"] for _, fields in entries(client, EVENTS_STREAM)):
        return False
    groups = {g["name"]: g for g in client.xinfo_groups(EVENTS_STREAM)}
    return all(
        name in groups and groups[name]["lag"] == 0 and groups[name]["pending"] == 0
        for name in (b"graph", b"notifier")
    )


def _found(blob: bytes, needles: dict[str, list[bytes]]) -> set[str]:
    """Return which of the person's id, e-mail and name blob holds, in any of their forms."""
    return {what for what, forms in needles.items() if any(form in blob for form in forms)}


def _entry_id(raw: object) -> tuple[int, int]:
    """Return a stream entry id (or None: before any) as a pair that sorts like Redis's ids."""
    ms, _, seq = (raw.decode() if isinstance(raw, bytes) else "0-0").partition("-")
    return int(ms), int(seq)


def _every_database(client: redis.Redis) -> Iterator[redis.Redis]:
    """Yield a client on each Redis database that holds keys (events, Celery's broker...)."""
    kwargs = client.connection_pool.connection_kwargs
    for name in client.info("keyspace"):
        yield redis.Redis(
            host=kwargs["host"],
            port=kwargs["port"],
            password=kwargs.get("password"),
            db=int(str(name).removeprefix("db")),
        )


def test_erasure_leaves_only_the_documented_markers_in_every_store(
    braise: StackSettings, redis_client: redis.Redis, neo4j_driver: Driver, maildir: Path
) -> None:
    admin = admin_headers()
    profiles = httpx.Client(base_url=f"http://127.0.0.1:{braise.profiles_port}", headers=admin)
    notifier = httpx.Client(base_url=f"http://127.0.0.1:{braise.notifier_port}", headers=admin)
    people = [
        {"email": "camille.martin@example.org", "display_name": "Camille Martin"},
        {"email": EMAIL, "display_name": NAME, "city": "Valenciennes", "interests": ["Voile"]},
        {"email": "lea.dubois@example.org", "display_name": "Léa Dubois"},
    ]
    response = profiles.post(
        "/v1/consultants/bulk", json={"items": people}, headers={"Idempotency-Key": "hr-1"}
    )
    assert response.status_code == 201, response.text
    reader, person, colleague = (body["id"] for body in response.json())
    history = [
        {"kind": "mission_together", "participants": [reader, person], "occurred_at": _iso(700)},
        {"kind": "lunch", "participants": [reader, person], "occurred_at": _iso(650)},
        {"kind": "lunch", "participants": [reader, person], "occurred_at": _iso(600)},
        {"kind": "event", "participants": [reader, person, colleague], "occurred_at": _iso(400)},
        {"kind": "lunch", "participants": [reader, colleague], "occurred_at": _iso(3)},
    ]
    assert profiles.post("/v1/interactions/bulk", json={"items": history}).status_code == 201
    wait_until(
        lambda: _caught_up(redis_client, seen=b"interaction.recorded"),
        timeout_s=60,
        what="every event applied",
    )
    run = notifier.post("/v1/admin/periods/2026-W48/run")
    assert run.json()["enqueued"] == 3
    wait_until(
        lambda: (
            sum(
                notifier.get("/v1/admin/periods/2026-W48").json()["by_state"].get(state, 0)
                for state in ("sent", "empty", "failed")
            )
            == 3
        ),
        timeout_s=60,
        what="the period's digests",
    )
    # The reader was told about them: that e-mail is the reader's now, beyond Braise's reach.
    bodies = [
        email.message_from_bytes(raw, policy=default_policy).get_body(("plain",))
        for raw in raw_mails(maildir)
    ]
    contents = [body.get_content() for body in bodies if body is not None]
    assert any(NAME in content for content in contents), contents

    assert profiles.delete(f"/v1/consultants/{person}").status_code == 204
    wait_until(
        lambda: _caught_up(redis_client, seen=b"consultant.erased"),
        timeout_s=60,
        what="the erasure applied",
    )
    eraser = StreamEraser(redis_client)
    [erasure_entry] = [
        _entry_id(entry_id)
        for entry_id, fields in entries(redis_client, EVENTS_STREAM)
        if b"consultant.erased" in fields[b"event"]
    ]
    wait_until(
        lambda: _entry_id(redis_client.get(eraser.cursor_key)) >= erasure_entry,
        timeout_s=30,
        what="the relay to scrub the stream",
    )
    wait_for_rewrites(redis_client)

    # SQLite keeps a UUID column as 32 hex digits; JSON and logs write it with hyphens.
    needles = {
        "id": [person.encode(), uuid.UUID(person).hex.encode()],
        "e-mail": [EMAIL.encode()],
        "name": [b"Ombrelune"],  # their family name, however the rest is encoded
    }
    root = braise.root
    for label, db in (("profiles database", "profiles.db"), ("notifier database", "notifier.db")):
        disk = b"".join(p.read_bytes() for p in root.glob(f"{db}*"))  # with its -wal and -shm
        assert _found(disk, needles) == REMAINS[label], label

    engine = create_engine(f"sqlite:///{root / 'notifier.db'}")
    with engine.connect() as connection:
        tables = {
            table
            for table in inspect(engine).get_table_names()
            for row in connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
            if _found(repr(tuple(row)).encode(), needles)
        }
    assert tables == REMAINS["notifier tables"]

    keys = {
        key.decode()
        for client in _every_database(redis_client)
        for key in client.scan_iter(count=1000)
        if _found(key + bytes(client.dump(key) or b""), needles)
    }
    assert keys == REMAINS["redis keys"], keys
    naming = [
        fields[b"event"]
        for _, fields in entries(redis_client, EVENTS_STREAM)
        if _found(fields[b"event"], needles)
    ]
    assert len(naming) == 1
    assert b"consultant.erased" in naming[0]
    assert _found(persisted_bytes(redis_client), needles) == REMAINS["redis files"]

    records, _, _ = neo4j_driver.execute_query(EVERYTHING)
    naming_labels = {
        label
        for r in records
        if _found(repr(r["props"]).encode(), needles)
        for label in r["labels"]
    }
    assert naming_labels == REMAINS["neo4j"], naming_labels

    logs = b"".join(p.read_bytes() for p in (root / "log").glob("*.log"))
    assert _found(logs, needles) == REMAINS["logs"]
