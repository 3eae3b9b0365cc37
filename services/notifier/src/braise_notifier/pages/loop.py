"""The closed loop: did a suggested pair interact again within 8 weeks of the digest?

The notifier's consumer keeps, per pair, the times it saw them interact (`db.MeetingRow`,
from `interaction.recorded`); the ledger keeps what each sent digest proposed. The rate is pure.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from braise_notifier.db import SENT, DigestRow, MeetingRow

WINDOW = timedelta(weeks=8)


def pair(x: str, y: str) -> tuple[str, str]:
    """Return an undirected pair, smaller id first."""
    return (x, y) if x < y else (y, x)


@dataclass(frozen=True)
class Sent:
    """One suggestion of a sent digest."""

    reader: str
    other: str
    stage: str
    gesture: str
    at: datetime
    reasons: tuple[str, ...] = ()


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


# From the most particular to the most common: a fresh piece of news (a hook) sets a suggestion
# apart, then a novelty, then shared affinities; "was strong" and "last seen" come with most.
_DISTINCTION = ("hook.", "novelty", "shared", "was_strong", "last_seen")


def distinguishing_reason(reasons: Iterable[str]) -> str | None:
    """Return the reason that set a suggestion apart: the most particular it carries, the
    first given among equals (None: a digest sent before reasons were kept)."""
    given = list(reasons)
    for prefix in _DISTINCTION:
        for reason in given:
            if reason.startswith(prefix):
                return reason
    return given[0] if given else None


def revival_rates(
    sent: Iterable[Sent], meetings: dict[tuple[str, str], list[datetime]], *, now: datetime
) -> dict[str, list[Rate]]:
    """Return, by gesture kind, by stage and by reason, how often the pair met within WINDOW
    of the digest.

    Only suggestions whose window has closed count, so a recent digest does not lower a rate.
    A suggestion counts once, under the reason that distinguished it (`distinguishing_reason`):
    reasons every suggestion carries would make every row alike.
    """
    tallies: dict[str, dict[str, list[int]]] = {
        by: defaultdict(lambda: [0, 0]) for by in ("gesture", "stage", "reason")
    }
    for s in sent:
        if s.at + WINDOW > now:
            continue
        times = meetings.get(pair(s.reader, s.other), [])
        revived = any(s.at < t <= s.at + WINDOW for t in times)
        keys = [("gesture", s.gesture), ("stage", s.stage)]
        reason = distinguishing_reason(s.reasons)
        if reason is not None:
            keys.append(("reason", reason))
        for by, key in keys:
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
            reasons = tuple(item.get("reasons", ()))  # digests sent before reasons were kept
            out.append(
                Sent(
                    reader, item["consultant_id"], item["stage"], item["gesture"], sent_at, reasons
                )
            )
    return out


def meetings_of(session: Session) -> dict[tuple[str, str], list[datetime]]:
    """Return the times each pair was seen interacting."""
    out: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for a, b, at in session.execute(select(MeetingRow.a, MeetingRow.b, MeetingRow.at)):
        out[(a, b)].append(at)
    return out
