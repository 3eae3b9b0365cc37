"""The graph and notifier HTTP apps in process, on the test session's real servers."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_graph.api import create_app as create_graph_app
from braise_notifier.api import create_app as create_notifier_app
from braise_notifier.bootstrap import build
from braise_notifier.config import NotifierSettings
from braise_notifier.projections import project
from braise_notifier.tasks import make_celery
from tests.support import events as ev
from tests.support.graph import graph_settings, new_store
from tests.support.notifier import graph_server
from tests.support.servers import SessionServers


@contextmanager
def graph_api(servers: SessionServers, driver: Driver) -> Iterator[TestClient]:
    """Yield the graph API on an emptied graph that knows consultants 1 and 2 and their lunch."""
    settings = graph_settings(servers)
    store = new_store(driver)
    store.apply([ev.profile(1, name="Camille"), ev.profile(2, name="Karim")])
    store.apply([ev.interaction([1, 2], 1_700_000_000.0, kind="lunch")])
    app = create_graph_app(settings, driver=driver)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def notifier_api(tmp: Path, servers: SessionServers) -> Iterator[TestClient]:
    """Yield the notifier app on a fresh database that knows consultants 1 and 2, asking a
    graph API of its own (never whatever answers on the default port)."""
    stack = ExitStack()
    graph_port = stack.enter_context(graph_server(tmp, servers))
    settings = NotifierSettings(
        database_url=f"sqlite:///{tmp / 'notifier.db'}",
        redis_url=servers.endpoints.redis_url,
        broker_db=2,
        graph_url=f"http://127.0.0.1:{graph_port}",
    )
    broker = redis.Redis.from_url(settings.broker_url)
    broker.flushdb()
    broker.close()
    notifier = build(settings)
    celery = make_celery(settings)
    app = create_notifier_app(
        notifier,
        enqueue_digests=lambda keys: celery.send_task("braise.send_digests", args=[keys]),
        enqueue_unsubscribe_sync=lambda c, link: celery.send_task(
            "braise.sync_unsubscribe", args=[c, link]
        ),
    )
    project(notifier.factory, [ev.profile(1, name="Camille"), ev.profile(2, name="Karim")])
    with stack, TestClient(app, raise_server_exceptions=False) as client:
        yield client
