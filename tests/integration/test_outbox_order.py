"""The outbox reaches the stream in commit order, each event once, under concurrent writers.

PostgreSQL runs write transactions side by side: an outbox row can take its sequence number
before another transaction's row and commit after it. The relay publishes by sequence
number, so the numbers must follow the commits (see docs/architecture.md, "Outbox order").
"""

import random
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.consultants.schemas import ConsultantIn
from braise_profiles.consultants.service import register_consultants
from braise_profiles.db import OutboxRow, make_engine, make_session_factory, unit_of_work
from braise_profiles.interactions.schemas import InteractionIn
from braise_profiles.interactions.service import record_interactions
from braise_profiles.migrate import upgrade_to_head
from braise_profiles.outbox import OutboxRelay
from braise_shared.events import InteractionRecordedV1, parse_event
from tests.support.sql import empty_database


class Recorder:
    """A stream that keeps what the relay appends, in order."""

    def __init__(self) -> None:
        self.payloads: list[bytes] = []

    def publish_many(self, events: Sequence[tuple[str, bytes]]) -> list[bool]:
        self.payloads.extend(payload for _id, payload in events)
        return [True] * len(events)

    def interaction_ids(self) -> list[uuid.UUID]:
        found = [parse_event(p) for p in self.payloads]
        return [e.data.interaction_id for e in found if isinstance(e, InteractionRecordedV1)]


@pytest.fixture
def postgres_factory(postgres_database: str) -> Iterator[sessionmaker[Session]]:
    empty_database(postgres_database)
    engine = make_engine(postgres_database)
    upgrade_to_head(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _lunch(people: list[uuid.UUID], note: str) -> InteractionIn:
    when = datetime.now(UTC) - timedelta(days=1)
    return InteractionIn(kind="lunch", participants=people, occurred_at=when, note=note)


def _register(factory: sessionmaker[Session], count: int) -> list[uuid.UUID]:
    items = [ConsultantIn(email=f"p{n}@example.org", display_name=f"P{n}") for n in range(count)]
    with unit_of_work(factory) as session:
        return [c.id for c in register_consultants(session=session, items=items)]


def test_a_transaction_that_commits_later_publishes_later_on_postgres(
    postgres_factory: sessionmaker[Session],
) -> None:
    people = _register(postgres_factory, 2)
    stream = Recorder()
    relay = OutboxRelay(postgres_factory, stream.publish_many)
    relay.relay_once()

    # The first writer has written everything it writes, then is slow to commit; the second
    # writes and commits meanwhile.
    with unit_of_work(postgres_factory) as first:
        [slow] = record_interactions(session=first, items=[_lunch(people, "first")])
        first.flush()
        with unit_of_work(postgres_factory) as second:
            [quick] = record_interactions(session=second, items=[_lunch(people, "second")])
    relay.relay_once()

    assert stream.interaction_ids() == [quick.id, slow.id]


def test_relay_polling_among_slow_concurrent_commits_publishes_in_commit_order_on_postgres(
    postgres_factory: sessionmaker[Session],
) -> None:
    people = _register(postgres_factory, 4)
    stream = Recorder()
    relay = OutboxRelay(postgres_factory, stream.publish_many, batch_size=5)
    writing = threading.Event()
    writing.set()

    def relay_while_writing() -> None:
        while writing.is_set():
            relay.relay_once()
            time.sleep(0.002)

    def write(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(15):
            with unit_of_work(postgres_factory) as session:
                pair = rng.sample(people, 2)
                record_interactions(session=session, items=[_lunch(pair, f"{seed}.{n}")])
                session.flush()
                time.sleep(rng.uniform(0, 0.02))  # a slow commit: others commit meanwhile

    relaying = threading.Thread(target=relay_while_writing)
    relaying.start()
    with ThreadPoolExecutor(6) as pool:
        for done in [pool.submit(write, seed) for seed in range(6)]:
            done.result()
    writing.clear()
    relaying.join()
    while relay.relay_once():
        pass

    published = [parse_event(p) for p in stream.payloads]
    with postgres_factory() as session:
        outbox = list(session.scalars(select(OutboxRow.event_id).order_by(OutboxRow.seq)))
    # The relay published what it saw, as it saw it: had any row become visible before a
    # smaller number, the stream would show the two the other way round.
    assert [str(e.id) for e in published] == outbox
    assert len(outbox) == 4 + 6 * 15
