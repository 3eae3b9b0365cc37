"""The stream helpers against real Redis: publish once, consume, dead-letter, claim, trim."""

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
import redis

from braise_shared.events import ConsultantErased, ConsultantErasedV1, dump_event
from braise_shared.publisher import EventPublisher
from braise_shared.stream import (
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    ConsumerConfig,
    Delivered,
    StreamConsumer,
)
from tests.support.streams import entries, read_group


class TransientError(Exception):
    """Stands for a dependency that is briefly unavailable."""


def _events(count: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(count):
        event = ConsultantErasedV1(
            occurred_at=datetime.now(UTC),
            producer="test",
            data=ConsultantErased(consultant_id=uuid.UUID(int=i + 1)),
        )
        out.append((str(event.id), dump_event(event)))
    return out


class Recorder:
    """A batch handler that records what it committed, and fails on request."""

    def __init__(self) -> None:
        self.committed: list[uuid.UUID] = []
        self.batches: list[int] = []
        self.transient_failures = 0
        self.poison: set[uuid.UUID] = set()

    def __call__(self, batch: Sequence[Delivered]) -> None:
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientError("graph store unavailable")
        for item in batch:
            if item.event.data.consultant_id in self.poison:  # type: ignore[union-attr]
                raise ValueError("cannot apply this event")
        self.batches.append(len(batch))
        self.committed.extend(d.event.id for d in batch)


def _consumer(
    client: redis.Redis,
    handler: Recorder,
    read_ahead: Callable[[Sequence[Delivered]], None] | None = None,
    **overrides: object,
) -> StreamConsumer:
    settings: dict[str, object] = {"batch_size": 10, "block_ms": 10, "retry_initial_s": 0.01}
    config = ConsumerConfig(group="graph", consumer="c1", **{**settings, **overrides})  # type: ignore[arg-type]
    consumer = StreamConsumer(
        client, config, handler, lambda e: isinstance(e, TransientError), read_ahead
    )
    consumer.prepare()
    return consumer


def _drain(consumer: StreamConsumer, rounds: int = 20) -> None:
    for _ in range(rounds):
        consumer.poll_once()


def test_publishing_the_same_event_id_twice_appends_once(redis_client: redis.Redis) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(3)

    assert publisher.publish_many(events) == [True, True, True]
    assert publisher.publish_many([events[1], *_events(1)]) == [False, True]
    assert redis_client.xlen(EVENTS_STREAM) == 4


def test_consumer_handles_in_batches_and_acknowledges_after_commit(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(25)
    publisher.publish_many(events)
    handler = Recorder()
    consumer = _consumer(redis_client, handler)

    _drain(consumer)

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert handler.batches == [10, 10, 5]
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


def test_malformed_entry_goes_to_dead_letters_and_the_rest_goes_on(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    publisher.publish_many(_events(2))
    redis_client.xadd(EVENTS_STREAM, {"event": b'{"type": "consultant.erased", "version": 9}'})
    redis_client.xadd(EVENTS_STREAM, {"event": b"not json"})
    publisher.publish_many(_events(2))
    handler = Recorder()

    _drain(_consumer(redis_client, handler))

    assert len(handler.committed) == 4
    dead = entries(redis_client, DEAD_LETTER_STREAM)
    assert [fields[b"event"] for _, fields in dead] == [
        b'{"type": "consultant.erased", "version": 9}',
        b"not json",
    ]
    assert b"unknown event type or version" in dead[0][1][b"error"]
    assert dead[0][1][b"group"] == b"graph"
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


def test_transient_failure_is_retried_without_losing_or_dead_lettering(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(5)
    publisher.publish_many(events)
    handler = Recorder()
    handler.transient_failures = 3

    _drain(_consumer(redis_client, handler))

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert redis_client.xlen(DEAD_LETTER_STREAM) == 0


def test_entry_failing_repeatedly_is_dead_lettered_after_max_failures(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(4)
    publisher.publish_many(events)
    handler = Recorder()
    handler.poison = {uuid.UUID(int=2)}

    _drain(_consumer(redis_client, handler, max_failures=3))

    committed = [str(i) for i in handler.committed]
    assert committed == [events[0][0], events[2][0], events[3][0]]
    [(_, dead)] = entries(redis_client, DEAD_LETTER_STREAM)
    assert dead[b"event"] == events[1][1]
    assert dead[b"error"].startswith(b"failed 3 times")
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


def test_entries_of_a_dead_consumer_are_claimed_by_another(redis_client: redis.Redis) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(3)
    publisher.publish_many(events)
    # A consumer read the entries and died before acknowledging them.
    redis_client.xreadgroup("graph", "dead-consumer", {EVENTS_STREAM: ">"}, count=10)
    handler = Recorder()

    _drain(_consumer(redis_client, handler, claim_idle_ms=0), rounds=3)

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


def test_trim_never_drops_what_a_group_has_not_acknowledged(redis_client: redis.Redis) -> None:
    publisher = EventPublisher(redis_client, groups=("graph", "notifier"), retention_s=0, max_len=2)
    publisher.prepare()
    events = _events(6)
    publisher.publish_many(events)
    graph = Recorder()
    _drain(_consumer(redis_client, graph))
    # The notifier read two entries and acknowledged only the first.
    read = read_group(redis_client, "notifier", "n1", EVENTS_STREAM, count=2)
    redis_client.xack(EVENTS_STREAM, "notifier", read[0][0])

    removed = publisher.trim()

    assert removed == 1
    remaining = [fields[b"event"] for _, fields in entries(redis_client, EVENTS_STREAM)]
    assert remaining == [payload for _, payload in events[1:]]


@pytest.mark.parametrize("retention_s", [3600])
def test_trim_keeps_acknowledged_entries_within_retention_when_under_the_cap(
    redis_client: redis.Redis, retention_s: int
) -> None:
    publisher = EventPublisher(redis_client, groups=("graph",), retention_s=retention_s)
    publisher.prepare()
    publisher.publish_many(_events(3))
    _drain(_consumer(redis_client, Recorder()))

    assert publisher.trim() == 0
    assert redis_client.xlen(EVENTS_STREAM) == 3


def test_in_order_consumer_handles_older_pending_entries_first_at_once(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(6)
    publisher.publish_many(events[:3])
    # Another consumer of the group read the first entries and vanished (renamed, crashed).
    redis_client.xreadgroup("graph", "gone", {EVENTS_STREAM: ">"}, count=10)
    publisher.publish_many(events[3:])
    handler = Recorder()

    _drain(_consumer(redis_client, handler, in_order=True, batch_size=2), rounds=6)

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


class IntruderAfterClaim:
    """A Redis client through which a second consumer of the group reads two new entries
    right after our first claim finds nothing pending: the race the in-order check closes."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._raced = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def xautoclaim(self, *args: object, **kwargs: object) -> object:
        claimed = self._client.xautoclaim(*args, **kwargs)  # type: ignore[arg-type]
        if not self._raced:
            self._raced = True
            self._client.xreadgroup("graph", "intruder", {EVENTS_STREAM: ">"}, count=2)
        return claimed


def test_in_order_consumer_holds_back_new_entries_while_older_ones_are_pending_elsewhere(
    redis_client: redis.Redis,
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(6)
    publisher.publish_many(events)
    handler = Recorder()
    consumer = _consumer(redis_client, handler, in_order=True, batch_size=2)
    consumer.client = IntruderAfterClaim(redis_client)  # type: ignore[assignment]

    assert consumer.poll_once() == 0
    assert handler.committed == []
    _drain(consumer, rounds=5)

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0


@pytest.mark.parametrize("failures", [0, 2])
def test_reading_ahead_keeps_the_stream_order_through_transient_failures(
    redis_client: redis.Redis, failures: int
) -> None:
    publisher = EventPublisher(redis_client)
    publisher.prepare()
    events = _events(25)
    publisher.publish_many(events)
    handler = Recorder()
    handler.transient_failures = failures

    prepared: list[Delivered] = []

    _drain(_consumer(redis_client, handler, prepared.extend, in_order=True), rounds=12)

    assert [str(i) for i in handler.committed] == [eid for eid, _ in events]
    assert handler.batches == [10, 10, 5]
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0
    # Each batch after the first was read, and prepared, while the one before was handled.
    assert set(handler.committed[10:]) <= {d.event.id for d in prepared}
