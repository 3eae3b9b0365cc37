"""The graph's stream consumer: applies events to Neo4j in batches, exactly once each.

Run: braise-graph-consumer (reads BRAISE_GRAPH_* and the shared server variables).
"""

import logging
import signal
import threading
import time
from collections.abc import Sequence

import redis
from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired, TransientError

from braise_graph.bootstrap import Graph, build
from braise_graph.config import DAY_S
from braise_graph.store import create_schema
from braise_shared.logs import configure_logging
from braise_shared.metrics import StreamGroupsCollector, serve_metrics
from braise_shared.stream import EVENTS_STREAM, ConsumerConfig, Delivered, StreamConsumer

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failure will likely pass by itself (Neo4j or network unavailable)."""
    return isinstance(
        exc,
        ServiceUnavailable
        | SessionExpired
        | TransientError
        | DatabaseUnavailable
        | ConnectionError
        | TimeoutError,
    )


def build_consumer(client: "redis.Redis", graph: Graph) -> StreamConsumer:
    """Wire the stream consumer to the graph store."""

    def handle(batch: Sequence[Delivered]) -> None:
        applied = graph.store.apply([d.event for d in batch])
        log.debug("applied %d new events of %d delivered", applied, len(batch))

    settings = graph.settings
    config = ConsumerConfig(
        group=settings.consumer_group,
        consumer=settings.consumer_name,
        batch_size=settings.batch_size,
    )
    return StreamConsumer(client, config, handle, is_transient)


def main() -> None:
    """Consume until SIGTERM or SIGINT; create the schema first, waiting for Neo4j."""
    configure_logging("graph-consumer")
    graph = build()
    settings, driver = graph.settings, graph.driver
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=30)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            create_schema(driver)
            break
        except (ServiceUnavailable, OSError) as exc:
            log.warning("neo4j unavailable (%s); retrying", exc)
            stop.wait(2.0)
    consumer = build_consumer(client, graph)
    serve_metrics(
        settings.host,
        settings.consumer_metrics_port,
        [StreamGroupsCollector(client, EVENTS_STREAM, [settings.consumer_group])],
    )
    last_prune = 0.0

    def should_stop() -> bool:
        nonlocal last_prune
        if time.monotonic() - last_prune > PRUNE_EVERY_S:
            last_prune = time.monotonic()
            try:
                before = time.time() - settings.applied_ids_retention_days * DAY_S
                graph.store.prune_applied(before=before)
            except (ServiceUnavailable, OSError) as exc:
                log.warning("could not prune applied ids: %s", exc)
        return stop.is_set()

    log.info(
        "consuming %s as %s/%s", settings.redis_url, settings.consumer_group, settings.consumer_name
    )
    consumer.run(should_stop)
    driver.close()


if __name__ == "__main__":
    main()
