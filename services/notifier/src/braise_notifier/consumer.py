"""The notifier's stream consumer: keeps the recipients table from profile events.

Run: braise-notifier-consumer
"""

import logging
import signal
import threading
from collections.abc import Sequence

import redis
from sqlalchemy.exc import OperationalError

from braise_notifier.config import NotifierSettings
from braise_notifier.db import make_engine, session_factory
from braise_notifier.directory import apply_events
from braise_shared.logs import configure_logging
from braise_shared.stream import ConsumerConfig, Delivered, StreamConsumer

log = logging.getLogger(__name__)


def build_consumer(client: "redis.Redis", settings: NotifierSettings) -> StreamConsumer:
    """Wire the consumer group `notifier` to the recipients table."""
    factory = session_factory(make_engine(settings.database_url))

    def handle(batch: Sequence[Delivered]) -> None:
        apply_events(factory, [d.event for d in batch])

    return StreamConsumer(
        client,
        ConsumerConfig(group="notifier", consumer="notifier-1", batch_size=500),
        handle,
        lambda exc: isinstance(exc, OperationalError | ConnectionError | TimeoutError),
    )


def main() -> None:
    """Consume until SIGTERM or SIGINT."""
    configure_logging("notifier-consumer")
    settings = NotifierSettings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    consumer = build_consumer(redis.Redis.from_url(settings.redis_url, socket_timeout=30), settings)
    log.info("consuming %s as notifier/notifier-1", settings.redis_url)
    consumer.run(stop.is_set)


if __name__ == "__main__":
    main()
