"""What the services that keep SQL data share: UTC timestamps, engines, units of work."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

log = logging.getLogger(__name__)

_SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}


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


class bytes_contain(FunctionElement[bool]):  # noqa: N801 - reads as the SQL function it is
    """`bytes_contain(column, needle)`: true where a binary column holds the bytes needle.

    LIKE does not look into SQLite blobs, and PostgreSQL spells it `position(... in ...)`.
    """

    name = "bytes_contain"
    type = Boolean()
    inherit_cache = True


def _operands(element: bytes_contain, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, needle = (compiler.process(clause, **kw) for clause in element.clauses)
    return column, needle


@compiles(bytes_contain, "sqlite")
def _bytes_contain_sqlite(element: bytes_contain, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = _operands(element, compiler, **kw)
    return f"(instr({column}, {needle}) > 0)"


@compiles(bytes_contain)
def _bytes_contain(element: bytes_contain, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = _operands(element, compiler, **kw)
    return f"(position({needle} in {column}) > 0)"


SqliteSynchronous = Literal["full", "normal"]


def make_engine(
    database_url: str,
    *,
    sqlite_synchronous: SqliteSynchronous = "full",
    pool_size: int | None = None,
) -> Engine:
    """Open a database; on SQLite create its folder, and turn on WAL, foreign keys, lock waits
    and secure delete.

    `sqlite_synchronous`: with "full" (SQLite's default) every commit waits for the disk
    (fsync of the WAL); with "normal" a commit reaches the operating system and the disk
    later (at checkpoints): a process that dies loses nothing, but a power loss or a crash
    of the machine may undo the last commits (the file stays consistent).

    `pool_size`, on a server database: how many connections the pool keeps open (as many
    again may open for a burst, and close when returned). SQLAlchemy's default keeps 5, so
    under 20 concurrent writers most requests opened (and authenticated) a new connection.
    """
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif pool_size is not None:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={_SYNCHRONOUS[sqlite_synchronous]}")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows are overwritten with zeros, not left readable in free pages (GDPR).
            cursor.execute("PRAGMA secure_delete=ON")
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


def checkpoint_after_commit(session: Session) -> None:
    """Once session commits, on SQLite, copy the WAL into the database and empty it.

    With secure delete on, the database's pages hold zeros where deleted rows were, but the
    WAL still holds the pages as they were before the delete until a checkpoint truncates
    it. Erasures call this so that what they deleted leaves the files at once. PostgreSQL
    keeps dead tuples until (auto)vacuum reclaims them; nothing is done here for it.
    """
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return

    def _checkpoint(_session: Session) -> None:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except OperationalError as exc:
            # Committed all the same; the next automatic checkpoint writes the zeros.
            log.warning("WAL checkpoint after an erasure failed: %s", exc)

    event.listen(session, "after_commit", _checkpoint, once=True)


def ping_sql(engine: Engine) -> None:
    """Ask the database a real question (`SELECT 1`); raise if it does not answer."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
