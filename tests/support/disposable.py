"""Servers a single test may stop and restart without disturbing the rest of the session."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from braise_cli.stack.servers import Neo4jServer, RedisServer
from braise_cli.stack.settings import StackSettings


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def disposable_redis(root: Path) -> Iterator[RedisServer]:
    """Yield a started Redis of the test's own (its data under root), stopped at the end."""
    server = RedisServer(StackSettings(var_dir=root, redis_port=free_port(), start_timeout_s=30))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def disposable_neo4j(root: Path, password: str = "disposable-password") -> Iterator[Neo4jServer]:
    """Yield a started Neo4j of the test's own (jars shared), stopped at the end."""
    settings = StackSettings(
        var_dir=root,
        cache_dir=Path("var/cache"),
        neo4j_bolt_port=free_port(),
        neo4j_password=SecretStr(password),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        start_timeout_s=120,
    )
    server = Neo4jServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()
