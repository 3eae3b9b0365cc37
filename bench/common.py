"""What the benchmarks share: their own servers, and how to report figures."""

import os
import resource
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from braise_cli.stack import StackSettings, build_servers
from braise_cli.stack.servers import MailSink, Neo4jServer, RedisServer
from braise_shared.settings import ServerSettings
from braise_shared.stream import EVENTS_STREAM

BENCH_DIR = Path("var/bench")


class BenchStackSettings(StackSettings):
    """The benchmarks' own stack: its folder and ports (`BRAISE_BENCH_*`), so no data is touched."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_BENCH_", frozen=True, extra="ignore")

    var_dir: Path = BENCH_DIR
    redis_port: int = Field(default=26379, ge=1, le=65535)
    neo4j_bolt_port: int = Field(default=27687, ge=1, le=65535)
    smtp_port: int = Field(default=21025, ge=1, le=65535)
    postgres_port: int = Field(default=26432, ge=1, le=65535)
    postgres_password: SecretStr = SecretStr("braise-bench-password")
    neo4j_password: SecretStr = SecretStr("braise-bench-password")
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "1g"


def bench_settings() -> StackSettings:
    """Return a stack of the benchmarks' own, on the ports `BRAISE_BENCH_*` may move."""
    return BenchStackSettings()


@contextmanager
def bench_servers(*, mail: bool = False) -> Iterator[tuple[ServerSettings, StackSettings]]:
    """Start the bench's Redis and Neo4j (and mail sink), wiped; stop them afterwards."""
    settings = bench_settings()
    wanted: tuple[type, ...] = (
        (RedisServer, Neo4jServer, MailSink) if mail else (RedisServer, Neo4jServer)
    )
    servers = [s for s in build_servers(settings) if isinstance(s, wanted)]
    for server in servers:
        print(f"  {server.name}: {server.start()}", file=sys.stderr)
    try:
        yield settings.server_settings(), settings
    finally:
        for server in reversed(servers):
            server.stop()


def neo4j_pid(settings: StackSettings) -> int | None:
    """Return the pid of the bench's Neo4j, to read how much CPU it used."""
    for server in build_servers(settings):
        if isinstance(server, Neo4jServer):
            return server.process().pid()
    return None


def cpu_seconds(pid: int | None) -> float:
    """Return the CPU time (user + system) a live process has used so far, in seconds."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """Return the CPU time of a process and every process under it, ended children included.

    Each live process counts its own user + system time and that of the children it has
    reaped (`cutime`, `cstime`), so a worker or a PostgreSQL backend that has ended still
    counts once its parent has reaped it.
    """
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(f) for f in fields[11:15])
        pending += [int(c) for c in children]
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def spy_on(
    pids: list[int], out: Path, *, subprocesses: bool = False
) -> list[subprocess.Popen[bytes]]:
    """Start py-spy (200 Hz, raw collapsed stacks) on each process, writing `out`, or
    `out` with `-N` before its suffix for the N-th process after the first. `subprocesses`:
    the processes under each too (a Celery worker's pool), every sample, not only the GIL's."""
    spy = Path(sys.executable).with_name("py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    spies = []
    for n, pid in enumerate(pids):
        path = out if n == 0 else out.with_stem(f"{out.stem}-{n}")
        command = [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--rate",
            "200",
            "--format",
            "raw",
            *(["--subprocesses"] if subprocesses else ["--gil"]),
        ]
        spies.append(
            subprocess.Popen(
                [*command, "-o", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    return spies


def stop_spies(spies: list[subprocess.Popen[bytes]]) -> None:
    """Stop py-spy: on SIGINT it writes what it sampled, then exits."""
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(120)


def peak_mb(pid: int, field: str = "VmHWM") -> float:
    """Return a live process's peak resident memory (or another /proc status field), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def own_peak_mb() -> float:
    """Return this process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_per_thousand(units: int, unit: str, rows: list[tuple[str, float, float]]) -> None:
    """Print each row's CPU (name, Neo4j's seconds, the client's) as ms per 1,000 units,
    and its total against the last row's, the ceiling's."""
    ceiling = (rows[-1][1] + rows[-1][2]) * 1e6 / units
    print(f"{'CPU ms per 1,000 ' + unit:36} {'neo4j':>8} {'client':>8} {'total':>8}  vs ceiling")
    for name, neo4j, client in rows:
        n, c = neo4j * 1e6 / units, client * 1e6 / units
        print(f"  {name:34} {n:8.1f} {c:8.1f} {n + c:8.1f}  {(n + c) / ceiling:.2f}x")


def caught_up(client: redis.Redis, partitions: int) -> bool:
    """Tell whether every graph group acknowledged every entry."""
    groups = {_text(g["name"]): g for g in client.xinfo_groups(EVENTS_STREAM)}
    return all(
        name in groups and groups[name]["lag"] == 0 and groups[name]["pending"] == 0
        for name in graph_groups(partitions)
    )


def groups_exist(client: redis.Redis, partitions: int) -> bool:
    try:
        names = {_text(g["name"]) for g in client.xinfo_groups(EVENTS_STREAM)}
    except redis.ResponseError:
        return False
    return set(graph_groups(partitions)) <= names


def graph_groups(partitions: int) -> list[str]:
    return ["graph", *(f"graph-{i}" for i in range(1, partitions))]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
