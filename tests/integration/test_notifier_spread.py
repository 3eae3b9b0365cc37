"""The spread cap under concurrency: reservations in the real Redis, and a real Celery worker
of several processes composing at once never proposes one person beyond the cap."""

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_notifier.spread import SpreadCap
from braise_shared.events import Event
from tests.support import events as ev
from tests.support.notifier import (
    DAY,
    MONDAY,
    NotifierUnderTest,
    notifier_under_test,
    reader_event,
)
from tests.support.servers import SessionServers
from tests.support.spread import FakeSpread

CAP = 3
HUB = 500
READERS = range(1, 21)
WEEK = "2026-W48"


def test_reservations_are_capped_idempotent_given_back_and_expire(
    redis_client: redis.Redis,
) -> None:
    spread = SpreadCap(redis_client, cap=CAP, keep_s=600)
    readers = [f"reader-{n}" for n in range(40)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        granted = list(pool.map(lambda r: spread.reserve(WEEK, r, "hub"), readers))

    winners = {r for r, ok in zip(readers, granted, strict=True) if ok}
    assert len(winners) == CAP
    assert spread.readers_of(WEEK, "hub") == winners
    first = sorted(winners)[0]
    assert spread.reserve(WEEK, first, "hub")  # the same reader again: still theirs
    assert not spread.reserve(WEEK, "late-reader", "hub")
    spread.release(WEEK, first, ["hub"])
    assert spread.reserve(WEEK, "late-reader", "hub")
    assert spread.reserve("2026-W49", first, "hub")  # a new week, a new count
    assert 0 < redis_client.ttl(SpreadCap.key(WEEK, "hub")) <= 600


@pytest.mark.parametrize("kind", ["redis", "in-memory fake"])
def test_a_readers_candidates_are_reserved_in_order_while_their_stage_has_room(
    redis_client: redis.Redis, kind: str
) -> None:
    # One call per reader: the order decides, a full person is passed over for the next of
    # the stage, a stage without room is not asked, a place already held stays held. The
    # unit tests' fake keeps the same contract as the Redis script.
    spread = SpreadCap(redis_client, cap=1, keep_s=600) if kind == "redis" else FakeSpread(cap=1)
    assert spread.reserve_in_order(WEEK, "other-reader", [("full", "dormant")], {"dormant": 1}) == [
        True
    ]
    wanted = [
        ("full", "dormant"),
        ("a", "dormant"),
        ("b", "dormant"),
        ("c", "cooling"),
        ("d", "cooling"),
        ("e", "faded"),
    ]
    room = {"dormant": 1, "cooling": 2}
    first = spread.reserve_in_order(WEEK, "reader", wanted, room)
    assert first == [False, True, None, True, True, None]
    assert room == {"dormant": 1, "cooling": 2}  # the caller's room is left as it was
    # Again (a retried digest): the places it holds are its own, the full one still full.
    assert spread.reserve_in_order(WEEK, "reader", wanted, room) == first
    assert spread.reserve_in_order(WEEK, "third", [("a", "dormant")], {"dormant": 1}) == [False]
    if isinstance(spread, SpreadCap):
        assert spread.readers_of(WEEK, "a") == {"reader"}
        assert 0 < redis_client.ttl(SpreadCap.key(WEEK, "c")) <= 600
    else:
        assert spread.of(WEEK, "a") == {"reader"}


@pytest.fixture
def notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    redis_client: redis.Redis,
) -> Iterator[NotifierUnderTest]:
    with notifier_under_test(
        tmp_path,
        servers,
        neo4j_driver,
        maildir,
        pool="prefork",
        processes=4,
        BRAISE_NOTIFIER_SPREAD_CAP=str(CAP),
        # One digest per task, so that the four processes take them side by side.
        BRAISE_NOTIFIER_SEND_BATCH_SIZE="1",
    ) as running:
        yield running


def _readers_around_one_hub() -> list[Event]:
    """Twenty readers whose one link is an old strong tie, dormant today, to the same hub."""
    now = time.time()
    out: list[Event] = [reader_event(HUB, name="Hubert Central", day="sunday")]
    for n in READERS:
        out.append(reader_event(n))
        out.append(ev.interaction([n, HUB], now - 600 * DAY, kind="mission_together"))
        out.append(ev.interaction([n, HUB], now - 560 * DAY, kind="lunch"))
    return out


def test_twenty_readers_composed_at_once_by_four_processes_get_the_hub_at_most_cap_times(
    notifier: NotifierUnderTest,
) -> None:
    notifier.know(_readers_around_one_hub())

    notifier.plan_due(MONDAY)
    notifier.wait_final(len(READERS), timeout_s=120)

    ledger = notifier.ledger()
    proposed_hub = [
        key
        for key, row in ledger.items()
        if any(s["consultant_id"] == str(ev.cid(HUB)) for s in json.loads(row.suggestions or "[]"))
    ]
    assert len(proposed_hub) == CAP
    assert sorted(r.state for r in ledger.values()) == ["empty"] * (20 - CAP) + ["sent"] * CAP
    mails = notifier.mails()
    assert len(mails) == CAP
    assert all("Hubert Central" in str(m.get_body(preferencelist=("plain",))) for m in mails)
    worker_log = notifier.worker.log_tail(lines=1000)
    # Each JSON log line names the process that wrote it: several composed the digests.
    composers = {
        line["pid"]
        for line in (json.loads(raw) for raw in worker_log.splitlines() if raw.startswith("{"))
        if line.get("msg") == "digest sent"
    }
    assert len(composers) >= 2, worker_log  # digests were composed by several processes
