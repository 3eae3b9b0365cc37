"""The outbox relay: oldest first, marked only once published, nothing lost when it fails.

The SQL side is a real SQLite file; the stream is a fake that records or refuses.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.db import OutboxRow, make_engine, make_session_factory, unit_of_work
from braise_profiles.migrate import upgrade_to_head
from braise_profiles.outbox import OutboxRelay, stage_event
from braise_shared.events import ConsultantErased, ConsultantErasedV1


class FakeStream:
    """Appends in order; remembers ids; can be made to fail like a Redis that is down."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, bytes]] = []
        self.down = False

    def publish_many(self, events: Sequence[tuple[str, bytes]]) -> list[bool]:
        if self.down:
            raise ConnectionError("redis is down")
        seen = {eid for eid, _ in self.entries}
        appended = []
        for event_id, payload in events:
            appended.append(event_id not in seen)
            if event_id not in seen:
                self.entries.append((event_id, payload))
                seen.add(event_id)
        return appended


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'profiles.db'}")
    upgrade_to_head(engine)
    return make_session_factory(engine)


def _stage(factory: sessionmaker[Session], count: int) -> list[str]:
    ids = []
    with unit_of_work(factory) as session:
        for i in range(count):
            event = ConsultantErasedV1(
                occurred_at=datetime.now(UTC),
                producer="profiles",
                data=ConsultantErased(consultant_id=uuid.UUID(int=i + 1)),
            )
            stage_event(session, event, subject_id=None)
            ids.append(str(event.id))
    return ids


def _unpublished(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return len(session.scalars(select(OutboxRow).where(OutboxRow.published_at.is_(None))).all())


def test_relay_publishes_in_commit_order_and_marks_rows(factory: sessionmaker[Session]) -> None:
    ids = _stage(factory, 7)
    stream = FakeStream()
    relay = OutboxRelay(factory, stream.publish_many, batch_size=3)

    moved = [relay.relay_once() for _ in range(4)]

    assert moved == [3, 3, 1, 0]
    assert [eid for eid, _ in stream.entries] == ids
    assert orjson.loads(stream.entries[0][1])["type"] == "consultant.erased"
    assert _unpublished(factory) == 0


def test_relay_keeps_rows_while_the_stream_is_down(factory: sessionmaker[Session]) -> None:
    ids = _stage(factory, 4)
    stream = FakeStream()
    stream.down = True
    relay = OutboxRelay(factory, stream.publish_many, batch_size=10)

    with pytest.raises(ConnectionError):
        relay.relay_once()
    assert _unpublished(factory) == 4

    stream.down = False
    assert relay.relay_once() == 4
    assert [eid for eid, _ in stream.entries] == ids


def test_relay_that_published_but_did_not_mark_publishes_nothing_twice(
    factory: sessionmaker[Session],
) -> None:
    ids = _stage(factory, 3)
    stream = FakeStream()
    # A first relay published, then died before marking its rows.
    stream.publish_many([(eid, b"{}") for eid in ids[:2]])

    relay = OutboxRelay(factory, stream.publish_many, batch_size=10)
    assert relay.relay_once() == 3

    assert [eid for eid, _ in stream.entries] == ids
    assert _unpublished(factory) == 0


def test_purge_deletes_only_old_published_rows(factory: sessionmaker[Session]) -> None:
    _stage(factory, 2)
    relay = OutboxRelay(factory, FakeStream().publish_many, batch_size=1)
    relay.relay_once()
    _stage(factory, 1)

    assert relay.purge_published(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert relay.purge_published(datetime.now(UTC) + timedelta(seconds=1)) == 1
    with factory() as session:
        assert len(session.scalars(select(OutboxRow)).all()) == 2


def test_events_of_a_rolled_back_transaction_are_never_written(
    factory: sessionmaker[Session],
) -> None:
    def erased(n: int) -> ConsultantErasedV1:
        return ConsultantErasedV1(
            occurred_at=datetime.now(UTC),
            producer="profiles",
            data=ConsultantErased(consultant_id=uuid.UUID(int=n)),
        )

    kept = erased(2)
    with factory() as session:
        session.begin()
        stage_event(session, erased(1), subject_id=None)
        session.rollback()  # the use case failed
        with session.begin():
            stage_event(session, kept, subject_id=None)

    with factory() as session:
        assert [r.event_id for r in session.scalars(select(OutboxRow))] == [str(kept.id)]
