"""Partitioned graph consumers as real processes, killed at random: still equal to the oracle."""

import random
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
from neo4j import Driver

from braise_graph.bootstrap import build
from braise_graph.config import GraphSettings
from braise_graph.consumer import build_consumer, position_group
from braise_graph.partition import Partition
from braise_shared.events import Event, InteractionRecordedV1, dump_event, parse_event
from braise_shared.publisher import EventPublisher
from braise_shared.stream import EVENT_FIELD, EVENTS_STREAM, Delivered
from tests.support import events as ev
from tests.support.graph import (
    as_oracle,
    events_applied,
    new_store,
    stored_peaks,
    stored_strengths,
)
from tests.support.oracle import peak, strengths
from tests.support.processes import ServiceProcess, wait_until
from tests.support.servers import SessionServers
from tests.support.streams import entries as stream_entries

DAY = 86_400.0
T0 = 1_700_000_000.0


def _history(
    people: int, count: int, seed: int, erasures: int = 0
) -> tuple[list[Event], list[InteractionRecordedV1], frozenset[str]]:
    """Return registrations, then interactions in time order (the live case: exact peaks),
    with some people erased along the way; and who was erased."""
    rnd = random.Random(seed)
    times = sorted(T0 + rnd.uniform(0, 700 * DAY) for _ in range(count))
    interactions = [
        ev.interaction(
            rnd.sample(range(1, people + 1), min(people, rnd.choice([2, 2, 2, 3, 6]))),
            t,
            kind=rnd.choice(["lunch", "call", "event", "mission_together"]),
        )
        for t in times
    ]
    stream: list[Event] = [ev.profile(n) for n in range(1, people + 1)]
    stream += interactions
    erased = rnd.sample(range(1, people + 1), erasures)
    for n in erased:
        stream.insert(rnd.randrange(people, len(stream)), ev.erased(n))
    return stream, interactions, frozenset(str(ev.cid(n)) for n in erased)


def _publish(client: redis.Redis, events: list[Event]) -> None:
    publisher = EventPublisher(client, groups=())
    for start in range(0, len(events), 500):
        chunk = events[start : start + 500]
        publisher.publish_many([(str(e.id), dump_event(e)) for e in chunk])


def _consumer(servers: SessionServers, log: Path, index: int, count: int) -> ServiceProcess:
    e = servers.endpoints
    env = {
        "REDIS_URL": e.redis_url,
        "NEO4J_URI": e.neo4j_uri,
        "NEO4J_USER": e.neo4j_user,
        "NEO4J_PASSWORD": e.neo4j_password.get_secret_value(),
        "BRAISE_GRAPH_BATCH_SIZE": "120",
        "BRAISE_GRAPH_PARTITIONS": str(count),
        "BRAISE_GRAPH_PARTITION": str(index),
        "BRAISE_LOG_LEVEL": "INFO",
    }
    return ServiceProcess("braise_graph.consumer", env, log)


def _caught_up(client: redis.Redis, count: int) -> bool:
    groups: dict[str, dict[str, Any]] = {
        g["name"].decode(): g for g in client.xinfo_groups(EVENTS_STREAM)
    }
    names = ["graph", *(f"graph-{i}" for i in range(1, count))]
    return all(
        name in groups and groups[name]["lag"] == 0 and groups[name]["pending"] == 0
        for name in names
    )


def _applied_more_than(driver: Driver, count: int) -> bool:
    return events_applied(driver) > count


def _assert_equal_to_oracle(
    driver: Driver, interactions: list[InteractionRecordedV1], erased: frozenset[str]
) -> None:
    at = T0 + 800 * DAY
    oracle = as_oracle(interactions)
    expected = strengths(oracle, at=at, erased=erased)
    got = stored_strengths(driver, at)
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-9), pair
    for pair, stored in stored_peaks(driver).items():
        assert stored == pytest.approx(peak(oracle, pair), rel=1e-9), pair


def _run_killing_at_random(
    servers: SessionServers,
    driver: Driver,
    client: redis.Redis,
    tmp_path: Path,
    rnd: random.Random,
    *,
    count: int,
    chunks: list[list[Event]],
    until_applied: int,
) -> None:
    """Run `count` partitions and publish the chunks one at a time: after each, once some of
    it was applied, SIGKILL one partition at random and restart it (so every kill lands while
    there is work left, however fast the machine); then SIGKILL them all once
    `until_applied` events are in."""
    consumers = [_consumer(servers, tmp_path / f"p{i}.log", i, count) for i in range(count)]
    with ExitStack() as stack:
        for process in consumers:
            process.start()
            stack.callback(process.stop)
        for chunk in chunks:
            before = events_applied(driver)
            _publish(client, chunk)
            wait_until(
                partial(_applied_more_than, driver, before),
                timeout_s=120,
                what="some progress",
            )
            time.sleep(rnd.uniform(0.0, 0.4))
            victim = rnd.choice(consumers)
            victim.kill()
            victim.start()
        wait_until(
            lambda: events_applied(driver) >= until_applied,
            timeout_s=120,
            what=f"{until_applied} events applied",
        )
        for process in consumers:
            process.kill()


def _chunks(events: list[Event], size: int) -> list[list[Event]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


def test_three_partitions_killed_at_random_end_equal_to_the_oracle(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    events, interactions, erased = _history(people=50, count=3000, seed=13, erasures=3)
    rnd = random.Random(21)
    _run_killing_at_random(
        servers,
        neo4j_driver,
        redis_client,
        tmp_path,
        rnd,
        count=3,
        chunks=_chunks(events[:2400], 300),
        until_applied=2000,
    )
    # The rest is published once they are all killed: the restarted consumers have work left
    # however fast the first ones were.
    _publish(redis_client, events[2400:])

    with ExitStack() as stack:
        for i in range(3):
            process = _consumer(servers, tmp_path / f"p{i}.log", i, 3)
            process.start()
            stack.callback(process.stop)
        wait_until(lambda: _caught_up(redis_client, 3), timeout_s=240, what="every group")
        assert "Traceback" not in process.log_tail(400)

    # Exactness first: every strength and peak equals the oracle's.
    _assert_equal_to_oracle(neo4j_driver, interactions, erased)
    assert events_applied(neo4j_driver) == len(events)
    records, _, _ = neo4j_driver.execute_query("MATCH (c:Consultant) RETURN c.id AS id")
    assert {r["id"] for r in records} == {str(ev.cid(n)) for n in range(1, 51)} - erased


def test_changing_the_number_of_partitions_midstream_stays_exact(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    events, interactions, erased = _history(people=40, count=2400, seed=17)
    rnd = random.Random(8)
    one, three = _chunks(events[:700], 700), _chunks(events[700:1500], 400)
    _run_killing_at_random(
        servers, neo4j_driver, redis_client, tmp_path, rnd, count=1, chunks=one, until_applied=500
    )
    _run_killing_at_random(
        servers,
        neo4j_driver,
        redis_client,
        tmp_path,
        rnd,
        count=3,
        chunks=three,
        until_applied=1100,
    )
    _publish(redis_client, events[1500:])
    with ExitStack() as stack:
        for i in range(2):
            process = _consumer(servers, tmp_path / f"p{i}.log", i, 2)
            process.start()
            stack.callback(process.stop)
        wait_until(lambda: _caught_up(redis_client, 2), timeout_s=240, what="both groups")

    groups = {g["name"] for g in redis_client.xinfo_groups(EVENTS_STREAM)}
    assert groups == {b"graph", b"graph-1"}  # partition 0 dropped the third one's group
    # Exactness first: every strength and peak equals the oracle's.
    _assert_equal_to_oracle(neo4j_driver, interactions, erased)
    assert events_applied(neo4j_driver) == len(events)


def test_a_group_pending_past_a_slot_it_takes_over_starts_anew_and_skips_nothing(
    servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    """Two partitions stop unevenly; one process takes every slot over. The `graph` group
    still has entries pending beyond the slow slots' watermark: read first, they would
    carry those watermarks past the entries in between (the defect CI once caught)."""
    events, interactions, erased = _history(people=20, count=400, seed=5)
    _publish(redis_client, events)
    delivered = [
        Delivered(entry_id, parse_event(fields[EVENT_FIELD]))
        for entry_id, fields in stream_entries(redis_client, EVENTS_STREAM)
    ]
    new_store(neo4j_driver, Partition(0, 2)).apply_entries(delivered[:300])
    new_store(neo4j_driver, Partition(1, 2)).apply_entries(delivered[:100])
    # The first partition's group: up to 300 applied and acknowledged, 300..360 pending.
    redis_client.xgroup_create(EVENTS_STREAM, "graph", id="0")
    redis_client.xreadgroup("graph", "before", {EVENTS_STREAM: ">"}, count=360)
    redis_client.xack(EVENTS_STREAM, "graph", *[d.entry_id for d in delivered[:300]])

    e = servers.endpoints
    settings = GraphSettings(
        neo4j_uri=e.neo4j_uri,
        neo4j_user=e.neo4j_user,
        neo4j_password=e.neo4j_password,
        redis_url=e.redis_url,
        batch_size=50,
    )
    graph = build(settings, driver=neo4j_driver)
    start = position_group(redis_client, graph.store, settings)

    assert start == delivered[99].entry_id.decode()
    assert redis_client.xpending(EVENTS_STREAM, "graph")["pending"] == 0
    consumer = build_consumer(redis_client, graph)
    for _ in range(100):
        if _caught_up(redis_client, 1):
            break
        consumer.poll_once()
    assert _caught_up(redis_client, 1)
    _assert_equal_to_oracle(neo4j_driver, interactions, erased)
    assert events_applied(neo4j_driver) == len(events)
