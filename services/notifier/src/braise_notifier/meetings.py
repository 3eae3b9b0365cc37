"""The pairs who met, and when: the closed loop's data (`db.MeetingRow`, from
`interaction.recorded`), read by `pages.loop`."""

from collections.abc import Sequence
from itertools import combinations

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from braise_notifier.db import MeetingRow, erased_among, insert_new
from braise_shared.events import ConsultantErasedV1, Event, InteractionRecordedV1


def record_meetings(session: Session, events: Sequence[Event]) -> None:
    """Keep the pairs and times of every interaction seen; a replay adds nothing.

    One insert per batch that skips rows already there (the unique interaction and pair). An
    erased person's meetings are deleted, and none is recorded for them afterwards.
    """
    rows: list[dict[str, object]] = []
    erasures: list[str] = []
    for event in events:
        if isinstance(event, ConsultantErasedV1):
            erasures.append(str(event.data.consultant_id))
        elif isinstance(event, InteractionRecordedV1):
            data = event.data
            ids = sorted(str(p) for p in data.participants)
            rows.extend(
                {"interaction_id": str(data.interaction_id), "a": a, "b": b, "at": data.occurred_at}
                for a, b in combinations(ids, 2)
            )
    erased = set(erasures) | erased_among(session, {str(r[k]) for r in rows for k in "ab"})
    rows = [r for r in rows if r["a"] not in erased and r["b"] not in erased]
    # Chunks keep each statement under SQLite's limit of bound parameters.
    for start in range(0, len(rows), 2000):
        session.execute(insert_new(session, MeetingRow, rows[start : start + 2000]))
    if erasures:
        session.execute(
            delete(MeetingRow).where(or_(MeetingRow.a.in_(erasures), MeetingRow.b.in_(erasures)))
        )
