"""The composition root: what the API and the outbox relay run on, built from the settings.

Nothing here runs at import time; `create_app` and the relay's `main` call these.
"""

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.config import ProfilesSettings
from braise_profiles.db import make_engine, make_session_factory
from braise_profiles.migrate import upgrade_to_head
from braise_profiles.outbox import OutboxRelay
from braise_profiles.throttle import WriteThrottle
from braise_shared.publisher import EventPublisher
from braise_shared.stream_erasure import StreamEraser

REDIS_SOCKET_TIMEOUT_S = 10


@dataclass(frozen=True)
class Profiles:
    """The service wired from its settings: its database and the sessions every use case opens."""

    settings: ProfilesSettings
    engine: Engine
    session_factory: sessionmaker[Session]
    throttle: WriteThrottle
    # Held around each write transaction. On SQLite, one lock of the process's own: a
    # writer waiting for SQLite's single write lock sleeps in growing steps (up to 100 ms)
    # between tries, which made the slowest writes of 20 clients take 850 ms; a thread
    # waiting on this lock wakes as soon as the previous write ends. PostgreSQL writes rows
    # side by side: nothing is held there.
    writes: AbstractContextManager[Any]

    def migrate(self) -> None:
        """Bring the database schema to the latest revision."""
        upgrade_to_head(self.engine)

    def close(self) -> None:
        """Release the database and Redis connections."""
        self.engine.dispose()
        self.throttle.close()


@dataclass(frozen=True)
class Relay:
    """The outbox relay wired from the settings: the service's database and the stream."""

    profiles: Profiles
    publisher: EventPublisher
    outbox: OutboxRelay
    eraser: StreamEraser


def bootstrap(settings: ProfilesSettings, *, engine: Engine | None = None) -> Profiles:
    """Wire the service; pass an engine to share one database (an app and a relay under test)."""
    engine = engine or make_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool_size=settings.database_pool_size,
    )
    timeout = settings.throttle_timeout_s
    throttle = WriteThrottle(
        client=redis.Redis.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        ),
        capacity=settings.consultant_write_burst,
        per_minute=settings.consultant_writes_per_minute,
    )
    return Profiles(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        throttle=throttle,
        writes=threading.Lock() if engine.dialect.name == "sqlite" else nullcontext(),
    )


def bootstrap_relay(
    settings: ProfilesSettings,
    *,
    engine: Engine | None = None,
    redis_client: "redis.Redis | None" = None,
) -> Relay:
    """Wire the outbox relay; pass an engine or a Redis client to use those instead."""
    profiles = bootstrap(settings, engine=engine)
    client = redis_client or redis.Redis.from_url(
        settings.redis_url, socket_timeout=REDIS_SOCKET_TIMEOUT_S
    )
    publisher = EventPublisher(client)
    outbox = OutboxRelay(
        profiles.session_factory, publisher.publish_many, batch_size=settings.relay_batch_size
    )
    eraser = StreamEraser(client)
    return Relay(profiles=profiles, publisher=publisher, outbox=outbox, eraser=eraser)
