"""The notifier's stream consumer: keeps the recipients table from profile events.

Run: braise-notifier-consumer
"""

import logging
import signal
import threading
from collections.abc import Sequence

import redis
from sqlalchemy.exc import OperationalError

from braise_notifier.bootstrap import Notifier, notifier
from braise_notifier.projections import project
from braise_notifier.spread import SpreadCap
from braise_shared.events import ConsultantErasedV1
from braise_shared.logs import configure_logging
from braise_shared.metrics import StreamGroupsCollector, serve_metrics
from braise_shared.stream import EVENTS_STREAM, ConsumerConfig, Delivered, StreamConsumer

log = logging.getLogger(__name__)


def build_consumer(client: "redis.Redis", n: Notifier) -> StreamConsumer:
    """Wire the consumer group `notifier` to the notifier's projections."""
    settings = n.settings

    spread = SpreadCap(client, cap=settings.spread_cap)

    def handle(batch: Sequence[Delivered]) -> None:
        project(n.factory, [d.event for d in batch])
        # After the commit: if Redis fails here, the batch comes again and this is redone.
        for d in batch:
            if isinstance(d.event, ConsultantErasedV1):
                spread.forget(str(d.event.data.consultant_id))

    return StreamConsumer(
        client,
        ConsumerConfig(
            group=settings.consumer_group,
            consumer=settings.consumer_name,
            batch_size=settings.consumer_batch_size,
        ),
        handle,
        lambda exc: isinstance(
            exc, OperationalError | ConnectionError | TimeoutError | redis.ConnectionError
        ),
    )


def main() -> None:
    """Consume until SIGTERM or SIGINT."""
    configure_logging("notifier-consumer")
    n = notifier()
    config = n.settings
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    client = redis.Redis.from_url(config.redis_url, socket_timeout=30)
    consumer = build_consumer(client, n)
    serve_metrics(
        config.host,
        config.consumer_metrics_port,
        [StreamGroupsCollector(client, EVENTS_STREAM, [config.consumer_group])],
    )
    log.info("consuming %s as %s/%s", config.redis_url, config.consumer_group, config.consumer_name)
    consumer.run(stop.is_set)


if __name__ == "__main__":
    main()
