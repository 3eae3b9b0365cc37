"""The notifier's own data: who to write to (from events) and the digest ledger."""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Executable,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from braise_notifier.migrate import upgrade_to_head
from braise_shared.sql import UTCDateTime, unit_of_work
from braise_shared.sql import make_engine as open_engine
from braise_shared.sql import make_session_factory as session_factory

__all__ = ["make_engine", "session_factory", "unit_of_work"]

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
    # The end of a pause (schedule.paused_on): only preference events carry it, so it keeps
    # the revision that set it, apart from the profile's.
    resume_on: Mapped[date | None] = mapped_column(Date)
    resume_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @hybrid_property
    def receives_digests(self) -> bool:
        """Tell whether this person consents to digests now: subscribed and not paused.

        The one place of the rule, in Python and (below) in SQL.
        """
        return not self.unsubscribed and self.frequency != "paused"

    @receives_digests.inplace.expression
    @classmethod
    def _receives_digests_sql(cls) -> ColumnElement[bool]:
        return and_(cls.unsubscribed.is_(False), cls.frequency != "paused")


class ErasedRow(Base):
    """An erased consultant's id, so a late event cannot bring them back."""

    __tablename__ = "erased"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)


def erased_among(session: Session, ids: Iterable[str | None]) -> set[str]:
    """Return those of ids that are erased people's (None, an absent id, is left out)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(session.scalars(select(ErasedRow.id).where(ErasedRow.id.in_(wanted))))


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
    # The subject and opening it used (`compose`): the reader's next digest takes another.
    variant: Mapped[int | None] = mapped_column(Integer)
    # The message as written just before SMTP was given it; cleared once the row is final. An
    # attempt that finds it sends it again as it was (`service`): never another digest, or none.
    prepared: Mapped[bytes | None] = mapped_column(LargeBinary)


class MeetingRow(Base):
    """Two consultants interacted at a time (the smaller id first); one row per interaction."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("interaction_id", "a", "b"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(String(36))
    a: Mapped[str] = mapped_column(String(36), index=True)
    b: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackRow(Base):
    """A reader's answer to one suggestion of one digest (from `suggestion.feedback`)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("period", "consultant_id", "other_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(16))
    consultant_id: Mapped[str] = mapped_column(String(36), index=True)
    other_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkWeekRow(Base):
    """How many links the graph had in one stage, as recorded once in an ISO week."""

    __tablename__ = "link_weeks"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)
    links: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SectorWeekRow(Base):
    """How many live links touched one sector (by first sectors), as recorded once in an ISO
    week; `sector` is the tag's key, "" for the profiles without a sector."""

    __tablename__ = "sector_weeks"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    sector: Mapped[str] = mapped_column(String(120), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    links: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


def make_engine(database_url: str) -> Engine:
    """Open the database and bring its schema to the latest migration."""
    engine = open_engine(database_url)
    upgrade_to_head(engine)
    return engine


def insert_new(session: Session, table: type[Base], rows: list[dict[str, object]]) -> Executable:
    """Return an INSERT of these rows that skips the ones already there (a unique key)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).values(rows).on_conflict_do_nothing()
