"""What the benchmarks share: their own servers, and how to report figures."""

import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from braise_cli.stack import StackSettings, build_servers
from braise_cli.stack.servers import MailSink, Neo4jServer, RedisServer
from braise_shared.settings import ServerSettings

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
