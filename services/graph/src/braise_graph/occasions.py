"""The firm's occasions: what a batch changes of them, and which one a pair meets at (pure).

An occasion (`occasion.scheduled`, `occasion.withdrawn`) is kept by its id with the highest
revision seen: an older or equal revision changes nothing, so replays and any order of the
same events give the same graph. A withdrawn occasion stays as a tombstone (id, revision),
without title, place or attendees, until it is pruned, so that an older `scheduled` cannot
bring it back. Each occasion falls in the slot of its id (`partition.slot_of`).

A *point de jonction* is an upcoming occasion both people of a link attend (both accepted);
an occasion a reader may invite someone to is one both can attend: online, or in the city
both live in, that neither declined and the other does not attend already (they are
expected there: a junction if the reader attends too, else nothing to invite them to). Both
look only at occasions that start after now and within the horizon, soonest first.
"""

from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from braise_graph.model import epoch_s
from braise_shared.candidates import OccasionFact
from braise_shared.events import OccasionScheduledV1, OccasionWithdrawnV1
from braise_shared.tags import tag_key

OccasionEvent = OccasionScheduledV1 | OccasionWithdrawnV1


@dataclass(frozen=True)
class OccasionChange:
    """The newest state of one occasion in a batch: scheduled (with who accepted and who
    declined) or withdrawn (a tombstone)."""

    id: str
    revision: int
    at: float  # when the event occurred
    withdrawn: bool = False
    title: str | None = None
    starts_at: float | None = None
    ends_at: float | None = None
    place: str | None = None
    city: str | None = None
    online: bool = False
    all_day: bool = False
    attendees: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """Return the row the occasions statement takes."""
        return {
            "id": self.id,
            "revision": self.revision,
            "at": self.at,
            "withdrawn": self.withdrawn,
            "title": self.title,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "place": self.place,
            "city": self.city,
            "online": self.online,
            "all_day": self.all_day,
            "attendees": list(self.attendees),
            "declined": list(self.declined),
        }


def _change(event: OccasionEvent, erased: Set[str]) -> OccasionChange:
    at = epoch_s(event.occurred_at)
    if isinstance(event, OccasionWithdrawnV1):
        return OccasionChange(str(event.data.occasion_id), event.data.revision, at, withdrawn=True)
    data = event.data
    return OccasionChange(
        id=str(data.occasion_id),
        revision=data.revision,
        at=at,
        title=data.title,
        starts_at=epoch_s(data.starts_at),
        ends_at=epoch_s(data.ends_at),
        place=data.place,
        city=None if data.online else data.city,
        online=data.online,
        all_day=data.all_day,
        attendees=tuple(sorted({str(a) for a in data.attendees} - erased)),
        declined=tuple(sorted({str(d) for d in data.declined} - erased)),
    )


def occasion_changes(
    events: Iterable[OccasionEvent], *, owns: Callable[[str], bool], erased: Set[str]
) -> list[OccasionChange]:
    """Return the newest change of each occasion the partition owns (`owns`, by occasion id),
    sorted by id, leaving erased people out of the attendees and of who declined. Of two
    events with the same revision, a withdrawal wins."""
    newest: dict[str, OccasionChange] = {}
    for event in events:
        change = _change(event, erased)
        if not owns(change.id):
            continue
        held = newest.get(change.id)
        if held is None or (change.revision, change.withdrawn) > (held.revision, held.withdrawn):
            newest[change.id] = change
    return [newest[k] for k in sorted(newest)]


@dataclass(frozen=True)
class Occasion:
    """An upcoming occasion as the graph holds it, with who attends (accepted) and who
    declined."""

    id: str
    title: str
    starts_at: float
    ends_at: float
    place: str | None
    city: str | None
    online: bool
    attendees: frozenset[str]
    declined: frozenset[str] = frozenset()
    all_day: bool = False
    revision: int = 1

    @classmethod
    def from_record(
        cls, props: dict[str, Any], attendees: Iterable[str], declined: Iterable[str] = ()
    ) -> "Occasion":
        """Return an occasion from its node's properties, its attendees' and its decliners'
        ids."""
        return cls(
            id=props["id"],
            title=props["title"],
            starts_at=props["starts_at"],
            ends_at=props["ends_at"],
            place=props.get("place"),
            city=props.get("city"),
            online=bool(props.get("online")),
            attendees=frozenset(attendees),
            declined=frozenset(declined),
            all_day=bool(props.get("all_day")),
            revision=int(props.get("revision") or 1),
        )

    def fact(self) -> OccasionFact:
        """Return the occasion as the candidates contract carries it."""
        return OccasionFact(
            occasion_id=self.id,
            title=self.title,
            starts_at=datetime.fromtimestamp(self.starts_at, UTC),
            ends_at=datetime.fromtimestamp(self.ends_at, UTC),
            place=self.place,
            city=self.city,
            online=self.online,
            all_day=self.all_day,
            revision=self.revision,
        )


def _upcoming(occasions: Sequence[Occasion], now: float, horizon_s: float) -> list[Occasion]:
    ahead = [o for o in occasions if now < o.starts_at <= now + horizon_s]
    return sorted(ahead, key=lambda o: (o.starts_at, o.id))


def junction(
    me: str, other: str, occasions: Sequence[Occasion], *, now: float, horizon_s: float
) -> Occasion | None:
    """Return the soonest upcoming occasion both people attend, or None."""
    for occasion in _upcoming(occasions, now, horizon_s):
        if me in occasion.attendees and other in occasion.attendees:
            return occasion
    return None


def invitable(
    me: str,
    other: str,
    city: str | None,
    occasions: Sequence[Occasion],
    *,
    now: float,
    horizon_s: float,
) -> Occasion | None:
    """Return the soonest upcoming occasion the reader (`me`) may invite `other` to: both
    can attend it (online, or in the city both live in: `city`, compared by tag key; None:
    they share none), neither declined it, and `other` does not attend it already; or None."""
    for occasion in _upcoming(occasions, now, horizon_s):
        if me in occasion.declined or other in occasion.declined:
            continue
        if other in occasion.attendees:
            continue
        if occasion.online:
            return occasion
        if city and occasion.city and tag_key(occasion.city) == tag_key(city):
            return occasion
    return None
