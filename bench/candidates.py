"""Revival-candidates benchmark: N GETs of one consultant's candidates over real HTTP.

    uv run python -m bench.candidates [--events 200000] [--consultants 3000] [--requests 300]
                                      [--reuse] [--profile FILE]

Loads the graph `bench.ingest` builds (its events, through the real stream consumer), starts
the graph API as its own process (`python -m braise_graph.server`, uvicorn), then asks
GET /v3/consultants/{id}/revival-candidates for random consultants, one request at a time,
asking for as many people per stage as the notifier does. Prints:
- p50/p95/p99 of the route, and the CPU per request of the API process and of Neo4j (user +
  system from /proc, over the timed requests);
- two floors measured in the same run, on the same consultants: the app's trivial route
  (GET /healthz: HTTP, uvicorn and the middlewares, nothing read) and the bare read of the
  same links and people through the driver, in one query (what any answer must fetch);
- last, one line `candidates: ... ratio R`, R = the bare read's p95 / the route's p95.

`--reuse` keeps the graph already in the bench's Neo4j when it holds as many consultants
(for quick iterations; the load is then not timed again). `--profile FILE` records the API
process with py-spy (200 Hz) during the timed requests; `python -m bench.profile_top FILE
--cpu S --per N` reads it.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

import httpx
from neo4j import Driver, GraphDatabase, RoutingControl

from bench.common import BENCH_DIR, bench_servers, cpu_seconds, neo4j_pid, peak_mb, percentile
from bench.ingest import Workload, end_to_end, env_for, free_port, wipe
from braise_notifier.config import NotifierSettings
from braise_shared.auth import DEFAULT_SECRET, issue_token
from braise_shared.settings import ServerSettings
from tests.support import events as ev

WARMUP = 30  # requests before the clock starts: plans compiled, caches warm

# The floor: the consultant, every link of theirs with what was suggested and the person at
# the other end, in one query (parameters only: its plan is cached) answering one record.
BARE_READ: LiteralString = """
MATCH (me:Consultant {id: $id})
RETURN me {.*} AS me, COLLECT {
    MATCH (me)-[r:LINK]-(other:Consultant)
    OPTIONAL MATCH (me)-[s:SUGGESTED]->(other)
    RETURN [r {.*}, startNode(r) = me, s {.*}, other {.*}]
} AS links
"""


@dataclass(frozen=True)
class OverHttp:
    """The timed requests (ms) of the route and of /healthz; the CPU seconds the API process
    and Neo4j used during the route's, and the API during /healthz; the API's peak resident
    memory, MB."""

    route: list[float]
    trivial: list[float]
    api_cpu: float
    neo4j_cpu: float
    trivial_cpu: float
    peak_mb: float


def count_consultants(endpoints: ServerSettings) -> int:
    """Return how many consultants the bench's Neo4j holds."""
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query("MATCH (c:Consultant) RETURN count(c) AS n")
        return int(records[0]["n"])


def timed(call: Callable[[str], object], ids: list[str]) -> list[float]:
    """Call once per id; return each call's ms."""
    timings = []
    for cid in ids:
        started = time.perf_counter()
        call(cid)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bare_reads(endpoints: ServerSettings, ids: list[str]) -> list[float]:
    """Time the bare read of each consultant's links and people through the driver."""
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    # No notifications: before the first digest, `SUGGESTED` is a type Neo4j does not know.
    with GraphDatabase.driver(
        endpoints.neo4j_uri, auth=auth, notifications_min_severity="OFF"
    ) as driver:

        def read(cid: str, driver: Driver = driver) -> object:
            records, _, _ = driver.execute_query(BARE_READ, id=cid, routing_=RoutingControl.READ)
            return records

        timed(read, ids[:WARMUP])
        return timed(read, ids[WARMUP:])


def _spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    spy = Path(sys.executable).with_name("py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [str(spy), "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
    return subprocess.Popen(
        [*command, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def over_http(
    endpoints: ServerSettings, ids: list[str], neo4j: int | None, profile: Path | None, log: Path
) -> OverHttp:
    """Start the graph API; time the candidates route and /healthz over the same ids; return
    the timings, the CPU seconds of the API and of Neo4j during the candidates, its peak MB."""
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
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for _ in range(300):
                try:
                    http.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)

            def candidates(cid: str) -> object:
                response = http.get(f"/v3/consultants/{cid}/revival-candidates", params=limits)
                response.raise_for_status()
                return response

            def healthz(_cid: str) -> object:
                return http.get("/healthz").raise_for_status()

            for cid in ids:  # the JVM compiles the new query's operators as it goes
                candidates(cid)
            spy = _spy(server.pid, profile) if profile else None
            api0, neo0 = cpu_seconds(server.pid), cpu_seconds(neo4j)
            route = timed(candidates, ids[WARMUP:])
            api, neo = cpu_seconds(server.pid) - api0, cpu_seconds(neo4j) - neo0
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
                spy.wait(120)
            timed(healthz, ids[:WARMUP])
            trivial_cpu = cpu_seconds(server.pid)
            trivial = timed(healthz, ids[WARMUP:])
            trivial_cpu = cpu_seconds(server.pid) - trivial_cpu
        peak = peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    return OverHttp(route, trivial, api, neo, trivial_cpu, peak)


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
    parser.add_argument("--reuse", action="store_true", help="keep a graph of this size")
    parser.add_argument("--profile", type=Path, help="py-spy's raw output for the API process")
    args = parser.parse_args()

    work = Workload(args.events, args.consultants, args.seed, time.time())
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = BENCH_DIR / "candidates-services.log"
    rnd = random.Random(5)
    ids = [str(ev.cid(rnd.randint(1, work.consultants))) for _ in range(WARMUP + args.requests)]
    print(f"candidates: {work.events} events, {work.consultants} consultants; load {_load()}")
    with bench_servers() as (endpoints, settings):
        neo4j = neo4j_pid(settings)
        if args.reuse and count_consultants(endpoints) == work.consultants:
            print("graph kept from the previous run (--reuse)")
        else:
            wipe(endpoints)
            run = end_to_end(work, endpoints, neo4j, args.batch, 1, log)
            print(f"graph loaded in {run.seconds:.1f} s")
        bare_reads(endpoints, ids + ids)  # Neo4j's page cache and compiled plans warm first
        http = over_http(endpoints, ids, neo4j, args.profile, log)
        bare = bare_reads(endpoints, ids)
    print(f"load at the end: {_load()}")
    report(args.requests, http, bare)


def _stats(timings: list[float]) -> str:
    return ", ".join(f"p{q} {percentile(timings, q):.2f} ms" for q in (50, 95, 99))


def report(requests: int, http: OverHttp, bare: list[float]) -> None:
    """Print the figures, and last the one-line summary."""
    api_ms, neo4j_ms = http.api_cpu * 1000 / requests, http.neo4j_cpu * 1000 / requests
    print(f"revival-candidates over HTTP, {requests} requests: {_stats(http.route)}")
    print(
        f"  CPU per request: API {api_ms:.2f} ms, Neo4j {neo4j_ms:.2f} ms; "
        f"API peak {http.peak_mb:.0f} MB"
    )
    print(
        f"floor, GET /healthz of the same app:  {_stats(http.trivial)}; "
        f"API CPU {http.trivial_cpu * 1000 / requests:.2f} ms a request"
    )
    print(f"floor, bare read through the driver: {_stats(bare)}")
    p95, floor = percentile(http.route, 95), percentile(bare, 95)
    print(
        f"candidates: {requests} requests, p95 {p95:.2f} ms, CPU/request API {api_ms:.2f} ms "
        f"+ Neo4j {neo4j_ms:.2f} ms, bare read p95 {floor:.2f} ms, ratio {floor / p95:.2f}"
    )


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
