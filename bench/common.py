"""What the benchmarks share: their own servers, and how to report figures."""

import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from braise_cli.stack import StackSettings, build_servers
from braise_cli.stack.servers import MailSink, Neo4jServer, RedisServer
from braise_shared.settings import ServerSettings

BENCH_DIR = Path("var/bench")


def bench_settings() -> StackSettings:
    """Return a stack of the benchmarks' own: its folder and ports, so no data is touched."""
    return StackSettings(
        var_dir=BENCH_DIR,
        redis_port=26379,
        neo4j_bolt_port=27687,
        smtp_port=21025,
        neo4j_password=SecretStr("braise-bench-password"),
        neo4j_heap="2g",
        neo4j_pagecache="1g",
    )


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


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]
