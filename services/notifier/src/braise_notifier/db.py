"""The notifier's own data: who to write to (from events) and the digest ledger."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

# Ledger states. planned -> sending -> sent | failed | empty | skipped; a "sending" row whose
# lease ran out (its worker died) is taken again.
PLANNED, SENDING, SENT, FAILED, EMPTY, SKIPPED = (
    "planned",
    "sending",
    "sent",
    "failed",
    "empty",
    "skipped",
)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC-aware timestamp, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC."""
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back UTC-aware."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of the notifier's tables."""


class RecipientRow(Base):
    """A consultant as the notifier knows them, kept from profile and preference events."""

    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(2))
    frequency: Mapped[str] = mapped_column(String(16))
    day_of_week: Mapped[str] = mapped_column(String(10))
    unsubscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_revision: Mapped[int] = mapped_column(Integer)
    prefs_revision: Mapped[int] = mapped_column(Integer)


class ErasedRow(Base):
    """An erased consultant's id, so a late event cannot bring them back."""

    __tablename__ = "erased"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)


class DigestRow(Base):
    """One digest: one per (period, consultant), whatever happens."""

    __tablename__ = "digests"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    consultant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))
    suggestions: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    event_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def make_engine(database_url: str) -> Engine:
    """Open the database (SQLite: create its folder, WAL, wait on locks) and its tables."""
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    Base.metadata.create_all(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error."""
    with factory() as session, session.begin():
        yield session
