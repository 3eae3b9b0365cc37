"""Erasure in the SQL stores: nothing readable is left in the files, not even in free pages."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from braise_notifier.db import DigestRow, ErasedRow, make_engine, session_factory, unit_of_work
from braise_notifier.projections import project
from braise_profiles.db import IdempotencyRow, OutboxRow
from tests.support import events as ev
from tests.support.profiles import ProfilesUnderTest, admin_headers, profiles_under_test
from tests.support.servers import SessionServers


def sqlite_bytes(path: Path) -> bytes:
    """Return the database file and its WAL, as the disk holds them."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def id_forms(consultant_id: str) -> list[bytes]:
    """Return how an id may be written: with hyphens (JSON) and as 32 hex digits (SQLite)."""
    return [consultant_id.encode(), uuid.UUID(consultant_id).hex.encode()]


@pytest.fixture
def profiles(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def test_profiles_erasure_leaves_only_the_erased_event_in_the_database_file(
    profiles: ProfilesUnderTest, tmp_path: Path
) -> None:
    admin = admin_headers()
    name, email = "Zéphyrine Quillard", "zephyrine.quillard@example.org"
    response = profiles.client.post(
        "/v1/consultants",
        json={"email": email, "display_name": name, "city": "Valenciennes"},
        headers={**admin, "Idempotency-Key": "hr-import-7"},
    )
    assert response.status_code == 201
    person = response.json()["id"]
    other = profiles.register("karim@example.org", "Karim Benali")["id"]
    third = profiles.register("lea@example.org", "Léa Dubois")["id"]
    for participants in ([person, other], [person, other, third]):
        recorded = profiles.client.post(
            "/v1/interactions",
            json={
                "kind": "lunch",
                "participants": participants,
                "occurred_at": "2025-05-20T12:30:00Z",
            },
            headers=admin,
        )
        assert recorded.status_code == 201
    profiles.drain()

    assert profiles.client.delete(f"/v1/consultants/{person}", headers=admin).status_code == 204

    disk = sqlite_bytes(tmp_path / "profiles.db")
    print(tmp_path)
    for secret in (name.encode(), email.encode(), b"Valenciennes"):
        assert secret not in disk
    # The id stays only in the unpublished `consultant.erased` row of the outbox.
    with profiles.relay.session_factory() as session:
        naming = [
            row.event_type
            for row in session.scalars(select(OutboxRow))
            if person.encode() in row.payload or row.subject_id == uuid.UUID(person)
        ]
        assert naming == ["consultant.erased@1"]
        [stored] = session.scalars(select(IdempotencyRow)).all()
        assert stored.status_code == 410
        assert person.encode() not in stored.body
    # A retried registration is recognised: it cannot bring the person back.
    again = profiles.client.post(
        "/v1/consultants",
        json={"email": email, "display_name": name, "city": "Valenciennes"},
        headers={**admin, "Idempotency-Key": "hr-import-7"},
    )
    assert again.status_code == 410


def test_notifier_erasure_scrubs_other_readers_digests_and_zeroes_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "n.db"
    factory = session_factory(make_engine(f"sqlite:///{path}"))
    person, reader = str(ev.cid(1)), str(ev.cid(2))
    project(
        factory,
        [
            ev.profile(1, name="Zéphyrine Quillard"),
            ev.profile(2, name="Camille Martin"),
        ],
    )
    suggestions = [
        {"consultant_id": person, "stage": "dormant", "gesture": "congratulate"},
        {"consultant_id": str(ev.cid(3)), "stage": "cooling", "gesture": "share_resource"},
    ]
    refused = "refused: Zéphyrine Quillard <c1@example.org>"
    with unit_of_work(factory) as session:
        for owner, error in ((person, None), (reader, refused)):
            session.add(
                DigestRow(
                    period="2026-W48",
                    consultant_id=owner,
                    state="sent",
                    attempts=1,
                    suggestions=json.dumps(suggestions),
                    error=error,
                    created_at=datetime.now(UTC),
                    event_published=True,
                )
            )

    project(factory, [ev.erased(1)])

    with factory() as session:
        [left] = session.scalars(select(DigestRow)).all()
        assert left.consultant_id == reader
        assert json.loads(left.suggestions or "") == suggestions[1:]
        assert left.error == "refused: [erased] <[erased]>"
        assert session.get(ErasedRow, person) is not None
    disk = sqlite_bytes(path)
    assert b"Quillard" not in disk
    assert b"c1@example.org" not in disk
    # Only the `erased` row (and its index entry) still holds the id.
    assert disk.count(person.encode()) <= 2
