"""What the services that keep SQL data share: UTC timestamps, engines, units of work."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC; refuse naive values, whose zone nobody knows."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: a time zone is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as UTC-aware."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(database_url: str) -> Engine:
    """Open a database; on SQLite create its folder, and turn on WAL, foreign keys, lock waits."""
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory every unit of work uses."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session whose work commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def ping_sql(engine: Engine) -> None:
    """Ask the database a real question (`SELECT 1`); raise if it does not answer."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
