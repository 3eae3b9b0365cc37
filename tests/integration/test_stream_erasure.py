"""Erasure on the stream: entries naming the person go once every group read them, and so does
what Redis wrote of them to disk; a lagging group still reads every entry it needs."""

from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from braise_notifier.db import RecipientRow, make_engine, session_factory
from braise_notifier.projections import project
from braise_notifier.spread import SpreadCap
from braise_shared.events import dump_event, parse_event
from braise_shared.publisher import EventPublisher
from braise_shared.stream import DEAD_LETTER_STREAM, EVENTS_STREAM
from braise_shared.stream_erasure import StreamEraser
from tests.support import events as ev
from tests.support.redis_files import (
    aof_enabled,
    persisted_bytes,
    readable_persistence,
    wait_for_rewrites,
)
from tests.support.streams import entries, read_group

NAME = "Zéphyrine Quillard"


def _publish(client: "redis.Redis") -> list[bytes]:
    publisher = EventPublisher(client)
    publisher.prepare()
    history = [
        ev.profile(1, name=NAME),
        ev.profile(2),
        ev.profile(3),
        ev.interaction([1, 2], 1_650_000_000.0),
        ev.interaction([1, 2, 3], 1_650_000_100.0),  # also moves the link 2-3
        ev.interaction([2, 3], 1_650_000_200.0),
        ev.erased(1),
    ]
    publisher.publish_many([(str(e.id), dump_event(e)) for e in history])
    # A dead letter about them, as a consumer would have written it.
    client.xadd(DEAD_LETTER_STREAM, {"event": dump_event(ev.profile(1, revision=2, name=NAME))})
    return [entry_id for entry_id, _ in entries(client, EVENTS_STREAM)]


def _ack_all(client: "redis.Redis", group: str) -> list[bytes]:
    read = read_group(client, group, "c1", EVENTS_STREAM, count=100)
    if read:
        client.xack(EVENTS_STREAM, group, *[entry_id for entry_id, _ in read])
    return [fields[b"event"] for _, fields in read]


def test_entries_naming_an_erased_person_go_once_every_group_read_them(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    person = str(ev.cid(1)).encode()
    published = _publish(redis_client)
    eraser = StreamEraser(redis_client)
    _ack_all(redis_client, "graph")

    # The notifier lags: nothing it has not read is deleted, not even the group lunch.
    assert eraser.scrub() == 0
    assert len(entries(redis_client, EVENTS_STREAM)) == len(published)
    lagging = _ack_all(redis_client, "notifier")
    assert len(lagging) == len(published)
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))
    project(factory, [parse_event(raw) for raw in lagging])
    with factory() as session:
        assert sorted(session.scalars(select(RecipientRow.id))) == [
            str(ev.cid(2)),
            str(ev.cid(3)),
        ]

    with readable_persistence(redis_client):
        assert eraser.scrub() == 4  # their profile, their two interactions, the dead letter
        left = entries(redis_client, EVENTS_STREAM)
        naming = [fields[b"event"] for _, fields in left if person in fields[b"event"]]
        assert [parse_event(raw).type for raw in naming] == ["consultant.erased"]
        assert [eid for eid, _ in left] == [published[i] for i in (1, 2, 5, 6)]
        assert entries(redis_client, DEAD_LETTER_STREAM) == []
        assert eraser.scrub() == 0  # each erasure is scrubbed once

        if aof_enabled(redis_client):
            wait_for_rewrites(redis_client)
            disk = persisted_bytes(redis_client)
            assert NAME.encode() not in disk
            assert b"c1@example.org" not in disk


def test_a_rewrite_already_running_is_asked_for_again(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish(redis_client)
    for group in ("graph", "notifier"):
        _ack_all(redis_client, group)
    eraser = StreamEraser(redis_client)
    calls: list[str] = []

    def busy() -> None:
        calls.append("bgrewriteaof")
        raise redis.ResponseError("Background append only file rewriting already in progress")

    with monkeypatch.context() as patched:
        patched.setattr(redis_client, "bgrewriteaof", busy)
        patched.setattr(redis_client, "config_get", lambda _name: {"appendonly": "yes"})
        assert eraser.scrub() == 4
        assert eraser.scrub() == 0  # nothing left to delete, but the rewrite is still owed
        assert calls == ["bgrewriteaof", "bgrewriteaof"]
        assert redis_client.get(eraser.cursor_key) is None
    assert eraser.scrub() == 0
    assert redis_client.get(eraser.cursor_key) is not None


def test_rebuilding_the_stream_keeps_every_group_where_it_was(redis_client: redis.Redis) -> None:
    _publish(redis_client)
    for group in ("graph", "notifier"):
        _ack_all(redis_client, group)
    later = [ev.profile(4), ev.profile(5)]
    EventPublisher(redis_client).publish_many([(str(e.id), dump_event(e)) for e in later])
    read_group(redis_client, "notifier", "c2", EVENTS_STREAM, count=1)  # left pending
    groups_before = redis_client.xinfo_groups(EVENTS_STREAM)
    pending_before = redis_client.xpending_range(EVENTS_STREAM, "notifier", "-", "+", 10)

    assert StreamEraser(redis_client).scrub() == 4

    assert redis_client.xinfo_groups(EVENTS_STREAM) == groups_before
    pending = redis_client.xpending_range(EVENTS_STREAM, "notifier", "-", "+", 10)
    assert [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pending] == [
        (p["message_id"], p["consumer"], p["times_delivered"]) for p in pending_before
    ]
    # The groups go on from where they were: the graph gets both, the notifier the second.
    assert len(read_group(redis_client, "graph", "c1", EVENTS_STREAM, count=10)) == 2
    assert len(read_group(redis_client, "notifier", "c2", EVENTS_STREAM, count=10)) == 1
    new = EventPublisher(redis_client).publish_many([(str(ev.erased(2).id), b"{}")])
    assert new == [True]


def test_spread_cap_forgets_an_erased_person_as_proposed_and_as_reader(
    redis_client: redis.Redis,
) -> None:
    spread = SpreadCap(redis_client, cap=3)
    person, reader, other = str(ev.cid(1)), str(ev.cid(2)), str(ev.cid(3))
    spread.reserve("2026-W48", reader, person)
    spread.reserve("2026-W48", person, other)
    spread.reserve("2026-W48", reader, other)

    spread.forget(person)

    assert redis_client.exists(spread.key("2026-W48", person)) == 0
    assert spread.readers_of("2026-W48", other) == {reader}
