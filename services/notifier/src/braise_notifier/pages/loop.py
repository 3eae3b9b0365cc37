"""The closed loop: did a suggested pair interact again within 8 weeks of the digest?

The notifier's consumer keeps, per pair, the times it saw them interact (`db.MeetingRow`,
from `interaction.recorded`); the ledger keeps what each sent digest proposed. The rate is pure.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import SENT, DigestRow, MeetingRow, unit_of_work
from braise_shared.events import Event, InteractionRecordedV1

WINDOW = timedelta(weeks=8)


def pair(x: str, y: str) -> tuple[str, str]:
    """Return an undirected pair, smaller id first."""
    return (x, y) if x < y else (y, x)


def record_meetings(factory: sessionmaker[Session], events: Sequence[Event]) -> None:
    """Keep the pairs and times of every interaction seen; a replay adds nothing."""
    with unit_of_work(factory) as session:
        for event in events:
            if not isinstance(event, InteractionRecordedV1):
                continue
            data = event.data
            ids = sorted(str(p) for p in data.participants)
            for a, b in combinations(ids, 2):
                known = session.scalar(
                    select(MeetingRow.id).where(
                        MeetingRow.interaction_id == str(data.interaction_id),
                        MeetingRow.a == a,
                        MeetingRow.b == b,
                    )
                )
                if known is None:
                    session.add(
                        MeetingRow(
                            interaction_id=str(data.interaction_id), a=a, b=b, at=data.occurred_at
                        )
                    )


@dataclass(frozen=True)
class Sent:
    """One suggestion of a sent digest."""

    reader: str
    other: str
    stage: str
    gesture: str
    at: datetime


@dataclass(frozen=True)
class Rate:
    """How many suggestions of one kind were followed by an interaction, out of how many."""

    key: str
    suggestions: int
    revived: int

    @property
    def rate(self) -> float:
        """Return revived / suggestions (0 when there were none)."""
        return self.revived / self.suggestions if self.suggestions else 0.0


def revival_rates(
    sent: Iterable[Sent], meetings: dict[tuple[str, str], list[datetime]], *, now: datetime
) -> dict[str, list[Rate]]:
    """Return, by gesture kind and by stage, how often the pair met within WINDOW of the digest.

    Only suggestions whose window has closed count, so a recent digest does not lower a rate.
    """
    tallies: dict[str, dict[str, list[int]]] = {"gesture": defaultdict(lambda: [0, 0])}
    tallies["stage"] = defaultdict(lambda: [0, 0])
    for s in sent:
        if s.at + WINDOW > now:
            continue
        times = meetings.get(pair(s.reader, s.other), [])
        revived = any(s.at < t <= s.at + WINDOW for t in times)
        for by, key in (("gesture", s.gesture), ("stage", s.stage)):
            tallies[by][key][0] += 1
            tallies[by][key][1] += int(revived)
    return {
        by: [Rate(key, n, r) for key, (n, r) in sorted(counts.items())]
        for by, counts in tallies.items()
    }


def sent_suggestions(session: Session) -> list[Sent]:
    """Return every suggestion of every sent digest in the ledger."""
    out = []
    rows = session.execute(
        select(DigestRow.consultant_id, DigestRow.sent_at, DigestRow.suggestions).where(
            DigestRow.state == SENT
        )
    )
    for reader, sent_at, raw in rows:
        if sent_at is None:
            continue
        for item in json.loads(raw or "[]"):
            out.append(Sent(reader, item["consultant_id"], item["stage"], item["gesture"], sent_at))
    return out


def meetings_of(session: Session) -> dict[tuple[str, str], list[datetime]]:
    """Return the times each pair was seen interacting."""
    out: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for a, b, at in session.execute(select(MeetingRow.a, MeetingRow.b, MeetingRow.at)):
        out[(a, b)].append(at)
    return out
