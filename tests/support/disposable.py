"""Servers a single test may stop and restart without disturbing the rest of the session."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from braise_cli.stack.servers import RedisServer
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
