"""Every Braise process as `braise up` runs it, on fresh ports, against the session's servers."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from braise_cli.stack import StackSettings, build_services
from braise_cli.stack.servers import Server
from tests.support.disposable import free_port
from tests.support.servers import SessionServers, stack_settings_for


@contextmanager
def running_braise(servers: SessionServers, var_dir: Path) -> Iterator[StackSettings]:
    """Start profiles, its relay and calendar sync, the graph and its consumer, the notifier,
    its consumer, worker and beat (the stack's own definitions); stop them afterwards. The
    Celery broker's database is emptied first."""
    settings = stack_settings_for(
        servers,
        var_dir,
        profiles_port=free_port(),
        graph_port=free_port(),
        notifier_port=free_port(),
    )
    broker = servers.endpoints.redis_url.rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(broker).flushdb()
    started: list[Server] = []
    try:
        for service in build_services(settings):
            service.start()
            started.append(service)
        yield settings
    finally:
        for service in reversed(started):
            service.stop()
