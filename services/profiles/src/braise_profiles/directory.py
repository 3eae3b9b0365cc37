"""The consultants' rows and tags in SQL: read by every use case of profiles (the consultants'
own, and interactions, preferences, calendars and imports that name consultants)."""

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from braise_profiles.db import ConsultantRow, ConsultantTagRow
from braise_profiles.errors import NotFoundError
from braise_shared.tags import Tag, make_tags

T = TypeVar("T")
FACETS = ("skill", "sector", "interest")
TagsByFacet = dict[str, list[Tag]]


def _chunks(values: list[T], size: int = 500) -> Iterator[list[T]]:
    """Yield slices small enough for an SQL `IN (...)` on any database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def get_row(session: Session, consultant_id: uuid.UUID) -> ConsultantRow:
    """Return a consultant's row, or raise NotFoundError naming the path parameter."""
    row = session.get(ConsultantRow, consultant_id)
    if row is None:
        raise NotFoundError(("path", "consultant_id"), f"no consultant {consultant_id}")
    return row


def lock_row(session: Session, consultant_id: uuid.UUID) -> ConsultantRow:
    """Return a consultant's row to change: locked until commit, and read after the lock.

    Two concurrent changes of one person must not both start from the same revision (both
    events would carry the next one, and consumers would keep only one of them): the second
    waits for the first to commit, then reads what it wrote. An UPDATE that changes nothing
    takes the write lock on both databases: the row's on PostgreSQL, the database's on SQLite
    (which has no SELECT ... FOR UPDATE).
    """
    locked = session.execute(
        update(ConsultantRow)
        .where(ConsultantRow.id == consultant_id)
        .values(revision=ConsultantRow.revision)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError(("path", "consultant_id"), f"no consultant {consultant_id}")
    row = session.get(ConsultantRow, consultant_id, populate_existing=True)
    assert row is not None  # locked above
    return row


def add_rows(session: Session, rows: Sequence[ConsultantRow]) -> None:
    """Insert new consultants, so their ids can be referred to in the same transaction."""
    session.add_all(rows)
    session.flush()


def bump_revision(session: Session, row: ConsultantRow, *, now: datetime) -> None:
    """Record that a consultant changed: one revision more, updated now."""
    row.revision += 1
    row.updated_at = now
    session.flush()


def page(
    session: Session, *, limit: int, cursor: uuid.UUID | None, tag_keys: Mapping[str, str]
) -> list[ConsultantRow]:
    """Return up to limit consultants after cursor by id, having every tag key by facet."""
    query = select(ConsultantRow).order_by(ConsultantRow.id).limit(limit)
    if cursor is not None:
        query = query.where(ConsultantRow.id > cursor)
    for facet, key in tag_keys.items():
        query = query.where(
            ConsultantRow.id.in_(
                select(ConsultantTagRow.consultant_id).where(
                    ConsultantTagRow.facet == facet, ConsultantTagRow.key == key
                )
            )
        )
    return list(session.scalars(query))


def tags_by_facet(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TagsByFacet]:
    """Return each consultant's tags by facet, each facet sorted by key."""
    found: dict[uuid.UUID, TagsByFacet] = {i: {f: [] for f in FACETS} for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(ConsultantTagRow)
        .where(ConsultantTagRow.consultant_id.in_(ids))
        .order_by(ConsultantTagRow.key)
    )
    for row in rows:
        found[row.consultant_id][row.facet].append(Tag(key=row.key, label=row.label))
    return found


def replace_tags(session: Session, consultant_id: uuid.UUID, facet: str, raws: list[str]) -> None:
    """Give a consultant exactly these tags in one facet."""
    session.execute(
        delete(ConsultantTagRow).where(
            ConsultantTagRow.consultant_id == consultant_id, ConsultantTagRow.facet == facet
        )
    )
    session.add_all(
        ConsultantTagRow(consultant_id=consultant_id, facet=facet, key=t.key, label=t.label)
        for t in make_tags(raws)
    )


def delete_consultant(session: Session, row: ConsultantRow) -> None:
    """Delete a consultant and their tags."""
    session.execute(delete(ConsultantTagRow).where(ConsultantTagRow.consultant_id == row.id))
    session.delete(row)


def ids_by_email(session: Session, emails: Iterable[str]) -> dict[str, uuid.UUID]:
    """Return the id of each registered consultant among these (lower-case) e-mails."""
    found: dict[str, uuid.UUID] = {}
    for chunk in _chunks(sorted(set(emails))):
        query = select(ConsultantRow.email, ConsultantRow.id).where(ConsultantRow.email.in_(chunk))
        found.update((email, cid) for email, cid in session.execute(query))
    return found


# Built once: building the statement (coercing each id of the IN list) cost more than running it.
_KNOWN = select(ConsultantRow.id).where(ConsultantRow.id.in_(bindparam("ids", expanding=True)))


def known_consultants(session: Session, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Return those of the ids that name a registered consultant (Core: no ORM rows read)."""
    known: set[uuid.UUID] = set()
    connection = session.connection()
    for chunk in _chunks(sorted(set(ids))):
        known.update(connection.scalars(_KNOWN, {"ids": chunk}))
    return known
