"""The graph consumer as a real process: killed, starved of Neo4j, fed garbage; still exact."""

import random
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
from neo4j import Driver, GraphDatabase

from braise_shared.events import Event, InteractionRecordedV1, dump_event
from braise_shared.publisher import EventPublisher
from braise_shared.stream import DEAD_LETTER_STREAM, EVENTS_STREAM
from tests.support import events as ev
from tests.support.disposable import disposable_neo4j
from tests.support.graph import as_oracle, events_applied, stored_strengths
from tests.support.oracle import strengths
from tests.support.processes import service_process, wait_until
from tests.support.servers import SessionServers
from tests.support.streams import entries

DAY = 86_400.0
T0 = 1_700_000_000.0


def _history(people: int, count: int, seed: int) -> tuple[list[Event], list[InteractionRecordedV1]]:
    rnd = random.Random(seed)
    interactions = []
    for _ in range(count):
        size = min(people, rnd.choice([2, 2, 2, 3, 6]))
        group = rnd.sample(range(1, people + 1), size)
        t = T0 + rnd.uniform(0, 700 * DAY)
        interactions.append(ev.interaction(group, t, kind=rnd.choice(["lunch", "call", "event"])))
    registrations: list[Event] = [ev.profile(n) for n in range(1, people + 1)]
    return registrations + list(interactions), interactions


def _publish(client: redis.Redis, events: list[Event]) -> None:
    publisher = EventPublisher(client, groups=("graph",))
    publisher.prepare()
    for start in range(0, len(events), 500):
        chunk = events[start : start + 500]
        publisher.publish_many([(str(e.id), dump_event(e)) for e in chunk])


def _env(
    servers: SessionServers, neo4j_uri: str | None = None, password: str | None = None
) -> dict[str, str]:
    e = servers.endpoints
    return {
        "REDIS_URL": e.redis_url,
        "NEO4J_URI": neo4j_uri or e.neo4j_uri,
        "NEO4J_USER": e.neo4j_user,
        "NEO4J_PASSWORD": password or e.neo4j_password.get_secret_value(),
        "BRAISE_GRAPH_BATCH_SIZE": "150",
        "BRAISE_GRAPH_CONSUMER_NAME": "graph-test",
        "BRAISE_GRAPH_NEO4J_RETRY_S": "3",
        "BRAISE_LOG_LEVEL": "INFO",
    }


def _applied(driver: Driver) -> int:
    return events_applied(driver)


def _applied_at_least(driver: Driver, count: int) -> bool:
    return _applied(driver) >= count


def _caught_up(client: redis.Redis, group: str = "graph") -> bool:
    groups: list[dict[str, Any]] = client.xinfo_groups(EVENTS_STREAM)
    found = next((g for g in groups if g["name"] in (group.encode(), group)), None)
    return found is not None and bool(found["lag"] == 0 and found["pending"] == 0)


def _assert_equal_to_oracle(driver: Driver, interactions: list[InteractionRecordedV1]) -> None:
    at = T0 + 800 * DAY
    expected = strengths(as_oracle(interactions), at=at)
    got = stored_strengths(driver, at)
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-9)


def test_consumer_killed_mid_batch_and_restarted_ends_equal_to_the_oracle(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    events, interactions = _history(people=60, count=4000, seed=7)
    _publish(redis_client, events)
    total = len(events)

    for kill_after in (600, 1700, 3000):
        with service_process("braise_graph.consumer", _env(servers), tmp_path / "c.log") as proc:
            wait_until(
                partial(_applied_at_least, neo4j_driver, kill_after),
                timeout_s=120,
                what=f"{kill_after} events applied",
            )
            proc.kill()
        assert _applied(neo4j_driver) < total

    with service_process("braise_graph.consumer", _env(servers), tmp_path / "c.log") as proc:
        wait_until(lambda: _caught_up(redis_client), timeout_s=180, what="the group caught up")
        assert "Traceback" not in proc.log_tail(400)

    assert _applied(neo4j_driver) == total
    _assert_equal_to_oracle(neo4j_driver, interactions)


def test_consumer_waits_out_a_neo4j_outage_and_catches_up(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    events, interactions = _history(people=40, count=2500, seed=11)
    first, second = events[:1200], events[1200:]
    with disposable_neo4j(tmp_path / "neo4j") as neo4j:
        uri = f"bolt://127.0.0.1:{neo4j.settings.neo4j_bolt_port}"
        password = neo4j.settings.neo4j_password.get_secret_value()
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            env = _env(servers, neo4j_uri=uri, password=password)
            with service_process("braise_graph.consumer", env, tmp_path / "c.log") as proc:
                _publish(redis_client, first)
                wait_until(
                    lambda: _applied(driver) >= 300, timeout_s=120, what="a first part applied"
                )
                neo4j.stop()
                _publish(redis_client, second)
                wait_until(
                    lambda: (
                        "unavailable" in proc.log_tail(50).lower()
                        or "transient" in proc.log_tail(50).lower()
                    ),
                    timeout_s=60,
                    what="the consumer to notice the outage",
                )
                assert not _caught_up(redis_client)
                neo4j.start()
                wait_until(lambda: _caught_up(redis_client), timeout_s=240, what="catching up")
            assert _applied(driver) == len(events)
            _assert_equal_to_oracle(driver, interactions)


def test_malformed_event_is_dead_lettered_and_the_consumer_goes_on(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    events, interactions = _history(people=5, count=20, seed=3)
    _publish(redis_client, events[:10])
    redis_client.xadd(EVENTS_STREAM, {"event": b'{"type": "interaction.recorded", "version": 7}'})
    _publish(redis_client, events[10:])

    with service_process("braise_graph.consumer", _env(servers), tmp_path / "c.log"):
        wait_until(lambda: _caught_up(redis_client), timeout_s=60, what="the group caught up")

    dead = entries(redis_client, DEAD_LETTER_STREAM)
    assert len(dead) == 1
    assert dead[0][1][b"group"] == b"graph"
    assert b"unknown event type or version" in dead[0][1][b"error"]
    assert _applied(neo4j_driver) == len(events)
    _assert_equal_to_oracle(neo4j_driver, interactions)
