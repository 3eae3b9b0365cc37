"""Ingest benchmark: N synthetic events, stream to Neo4j, beside a bare-driver ceiling.

    uv run python -m bench.ingest [--events 200000] [--consultants 3000] [--batch 1000]
                                  [--partitions 1,2,4] [--profile FILE]

Runs on servers of its own (var/bench, ports 26379/27687 unless `BRAISE_BENCH_*` move
them), wiped first. Prints:
- end to end, for each number of partitions: events/s from the first XADD until every
  graph group has acknowledged all, the consumers running as their own processes
  (`python -m braise_graph.consumer`, one per partition);
- ceiling, in the same run: a bare driver script writing the same pair updates with the
  same batch size (one UNWIND per batch, no stream, no de-duplication, no read);
- CPU per 1,000 events (from /proc: Neo4j, and the consumers or the ceiling's driver side,
  its event generation left out), each run's total against the ceiling's;
- each stage's time and peak memory; last, one line `ingest: ... ratio R` (the best run).
`--profile FILE` records the first run's consumers with py-spy (`python -m bench.profile_top`).
Events are generated from the seed each time they are needed (the ceiling reads them lazily);
the end-to-end run serialises them all before its clock starts, as the producers would have.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import redis
from neo4j import GraphDatabase

from bench.common import (
    BENCH_DIR,
    bench_servers,
    caught_up,
    cpu_per_thousand,
    cpu_seconds,
    groups_exist,
    neo4j_pid,
    own_peak_mb,
    peak_mb,
    spy_on,
    stop_spies,
)
from braise_graph.model import pair_weights
from braise_graph.store import create_schema
from braise_shared.events import Event, dump_event
from braise_shared.interactions import load_kinds
from braise_shared.publisher import EventPublisher
from braise_shared.settings import ServerSettings
from tests.support import events as ev

DAY = 86_400.0
CHUNK = 1000
KINDS = ["lunch"] * 3 + ["call"] * 3 + ["message"] * 3 + ["meeting", "mission_together", "event"]
CEILING_WRITE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Consultant {id: row.a}), (b:Consultant {id: row.b})
MERGE (a)-[r:LINK]->(b)
SET r.s_ref = coalesce(r.s_ref, 0.0) + row.w, r.t_ref = row.t
"""


@dataclass(frozen=True)
class Workload:
    """What the benchmark feeds: the same events each time they are generated."""

    events: int
    consultants: int
    seed: int
    now: float

    def generate(self) -> Iterator[Event]:
        """Yield registrations, then interactions (mostly pairs, some groups) over two years."""
        rnd = random.Random(self.seed)
        for i in range(1, self.consultants + 1):
            yield ev.profile(i, t=self.now - 800 * DAY)
        everyone = range(1, self.consultants + 1)
        for _ in range(self.events - self.consultants):
            kind = rnd.choice(KINDS)
            size = rnd.choice([3, 4, 6, 8]) if kind == "event" else 2
            # Communities: most interactions stay within a block of 100 consultants.
            block = rnd.randrange(0, self.consultants, 100)
            pool = range(block + 1, min(self.consultants, block + 100) + 1)
            people = (
                rnd.sample(pool, min(size, len(pool)))
                if rnd.random() < 0.8
                else rnd.sample(everyone, size)
            )
            yield ev.interaction(people, self.now - rnd.uniform(0, 730 * DAY), kind=kind)


@dataclass(frozen=True)
class Run:
    """One end-to-end run: how long; CPU seconds used by Neo4j and by the consumers (on a
    shared machine, CPU says where the work is better than time); peak memory, in MB, of
    the largest consumer, Redis, Neo4j (resident) and this process."""

    partitions: int
    seconds: float
    publish_seconds: float
    cpu: dict[str, float]
    memory: dict[str, float]


def free_port() -> int:
    """Return a free TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(endpoints: ServerSettings, batch: int, port: int, **graph: int) -> dict[str, str]:
    """Return the environment of the service processes (`graph`: more BRAISE_GRAPH_*)."""
    return {
        **os.environ,
        "REDIS_URL": endpoints.redis_url,
        "NEO4J_URI": endpoints.neo4j_uri,
        "NEO4J_USER": endpoints.neo4j_user,
        "NEO4J_PASSWORD": endpoints.neo4j_password.get_secret_value(),
        "BRAISE_GRAPH_BATCH_SIZE": str(batch),
        "BRAISE_GRAPH_PORT": str(port),
        "BRAISE_LOG_LEVEL": "WARNING",
        **{f"BRAISE_GRAPH_{name.upper()}": str(value) for name, value in graph.items()},
    }


def wipe(endpoints: ServerSettings) -> None:
    """Empty the bench's Redis and Neo4j."""
    redis.Redis.from_url(endpoints.redis_url).flushdb()
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver, driver.session() as s:
        # Links first, in small transactions: 10,000 well-linked nodes detached at once
        # exceed Neo4j's transaction memory pool after a large run.
        s.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def end_to_end(
    work: Workload,
    endpoints: ServerSettings,
    neo4j: int | None,
    batch: int,
    partitions: int,
    log: Path,
    profile: Path | None = None,
) -> Run:
    """Publish every event with the consumers running; time until all are applied."""
    client = redis.Redis.from_url(endpoints.redis_url)
    publisher = EventPublisher(client, groups=())
    consumers = []
    with log.open("ab") as out:
        for index in range(partitions):
            env = env_for(endpoints, batch, free_port(), partitions=partitions, partition=index)
            command = [sys.executable, "-m", "braise_graph.consumer"]
            consumers.append(subprocess.Popen(command, env=env, stdout=out, stderr=out))
    # The events are serialised, and the consumers have connected, created the schema and
    # their groups, before the clock starts.
    # (orjson's bytes keep a 4 KiB buffer each: copied to their size, 2M of them fit.)
    wire = [(str(e.id), bytes(memoryview(dump_event(e)))) for e in work.generate()]
    while not groups_exist(client, partitions):
        time.sleep(0.2)
    spies = spy_on([c.pid for c in consumers], profile) if profile else []
    started, neo4j_started = time.perf_counter(), cpu_seconds(neo4j)
    consumers_started = sum(cpu_seconds(c.pid) for c in consumers)
    for start in range(0, len(wire), CHUNK):
        publisher.publish_many(wire[start : start + CHUNK])
    published = time.perf_counter() - started
    while not caught_up(client, partitions):
        if any(c.poll() is not None for c in consumers):
            raise SystemExit(f"a consumer died; see {log}")
        time.sleep(0.05)
    elapsed, neo4j_cpu = time.perf_counter() - started, cpu_seconds(neo4j) - neo4j_started
    used = sum(cpu_seconds(c.pid) for c in consumers) - consumers_started
    stop_spies(spies)
    cpu = {"neo4j": neo4j_cpu, "consumers": used}
    memory = {
        "consumer": max(peak_mb(c.pid) for c in consumers),
        "redis": int(client.info("memory")["used_memory_peak"]) / 2**20,
        "neo4j": peak_mb(neo4j, "VmRSS") if neo4j else float("nan"),
        "bench": own_peak_mb(),
    }
    for consumer in consumers:
        consumer.terminate()
        consumer.wait(30)
    return Run(partitions, elapsed, published, cpu, memory)


@dataclass(frozen=True)
class Ceiling:
    """The bare-driver run: how long, Neo4j's CPU, and how many pair updates it wrote."""

    seconds: float
    neo4j_cpu: float
    client_cpu: float  # the driver's side: rows and `execute_query`, not event generation
    pairs: int
    bench_peak_mb: float


def ceiling(work: Workload, endpoints: ServerSettings, neo4j: int | None, batch: int) -> Ceiling:
    """Write the same pair updates with a bare driver, one UNWIND per batch."""
    weights = load_kinds()
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        create_schema(driver)
        ids = [str(ev.cid(i)) for i in range(1, work.consultants + 1)]
        driver.execute_query("UNWIND $ids AS id MERGE (:Consultant {id: id})", ids=ids)
        started, neo4j_started = time.perf_counter(), cpu_seconds(neo4j)
        per_pair: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        pairs, client = 0, 0.0
        for n, event in enumerate(work.generate(), start=1):
            if event.type == "interaction.recorded":
                data = event.data
                t = data.occurred_at.timestamp()
                people = [str(p) for p in data.participants]
                for a, b, w in pair_weights(people, weights.get(data.kind).weight):
                    per_pair[(a, b)].append({"a": a, "b": b, "w": w, "t": t})
            if n % batch == 0 or n == work.events:
                flush_started = time.process_time()
                rows = [row for pair in sorted(per_pair) for row in per_pair[pair]]
                if rows:
                    driver.execute_query(CEILING_WRITE, rows=rows)
                pairs += len(rows)
                per_pair.clear()
                client += time.process_time() - flush_started
        elapsed, neo4j_cpu = time.perf_counter() - started, cpu_seconds(neo4j) - neo4j_started
        return Ceiling(elapsed, neo4j_cpu, client, pairs, own_peak_mb())


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--consultants", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--partitions", default="1", help="comma-separated, e.g. 1,2,4")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--warmup", type=int, default=100_000, help="events run first, unmeasured (JIT, caches)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="record the consumers of the first run with py-spy: collapsed stacks at this "
        "path, which `python -m bench.profile_top` reads",
    )
    args = parser.parse_args()

    work = Workload(args.events, args.consultants, args.seed, time.time())
    counts = [int(p) for p in args.partitions.split(",")]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = BENCH_DIR / "ingest-services.log"
    print(
        f"ingest: {work.events} events ({work.consultants} registrations), batch {args.batch}, "
        f"partitions {args.partitions}; load {_load()}"
    )
    runs: list[Run] = []
    with bench_servers() as (endpoints, settings):
        neo4j = neo4j_pid(settings)
        if args.warmup:
            # A fresh JVM compiles as it goes: both paths run once before any clock starts.
            size = min(args.consultants, args.warmup)
            warm = Workload(args.warmup, size, args.seed + 1, work.now)
            wipe(endpoints)
            end_to_end(warm, endpoints, neo4j, args.batch, 1, log)
            wipe(endpoints)
            ceiling(warm, endpoints, neo4j, args.batch)
        for partitions in counts:
            wipe(endpoints)
            profile = args.profile if not runs else None
            runs.append(end_to_end(work, endpoints, neo4j, args.batch, partitions, log, profile))
        wipe(endpoints)
        bare = ceiling(work, endpoints, neo4j, args.batch)
    print(f"load at the end: {_load()}")
    report(work, runs, bare)


def report(work: Workload, runs: list[Run], bare: Ceiling) -> None:
    """Print the figures, stage by stage, and last the one-line summary."""
    ceil_rate = work.events / bare.seconds
    print(f"{bare.pairs} pair updates")
    for run in runs:
        rate = work.events / run.seconds
        print(
            f"end to end, {run.partitions} partition(s):  {run.seconds:8.1f} s  "
            f"{rate:9.0f} events/s  ratio {rate / ceil_rate:.2f}"
        )
    print(f"ceiling (bare driver, same pair updates): {bare.seconds:8.1f} s  {ceil_rate:9.0f} /s")
    cpu_per_thousand(
        work.events,
        "events",
        [
            (f"end to end, {r.partitions} partition(s)", r.cpu["neo4j"], r.cpu["consumers"])
            for r in runs
        ]
        + [("ceiling (driver's side: client)", bare.neo4j_cpu, bare.client_cpu)],
    )
    print(f"{'stage':34} {'seconds':>8} {'peak MB':>8}  notes")
    for run in runs:
        p, cpu, mb = run.partitions, run.cpu, run.memory
        redis_mb = f"bench process; redis {mb['redis']:.0f} MB"
        _stage(f"publish, {p} partition(s)", run.publish_seconds, mb["bench"], redis_mb)
        _stage(
            f"apply, {p} consumer(s)",
            run.seconds,
            mb["consumer"],
            f"largest consumer; neo4j {mb['neo4j']:.0f} MB; "
            f"CPU s: neo4j {cpu['neo4j']:.1f}, consumers {cpu['consumers']:.1f}",
        )
    _stage("ceiling", bare.seconds, bare.bench_peak_mb, f"bench; CPU s: neo4j {bare.neo4j_cpu:.1f}")
    best = min(runs, key=lambda r: r.seconds)
    rate = work.events / best.seconds
    used, ceiling_cpu = sum(best.cpu.values()), bare.neo4j_cpu + bare.client_cpu
    print(
        f"ingest: {work.events} events, {best.partitions} partition(s), {rate:.0f} events/s, "
        f"CPU {used * 1e6 / work.events:.0f} ms per 1,000 events ({used / ceiling_cpu:.2f}x the "
        f"ceiling's), ceiling {ceil_rate:.0f} events/s, ratio {rate / ceil_rate:.2f}"
    )


def _stage(name: str, seconds: float, peak: float, notes: str) -> None:
    print(f"{name:34} {seconds:8.1f} {peak:8.0f}  {notes}")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
