"""Ingest benchmark: N synthetic events, stream to Neo4j, beside a bare-driver ceiling.

    uv run python -m bench.ingest [--events 200000] [--consultants 3000] [--batch 1000]

Runs on servers of its own (var/bench, ports 26379/27687), wiped first. Prints:
- end to end: events/s from the first XADD until the `graph` group has acknowledged all,
  the consumer running as its own process (`python -m braise_graph.consumer`);
- ceiling, in the same run: a bare driver script writing the same pair updates with the
  same batch size (one UNWIND per batch, no stream, no de-duplication, no read);
- the ratio; and p50/p95 latency of GET /v2/consultants/{id}/revival-candidates over HTTP,
  asking for as many people per stage as the notifier does.
"""

import argparse
import math
import os
import random
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, LiteralString

import httpx
import redis
from neo4j import GraphDatabase

from bench.common import BENCH_DIR, bench_servers, percentile
from braise_graph.model import pair_weights
from braise_graph.store import create_schema
from braise_notifier.config import NotifierSettings
from braise_shared.auth import DEFAULT_SECRET, issue_token
from braise_shared.events import Event, dump_event
from braise_shared.interactions import load_kinds
from braise_shared.settings import ServerSettings
from braise_shared.stream import EVENTS_STREAM, EventPublisher
from tests.support import events as ev

DAY = 86_400.0
KINDS = ["lunch"] * 3 + ["call"] * 3 + ["message"] * 3 + ["meeting", "mission_together", "event"]
CEILING_WRITE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Consultant {id: row.a}), (b:Consultant {id: row.b})
MERGE (a)-[r:LINK]->(b)
SET r.s_ref = coalesce(r.s_ref, 0.0) + row.w, r.t_ref = row.t
"""


def synthetic_events(n: int, consultants: int, seed: int) -> tuple[list[Event], int]:
    """Return registrations then n interactions (mostly pairs, some groups); and registrations."""
    rnd = random.Random(seed)
    now = time.time()
    registrations: list[Event] = [
        ev.profile(i, t=now - 800 * DAY) for i in range(1, consultants + 1)
    ]
    interactions: list[Event] = []
    for _ in range(n - consultants):
        kind = rnd.choice(KINDS)
        size = rnd.choice([3, 4, 6, 8]) if kind == "event" else 2
        # Communities: most interactions stay within a block of 100 consultants.
        block = rnd.randrange(0, consultants, 100)
        pool = range(block + 1, min(consultants, block + 100) + 1)
        people = (
            rnd.sample(pool, min(size, len(pool)))
            if rnd.random() < 0.8
            else rnd.sample(range(1, consultants + 1), size)
        )
        interactions.append(ev.interaction(people, now - rnd.uniform(0, 730 * DAY), kind=kind))
    return registrations + interactions, len(registrations)


def free_port() -> int:
    """Return a free TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(endpoints: ServerSettings, batch: int, port: int) -> dict[str, str]:
    """Return the environment of the service processes."""
    return {
        **os.environ,
        "REDIS_URL": endpoints.redis_url,
        "NEO4J_URI": endpoints.neo4j_uri,
        "NEO4J_USER": endpoints.neo4j_user,
        "NEO4J_PASSWORD": endpoints.neo4j_password.get_secret_value(),
        "BRAISE_GRAPH_BATCH_SIZE": str(batch),
        "BRAISE_GRAPH_PORT": str(port),
        "BRAISE_LOG_LEVEL": "WARNING",
    }


def wipe(endpoints: ServerSettings) -> None:
    """Empty the bench's Redis and Neo4j."""
    redis.Redis.from_url(endpoints.redis_url).flushdb()
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver, driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def caught_up(client: redis.Redis) -> bool:
    """Tell whether the graph group acknowledged every entry."""
    for group in client.xinfo_groups(EVENTS_STREAM):
        if group["name"] in (b"graph", "graph"):
            return bool(group["lag"] == 0 and group["pending"] == 0)
    return False


def end_to_end(events: list[Event], endpoints: ServerSettings, batch: int, log: Path) -> float:
    """Publish every event with the consumer running; return seconds until all applied."""
    client = redis.Redis.from_url(endpoints.redis_url)
    publisher = EventPublisher(client, groups=("graph",))
    publisher.prepare()
    wire = [(str(e.id), dump_event(e)) for e in events]
    with log.open("ab") as out:
        consumer = subprocess.Popen(
            [sys.executable, "-m", "braise_graph.consumer"],
            env=env_for(endpoints, batch, free_port()),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    time.sleep(3)  # let it connect and create the schema before the clock starts
    started = time.perf_counter()
    for i in range(0, len(wire), 1000):
        publisher.publish_many(wire[i : i + 1000])
    while not caught_up(client):
        if consumer.poll() is not None:
            raise SystemExit(f"consumer died; see {log}")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    consumer.terminate()
    consumer.wait(30)
    return elapsed


def ceiling(
    events: list[Event], registrations: int, endpoints: ServerSettings, batch: int
) -> float:
    """Write the same pair updates with a bare driver, one UNWIND per batch; return seconds."""
    kinds = load_kinds()
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        create_schema(driver)
        ids = [str(ev.cid(i)) for i in range(1, registrations + 1)]
        driver.execute_query("UNWIND $ids AS id MERGE (:Consultant {id: id})", ids=ids)
        started = time.perf_counter()
        for i in range(0, len(events), batch):
            per_pair: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
            for event in events[i : i + batch]:
                if event.type != "interaction.recorded":
                    continue
                data = event.data
                t = data.occurred_at.timestamp()
                for a, b, w in pair_weights(
                    [str(p) for p in data.participants], kinds.get(data.kind).weight
                ):
                    per_pair[(a, b)].append({"a": a, "b": b, "w": w, "t": t})
            rows = [row for pair in sorted(per_pair) for row in per_pair[pair]]
            if rows:
                driver.execute_query(CEILING_WRITE, rows=rows)
        return time.perf_counter() - started


def candidate_latency(
    endpoints: ServerSettings, consultants: int, requests: int, log: Path
) -> list[float]:
    """Time GET revival-candidates over HTTP against the real server process; return ms."""
    port = free_port()
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "braise_graph.server"],
            env=env_for(endpoints, 1000, port),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    token = issue_token(DEFAULT_SECRET, "service", "bench")
    digest = NotifierSettings()
    limits = {"dormant": digest.max_dormant, "cooling": digest.max_cooling}
    rnd = random.Random(5)
    timings = []
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for _ in range(200):
                try:
                    http.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            for i in range(requests + 20):
                cid = ev.cid(rnd.randint(1, consultants))
                started = time.perf_counter()
                response = http.get(f"/v2/consultants/{cid}/revival-candidates", params=limits)
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if i >= 20:  # the first requests warm the caches
                    timings.append(elapsed)
    finally:
        server.terminate()
        server.wait(30)
    return timings


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--consultants", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    events, registrations = synthetic_events(args.events, args.consultants, args.seed)
    pairs = sum(
        math.comb(len(e.data.participants), 2) for e in events if e.type == "interaction.recorded"
    )
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = BENCH_DIR / "ingest-services.log"
    print(
        f"ingest: {len(events)} events ({registrations} registrations), {args.consultants} "
        f"consultants, {pairs} pair updates, batch {args.batch}"
    )
    with bench_servers() as (endpoints, _settings):
        wipe(endpoints)
        e2e = end_to_end(events, endpoints, args.batch, log)
        timings = candidate_latency(endpoints, args.consultants, args.requests, log)
        wipe(endpoints)
        bare = ceiling(events, registrations, endpoints, args.batch)
    rate, ceil_rate = len(events) / e2e, len(events) / bare
    print(f"end to end (stream -> consumer -> Neo4j): {e2e:8.1f} s  {rate:9.0f} events/s")
    print(f"ceiling (bare driver, same pair updates): {bare:8.1f} s  {ceil_rate:9.0f} events/s")
    print(f"ratio end to end / ceiling:               {rate / ceil_rate:8.2f}")
    print(
        f"revival-candidates over HTTP, {len(timings)} requests: "
        f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()
