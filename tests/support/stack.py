"""Every Braise process as `braise up` runs it, on fresh ports, against the session's servers."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import redis

from braise_cli.stack import StackSettings, build_services
from braise_cli.stack.servers import Server
from tests.support.disposable import free_port
from tests.support.servers import SessionServers, stack_settings_for

# Started first, together: each brings its own store's schema up (profiles' SQL, the notifier's
# SQL, Neo4j's constraints), so that the others, started together next, find it ready
# (they migrate too, and two migrations of one SQLite database at once would collide).
FIRST = ("profiles", "notifier-consumer", "graph-consumer")


@contextmanager
def started_services(settings: StackSettings) -> Iterator[list[Server]]:
    """Start Braise's processes of the stack's definitions, in two waves of parallel starts
    (about 8 s for the nine, against 25 s one after the other); stop them all afterwards."""
    services = build_services(settings)
    first = [s for s in services if s.name.startswith(FIRST)]
    rest = [s for s in services if s not in first]
    for service in services:  # secrets and configuration written once, not by nine at once
        service.install()
        service.prepare()
    try:
        with ThreadPoolExecutor(max_workers=len(services)) as pool:
            for wave in (first, rest):
                list(pool.map(lambda service: service.start(), wave))
        yield services
    finally:
        for service in reversed(services):
            service.stop()


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
    with started_services(settings):
        yield settings
