"""Profiles write benchmark: N clients recording interactions one POST at a time, beside a
bare FastAPI endpoint as the ceiling.

    uv run python -m bench.profiles [--store sqlite|postgresql|both] [--seconds 20]
        [--clients 20] [--consultants 500] [--workers N] [--spy FILE]
    uv run python -m bench.profiles --profile 2000   # where one write's time goes

Runs on a Redis of its own (var/bench), wiped first, and on each store asked for (both by
default): a new SQLite database, and a new database on the bench's own PostgreSQL (the
stack's server class, var/bench/postgres, port `BRAISE_BENCH_POSTGRES_PORT`, 26432). The
profiles service runs as production runs it (`braise_profiles.server`, uvicorn: one process
on SQLite, `BRAISE_PROFILES_WORKERS=2` on PostgreSQL unless `--workers` says otherwise)
with its outbox relay beside it; each client sends `POST /v1/interactions` (a staff
token, a pair of registered consultants, no Idempotency-Key) as soon as the previous answer
came back. The ceiling, in the same run: a FastAPI app of one route that reads the same body
as JSON and answers 201, served the same way (as many workers), under the same clients.
Prints p50 and p99 latency and writes/s for both, the CPU (user + system, from /proc) that
the service's processes, the relay, PostgreSQL and the ceiling used per answer, and last one line
`profiles: ... ratio R` (one ratio per store). `--spy FILE` records the service and its
workers with py-spy while the clients run (`python -m bench.profile_top` reads it).

`--profile N` records N interactions in this process, without HTTP, under cProfile, and
prints the time of each step of a write (token, validation, the SQL transaction with its
outbox rows, the commit) and the functions that cost the most.
"""

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import pstats
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.common import BENCH_DIR, bench_settings, percentile, tree_cpu_seconds
from bench.ingest import free_port
from bench.profiles_stores import STORES, open_store, running
from braise_cli.stack import build_servers
from braise_cli.stack.servers import RedisServer
from braise_shared.auth import DEFAULT_SECRET, issue_token

WORK = BENCH_DIR / "profiles"


def _payload(ids: list[str], rnd: random.Random) -> dict[str, Any]:
    a, b = rnd.sample(ids, 2)
    when = datetime.now(UTC) - timedelta(days=rnd.uniform(1, 700))
    return {
        "kind": rnd.choice(["lunch", "call", "message", "meeting"]),
        "participants": [a, b],
        "occurred_at": when.isoformat(),
        "initiator": a,
    }


async def _client_loop(
    url: str, token: str, ids: list[str], seconds: float, connections: int, seed: int
) -> tuple[list[float], int, float]:
    """Run `connections` clients until the time is up; return latencies (ms), errors, and
    how long the clients ran."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
        started = time.perf_counter()
        deadline = started + seconds

        async def one(n: int) -> None:
            nonlocal errors
            rnd = random.Random(seed * 1000 + n)
            while time.perf_counter() < deadline:
                body = _payload(ids, rnd)
                sent = time.perf_counter()
                response = await http.post("/v1/interactions", json=body)
                latencies.append((time.perf_counter() - sent) * 1000)
                if response.status_code != 201:
                    errors += 1

        await asyncio.gather(*(one(n) for n in range(connections)))
        ran = time.perf_counter() - started
    return latencies, errors, ran


def _client_process(
    args: tuple[str, str, list[str], float, int, int],
) -> tuple[list[float], int, float]:
    return asyncio.run(_client_loop(*args))


def load(url: str, ids: list[str], *, seconds: float, clients: int, processes: int) -> "Load":
    """Send writes from `clients` clients spread over `processes` processes; return figures.

    The rate is each process's answers over the time its clients ran (process start-up
    left out), summed."""
    token = issue_token(DEFAULT_SECRET, "admin", "bench@firm")
    share = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    jobs = [(url, token, ids, seconds, n, i) for i, n in enumerate(share) if n]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        results = pool.map(_client_process, jobs)
    latencies = [ms for lat, _, _ in results for ms in lat]
    rate = sum(len(lat) / ran for lat, _, ran in results)
    return Load(latencies, sum(e for _, e, _ in results), rate)


class Load:
    """What the clients saw."""

    def __init__(self, latencies: list[float], errors: int, rate: float) -> None:
        self.latencies = latencies
        self.errors = errors
        self.rate = rate

    def line(self, name: str) -> str:
        """Return one line of figures."""
        return (
            f"{name:34} {len(self.latencies):7d} requests {self.rate:8.0f} /s  "
            f"p50 {percentile(self.latencies, 50):6.1f} ms  "
            f"p99 {percentile(self.latencies, 99):6.1f} ms  errors {self.errors}"
        )


def _register(url: str, count: int) -> list[str]:
    token = issue_token(DEFAULT_SECRET, "admin", "bench@firm")
    items = [
        {"email": f"c{n}@bench.example.org", "display_name": f"Consultant {n}"}
        for n in range(count)
    ]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        response = http.post("/v1/consultants/bulk", json={"items": items}, timeout=120)
        response.raise_for_status()
        return [c["id"] for c in response.json()]


@dataclass
class Measured:
    """One store's run: the service, its ceiling, and the CPU each process tree used."""

    store: str
    workers: int
    service: "Load"
    ceiling: "Load"
    cpu: dict[str, float]  # seconds, by process: service, relay, postgres, ceiling

    def per_write_ms(self, process: str) -> float:
        """Return a process's CPU per answer, in ms (the ceiling's per answer it gave)."""
        load = self.ceiling if process == "ceiling" else self.service
        return self.cpu[process] * 1000 / max(1, len(load.latencies))

    def summary(self) -> str:
        """Return the store's figures on one line."""
        service = self.service
        return (
            f"{self.store} {service.rate:.0f} writes/s, "
            f"p50 {percentile(service.latencies, 50):.1f} ms, "
            f"p99 {percentile(service.latencies, 99):.1f} ms, "
            f"CPU {self.per_write_ms('service'):.2f} ms a write, "
            f"ceiling {self.ceiling.rate:.0f} /s, ratio {service.rate / self.ceiling.rate:.2f}"
        )


def _measure(args: argparse.Namespace, store_name: str, redis_url: str) -> Measured:
    """Run the service on one store, then the ceiling, with the same clients and workers."""
    workers = args.workers or (2 if store_name == "postgresql" else 1)
    with open_store(store_name, WORK) as store:
        port = free_port()
        env = {
            "REDIS_URL": redis_url,
            "BRAISE_PROFILES_PORT": str(port),
            "BRAISE_PROFILES_DATABASE_URL": store.database_url,
            "BRAISE_PROFILES_WORKERS": str(workers),
            "BRAISE_PROFILES_RELAY_METRICS_PORT": "0",
            "BRAISE_LOG_LEVEL": "INFO",
        }
        url = f"http://127.0.0.1:{port}"
        log = WORK / f"services-{store_name}.log"
        server = [sys.executable, "-m", "braise_profiles.server"]
        relay = [sys.executable, "-m", "braise_profiles.relay"]
        with running(server, env, log, port) as server_pid:
            ids = _register(url, args.consultants)
            with log.open("ab") as out:
                relay_proc = subprocess.Popen(
                    relay, env={**os.environ, **env}, stdout=out, stderr=out
                )
            pids = {"service": server_pid, "relay": relay_proc.pid, "postgres": store.server_pid}
            time.sleep(1)  # the relay's start-up is not a write's cost
            try:
                before = {k: tree_cpu_seconds(p) for k, p in pids.items() if p}
                spies = _spy(server_pid, args.spy, args.seconds) if args.spy else []
                service = load(
                    url, ids, seconds=args.seconds, clients=args.clients, processes=args.processes
                )
                cpu = {k: tree_cpu_seconds(p) - before[k] for k, p in pids.items() if p}
                for spy in spies:
                    spy.wait(60)
            finally:
                relay_proc.terminate()
                relay_proc.wait(30)
        ceiling_port = free_port()
        ceiling_cmd = [sys.executable, "-m", "bench.profiles_ceiling", str(ceiling_port)]
        with running([*ceiling_cmd, str(workers)], env, log, ceiling_port) as ceiling_pid:
            before_ceiling = tree_cpu_seconds(ceiling_pid)
            ceiling = load(
                f"http://127.0.0.1:{ceiling_port}",
                ids,
                seconds=args.seconds,
                clients=args.clients,
                processes=args.processes,
            )
            cpu["ceiling"] = tree_cpu_seconds(ceiling_pid) - before_ceiling
    return Measured(store_name, workers, service, ceiling, cpu)


def _spy(pid: int, path: Path, seconds: float) -> list[subprocess.Popen[bytes]]:
    """Record the service (and its workers) with py-spy while the clients run."""
    spy = Path(sys.executable).with_name("py-spy")
    target = path.with_suffix(f".{pid}.txt")
    command = [str(spy), "record", "-r", "200", "--subprocesses", "--gil", "-f", "raw"]
    command += ["-o", str(target), "-p", str(pid), "-d", str(max(1, int(seconds) - 1))]
    print(f"  py-spy: {target}", file=sys.stderr)
    return [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]


def run(args: argparse.Namespace) -> None:
    """Measure the profiles service and the bare ceiling on each store asked for."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    settings = bench_settings()
    [redis_server] = [s for s in build_servers(settings) if isinstance(s, RedisServer)]
    print(f"  {redis_server.name}: {redis_server.start()}", file=sys.stderr)
    measured = []
    try:
        redis_url = settings.server_settings().redis_url
        for store in STORES if args.store == "both" else (args.store,):
            redis.Redis.from_url(redis_url).flushall()
            measured.append(_measure(args, store, redis_url))
    finally:
        redis_server.stop()

    print(
        f"{args.clients} clients in {args.processes} processes, {args.seconds:.0f} s each, "
        f"{args.consultants} consultants"
    )
    for m in measured:
        print(f"\n{m.store}, {m.workers} uvicorn worker(s) for the service and the ceiling")
        print(m.service.line("profiles POST /v1/interactions"))
        print(m.ceiling.line("ceiling (bare FastAPI, same body)"))
        cpu = "  ".join(f"{k} {m.per_write_ms(k):.2f}" for k in m.cpu)
        print(f"CPU ms per answer (user+sys, process trees): {cpu}")
    print(f"\nload at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("profiles: " + "; ".join(m.summary() for m in measured))


def profile(count: int, store: str) -> None:
    """Record `count` interactions in process, timing each step, under cProfile."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    with open_store("sqlite" if store == "both" else store, WORK) as opened:
        _profile(count, opened.database_url)


def _profile(count: int, database_url: str) -> None:
    from fastapi.testclient import TestClient

    from braise_profiles.api import create_app
    from braise_profiles.config import ProfilesSettings
    from braise_profiles.deps import WriteOnce
    from braise_profiles.interactions import service
    from braise_profiles.interactions.schemas import InteractionIn
    from braise_shared.auth import verify_token

    settings = ProfilesSettings(database_url=database_url, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    with TestClient(app) as client:  # runs the migrations
        token = issue_token(DEFAULT_SECRET, "admin", "bench@firm")
        headers = {"Authorization": f"Bearer {token}"}
        items = [{"email": f"c{n}@b.example.org", "display_name": f"C {n}"} for n in range(500)]
        response = client.post("/v1/consultants/bulk", json={"items": items}, headers=headers)
        ids = [c["id"] for c in response.json()]
    profiles = app.state.profiles
    rnd = random.Random(1)
    bodies = [httpx.Request("POST", "/", json=_payload(ids, rnd)).read() for _ in range(count)]
    profiler = cProfile.Profile()
    for profiled in (False, True):
        steps = dict.fromkeys(("token", "validation", "transaction (SQL, outbox, commit)"), 0.0)
        started, cpu_started = time.perf_counter(), time.thread_time()
        if profiled:
            profiler.enable()
        for raw in bodies:
            t0 = time.thread_time()
            principal = verify_token(DEFAULT_SECRET, token)
            t1 = time.thread_time()
            body = InteractionIn.model_validate_json(raw)
            t2 = time.thread_time()
            WriteOnce(
                factory=profiles.session_factory,
                principal=principal,
                key=None,
                method="POST",
                path="/v1/interactions",
                status_code=201,
                max_bulk_items=10,
                writes=profiles.writes,
            ).one(body, service.record_interactions)
            t3 = time.thread_time()
            steps["token"] += t1 - t0
            steps["validation"] += t2 - t1
            steps["transaction (SQL, outbox, commit)"] += t3 - t2
        profiler.disable()
        total = time.perf_counter() - started
        cpu = time.thread_time() - cpu_started
        how = "under cProfile" if profiled else "timed only"
        print(
            f"{count} writes in process (no HTTP, {profiles.engine.dialect.name}), {how}: "
            f"{total / count * 1000:.2f} ms each, "
            f"{cpu / count * 1000:.2f} ms of CPU; the steps' CPU:"
        )
        for name, seconds in steps.items():
            print(f"  {name:36} {seconds / count * 1000:7.3f} ms  {seconds / cpu:5.1%}")
    profiles.close()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    """Run the benchmark (or the profile) and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--consultants", type=int, default=500)
    parser.add_argument("--store", choices=[*STORES, "both"], default="both")
    parser.add_argument(
        "--workers", type=int, default=0, help="uvicorn workers (default: SQLite 1, PostgreSQL 2)"
    )
    parser.add_argument(
        "--spy", type=Path, help="record the service with py-spy into FILE.<pid>.txt (raw)"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N writes")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.store)
    else:
        run(args)


if __name__ == "__main__":
    main()
