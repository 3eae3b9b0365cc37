"""The profiles service's tables (SQLAlchemy 2) and how to open the database."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from braise_shared.sql import UTCDateTime, make_engine, make_session_factory, unit_of_work

__all__ = ["make_engine", "make_session_factory", "unit_of_work"]


class Base(DeclarativeBase):
    """Base of the service's tables."""


class ConsultantRow(Base):
    """A consultant, their preferences and consent."""

    __tablename__ = "consultants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(2))
    frequency: Mapped[str] = mapped_column(String(16))
    day_of_week: Mapped[str] = mapped_column(String(10))
    suggestable: Mapped[bool] = mapped_column(Boolean)
    resume_on: Mapped[date | None] = mapped_column(Date)  # no digest before this day
    revision: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsultantTagRow(Base):
    """One affinity of a consultant: a skill, a sector or an interest."""

    __tablename__ = "consultant_tags"

    consultant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("consultants.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_consultant_tags_facet_key", "facet", "key"),)


class InteractionRow(Base):
    """Something two or more consultants did together."""

    __tablename__ = "interactions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    initiator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ParticipantRow(Base):
    """One participant of an interaction."""

    __tablename__ = "interaction_participants"

    interaction_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    consultant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("consultants.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_interaction_participants_consultant", "consultant_id"),)


class OutboxRow(Base):
    """An event written in the same transaction as the change it describes."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "seq"),)


class IdempotencyRow(Base):
    """The response given to a write sent with an Idempotency-Key."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarRow(Base):
    """A calendar Braise reads: the firm's events (no owner) or one consultant's (by consent).

    Where it is read from (URL, user, password) is kept encrypted in `secret`; an uploaded
    document of the firm's is kept in `document` and read again at each sync.
    """

    __tablename__ = "calendars"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("consultants.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(10))  # ics_file, ics_url or caldav
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    sync_token: Mapped[str | None] = mapped_column(Text)
    full_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skipped: Mapped[str] = mapped_column(Text)  # JSON: events set aside at the last sync
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarResourceRow(Base):
    """One document of a calendar as last read (a CalDAV object, or the ICS URL): its ETag."""

    __tablename__ = "calendar_resources"

    calendar_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    )
    href: Mapped[str] = mapped_column(String(1000), primary_key=True)
    etag: Mapped[str] = mapped_column(String(300))


class OccurrenceRow(Base):
    """One occurrence of a calendar's event: times and consultant attendees.

    The firm's occasions keep their title and place too; a consultant's meetings never do
    (those columns stay empty). `id` is the occasion's id, uuid5 of (calendar, UID,
    RECURRENCE-ID); `meeting_key`, uuid5 of (UID, RECURRENCE-ID) alone, is the id of the
    interaction it becomes, the same from any calendar that holds the event.
    """

    __tablename__ = "calendar_occurrences"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    calendar_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("calendars.id", ondelete="CASCADE"), index=True
    )
    href: Mapped[str] = mapped_column(String(1000))
    meeting_key: Mapped[uuid.UUID] = mapped_column(Uuid)
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    online: Mapped[bool] = mapped_column(Boolean)
    all_day: Mapped[bool] = mapped_column(Boolean, server_default=false())  # a day, no hour
    attendees: Mapped[str] = mapped_column(Text)  # JSON: consultants who accepted, sorted
    declined: Mapped[str] = mapped_column(Text, server_default="[]")  # JSON: who declined
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    recorded: Mapped[bool] = mapped_column(Boolean)  # its interaction was recorded (or exists)
