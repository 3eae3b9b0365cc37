"""Profiles write benchmark: N clients recording interactions one POST at a time, beside a
bare FastAPI endpoint as the ceiling.

    uv run python -m bench.profiles [--seconds 20] [--clients 20] [--consultants 500]
    uv run python -m bench.profiles --profile 2000   # where one write's time goes

Runs on a Redis of its own (var/bench), wiped first, and a new SQLite database. The
profiles service runs as production runs it (`braise_profiles.server`, uvicorn, one
process) with its outbox relay beside it; each client sends `POST /v1/interactions` (a staff
token, a pair of registered consultants, no Idempotency-Key) as soon as the previous answer
came back. The ceiling, in the same run: a FastAPI app of one route that reads the same body
as JSON and answers 201, served the same way, under the same clients. Prints p50 and p99
latency and writes/s for both, and last one line `profiles: ... ratio R`.

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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.common import BENCH_DIR, bench_settings, percentile
from bench.ingest import free_port
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


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[None]:
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{args} did not answer; see {log}")
        yield
    finally:
        proc.terminate()
        proc.wait(30)


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


def run(args: argparse.Namespace) -> None:
    """Measure the profiles service and the bare ceiling, one after the other."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    settings = bench_settings()
    [redis_server] = [s for s in build_servers(settings) if isinstance(s, RedisServer)]
    print(f"  {redis_server.name}: {redis_server.start()}", file=sys.stderr)
    try:
        redis_url = settings.server_settings().redis_url
        redis.Redis.from_url(redis_url).flushall()
        port = free_port()
        env = {
            "REDIS_URL": redis_url,
            "BRAISE_PROFILES_PORT": str(port),
            "BRAISE_PROFILES_DATABASE_URL": f"sqlite:///{WORK / 'profiles.db'}",
            "BRAISE_PROFILES_RELAY_METRICS_PORT": "0",
            "BRAISE_LOG_LEVEL": "INFO",
        }
        url = f"http://127.0.0.1:{port}"
        log = WORK / "services.log"
        server = [sys.executable, "-m", "braise_profiles.server"]
        relay = [sys.executable, "-m", "braise_profiles.relay"]
        with _process(server, env, log, port):
            ids = _register(url, args.consultants)
            with log.open("ab") as out:
                relay_proc = subprocess.Popen(
                    relay, env={**os.environ, **env}, stdout=out, stderr=out
                )
            try:
                service = load(
                    url, ids, seconds=args.seconds, clients=args.clients, processes=args.processes
                )
            finally:
                relay_proc.terminate()
                relay_proc.wait(30)
        ceiling_port = free_port()
        ceiling_cmd = [sys.executable, "-m", "bench.profiles_ceiling", str(ceiling_port)]
        with _process(ceiling_cmd, env, log, ceiling_port):
            ceiling = load(
                f"http://127.0.0.1:{ceiling_port}",
                ids,
                seconds=args.seconds,
                clients=args.clients,
                processes=args.processes,
            )
    finally:
        redis_server.stop()

    print(
        f"{args.clients} clients in {args.processes} processes, {args.seconds:.0f} s each, "
        f"{args.consultants} consultants, SQLite"
    )
    print(service.line("profiles POST /v1/interactions"))
    print(ceiling.line("ceiling (bare FastAPI, same body)"))
    print(f"load at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"profiles: {len(service.latencies)} writes, {args.clients} clients, "
        f"{service.rate:.0f} writes/s, p50 {percentile(service.latencies, 50):.1f} ms, "
        f"p99 {percentile(service.latencies, 99):.1f} ms, ceiling {ceiling.rate:.0f} /s, "
        f"ratio {service.rate / ceiling.rate:.2f}"
    )


def profile(count: int) -> None:
    """Record `count` interactions in process, timing each step, under cProfile."""
    from fastapi.testclient import TestClient

    from braise_profiles.api import create_app
    from braise_profiles.config import ProfilesSettings
    from braise_profiles.deps import WriteOnce
    from braise_profiles.interactions import service
    from braise_profiles.interactions.schemas import InteractionIn
    from braise_shared.auth import verify_token

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    settings = ProfilesSettings(
        database_url=f"sqlite:///{WORK / 'profiles.db'}", redis_url="redis://127.0.0.1:1/0"
    )
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
        started = time.perf_counter()
        if profiled:
            profiler.enable()
        for raw in bodies:
            t0 = time.perf_counter()
            principal = verify_token(DEFAULT_SECRET, token)
            t1 = time.perf_counter()
            body = InteractionIn.model_validate_json(raw)
            t2 = time.perf_counter()
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
            t3 = time.perf_counter()
            steps["token"] += t1 - t0
            steps["validation"] += t2 - t1
            steps["transaction (SQL, outbox, commit)"] += t3 - t2
        profiler.disable()
        total = time.perf_counter() - started
        how = "under cProfile" if profiled else "timed only"
        print(f"{count} writes in process (no HTTP), {how}: {total / count * 1000:.2f} ms each")
        for name, seconds in steps.items():
            print(f"  {name:36} {seconds / count * 1000:7.3f} ms  {seconds / total:5.1%}")
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
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N writes")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
    else:
        run(args)


if __name__ == "__main__":
    main()
