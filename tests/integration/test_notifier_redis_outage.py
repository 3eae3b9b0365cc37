"""A Redis outage leaves no lasting damage: a planning run cut short finishes by itself once
Redis is back, and the lag metric reads what the group has not processed, 0 once it has."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_cli.stack.servers import RedisServer
from braise_shared.metrics import StreamGroupsCollector
from braise_shared.stream import EVENTS_STREAM, ensure_groups
from tests.support.disposable import disposable_redis
from tests.support.notifier import (
    FINAL,
    NotifierUnderTest,
    firm_of_dormant_friends,
    notifier_under_test,
    reader_event,
)
from tests.support.processes import wait_until
from tests.support.servers import SessionServers

PERIOD = "2026-W48"
OUTAGE_S = 20.0

# Run the operator's planning task in a process of its own, as a worker would, and signal
# `marker` when it is about to publish its third batch; hold that publish until Redis is down.
PLAN_CUT_SHORT = """
import sys, time
import redis
from braise_notifier import tasks

marker, redis_url, period = sys.argv[1:]
publish = tasks.send_digests.apply_async
calls = 0

def publish_once_redis_is_down_from_the_third(*args, **kwargs):
    global calls
    calls += 1
    if calls == 3:
        open(marker, "w").close()
        probe = redis.Redis.from_url(redis_url, socket_timeout=1)
        while True:
            try:
                probe.ping()
            except redis.RedisError:
                break
            time.sleep(0.2)
    return publish(*args, **kwargs)

tasks.send_digests.apply_async = publish_once_redis_is_down_from_the_third
print("enqueued", tasks.plan_period(period))
"""


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with disposable_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    own_redis: RedisServer,
) -> Iterator[NotifierUnderTest]:
    with notifier_under_test(
        tmp_path,
        servers,
        neo4j_driver,
        maildir,
        redis_port=own_redis.settings.redis_port,
        BRAISE_NOTIFIER_SEND_BATCH_SIZE="2",
    ) as running:
        yield running


def test_a_planning_run_whose_enqueue_fails_midway_finishes_once_redis_is_back(
    notifier: NotifierUnderTest, own_redis: RedisServer, tmp_path: Path
) -> None:
    readers = [reader_event(n) for n in range(1, 7)]
    notifier.know(firm_of_dormant_friends(readers))  # 6 readers and 6 friends: 6 batches
    marker = tmp_path / "third-batch"
    env = {**notifier.worker.env, "BRAISE_NOTIFIER_SEND_BATCH_SIZE": "2"}
    run = subprocess.Popen(
        [sys.executable, "-c", PLAN_CUT_SHORT, str(marker), env["REDIS_URL"], PERIOD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with notifier.supervised() as worker_exits:
        try:
            wait_until(marker.exists, timeout_s=120, what="the planning run's third batch")
            notifier.wait_final(4, timeout_s=120)  # the worker is idle when Redis goes
            own_redis.stop()
            threading.Event().wait(OUTAGE_S)
            own_redis.start()
            out, _ = run.communicate(timeout=300)
        finally:
            if run.poll() is None:
                run.kill()
        rows = notifier.ledger()
        assert len(rows) == 12
        notifier.wait_final(12, timeout_s=240)
    print(f"worker runs replaced during the outage: {worker_exits}")
    states = {key: row.state for key, row in notifier.ledger().items()}
    assert set(states.values()) <= FINAL, states
    assert run.returncode == 0, out
    assert "enqueued 12" in out


def _lag(client: redis.Redis) -> dict[str, float]:
    families = {
        f.name: f for f in StreamGroupsCollector(client, EVENTS_STREAM, ["notifier"]).collect()
    }
    return {
        name: families[name].samples[0].value
        for name in ("braise_consumer_lag", "braise_consumer_pending")
    }


def _deliver(client: redis.Redis, count: int) -> list[bytes]:
    read: list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]] = client.xreadgroup(
        "notifier", "c1", {EVENTS_STREAM: ">"}, count=count
    )  # type: ignore[assignment]
    return [entry_id for _stream, entries in read for entry_id, _fields in entries]


def test_lag_counts_what_the_group_has_not_processed_across_a_restart_and_reads_0_after(
    own_redis: RedisServer,
) -> None:
    port = own_redis.settings.redis_port
    client = redis.Redis(port=port, socket_timeout=5)
    ensure_groups(client, EVENTS_STREAM, ["notifier"])
    for n in range(30):
        client.xadd(EVENTS_STREAM, {"event": f"{n}".encode()})
    client.xack(EVENTS_STREAM, "notifier", *_deliver(client, 100))
    client.close()

    own_redis.stop()  # the outage: Redis comes back from its append-only file
    threading.Event().wait(OUTAGE_S)
    own_redis.start()

    client = redis.Redis(port=port, socket_timeout=5)
    for n in range(5):
        client.xadd(EVENTS_STREAM, {"event": f"after {n}".encode()})
    assert _lag(client) == {"braise_consumer_lag": 5, "braise_consumer_pending": 0}
    delivered = _deliver(client, 3)
    assert _lag(client) == {"braise_consumer_lag": 5, "braise_consumer_pending": 3}
    delivered += _deliver(client, 100)
    client.xack(EVENTS_STREAM, "notifier", *delivered)
    assert _lag(client) == {"braise_consumer_lag": 0, "braise_consumer_pending": 0}

    # A group put back with a stale read counter (as a restore or the erasure's rebuild can):
    # Redis's own lag reads 32 with every entry delivered and acknowledged.
    last = client.xinfo_groups(EVENTS_STREAM)[0]["last-delivered-id"]
    client.xgroup_setid(EVENTS_STREAM, "notifier", last, entries_read=3)
    assert client.xinfo_groups(EVENTS_STREAM)[0]["lag"] == 32
    assert _lag(client) == {"braise_consumer_lag": 0, "braise_consumer_pending": 0}
    client.close()
