"""What one consumer applies of a batch: its slots' part, past each slot's watermark (pure).

A batch is a run of stream entries. Each piece of an event falls in one slot (`partition`):
a pair's update and a suggestion in the pair's slot, a node change and a mission in the
consultant's slot, an occasion in its id's slot. A piece is taken when the consumer owns its
slot and, for pieces that add up (link updates, suggestion counts, the count of events
applied), when its entry comes after the slot's watermark. Pieces that keep the newest value
(profiles, consent, missions, feedback, occasions by revision) and erasures give the same
graph when applied again, so they need only the slot (erasures, not even that: every
consumer applies them).
"""

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from braise_graph.batch import NodeChange, group_events
from braise_graph.links import KeepPair, LinkDelta, Mission, link_changes, link_deltas
from braise_graph.model import epoch_s
from braise_graph.occasions import OccasionChange, occasion_changes
from braise_graph.partition import (
    NOTHING_APPLIED,
    SLOTS,
    EntryId,
    Partition,
    pair_slot,
    slot_of,
)
from braise_shared.events import DigestSentV1, Event, SuggestionFeedbackV2
from braise_shared.interactions import InteractionKinds


@dataclass(frozen=True)
class Suggestion:
    """A person a digest proposed to its reader, and when."""

    me: str
    other: str
    at: float


@dataclass(frozen=True)
class Feedback:
    """A reader's latest `not_now`, `never` and `undo_never` on one person, in a batch.

    One row per pair: the store keeps the latest time of each action, and a statement that
    read the pair once per click would not see its own earlier clicks.
    """

    me: str
    other: str
    not_now_at: float | None = None
    never_at: float | None = None
    undo_never_at: float | None = None

    def row(self) -> dict[str, Any]:
        """Return the row the feedback statement takes."""
        return {
            "me": self.me,
            "other": self.other,
            "not_now_at": self.not_now_at,
            "never_at": self.never_at,
            "undo_never_at": self.undo_never_at,
        }


@dataclass
class BatchShare:
    """The part of a batch one consumer writes, in the order the store writes it."""

    links: list[LinkDelta] = field(default_factory=list)
    missions: dict[str, Mission] = field(default_factory=dict)
    nodes: list[NodeChange] = field(default_factory=list)
    erasures: set[str] = field(default_factory=set)
    suggestions: list[Suggestion] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    occasions: list[OccasionChange] = field(default_factory=list)
    counted: list[int] = field(default_factory=lambda: [0] * SLOTS)  # new events, by id slot

    @cached_property
    def link_rows(self) -> list[dict[str, Any]]:
        """Return the links' deltas as the fold statement takes them."""
        return [delta.row() for delta in self.links]

    @property
    def events_applied(self) -> int:
        """Return how many events this share applies for the first time."""
        return sum(self.counted)


@dataclass(frozen=True)
class Watermarks:
    """A partition and the last entry applied to each of its slots (absent: none)."""

    partition: Partition
    applied: Mapping[int, EntryId] = field(default_factory=dict)

    def owns(self, slot: int) -> bool:
        """Tell whether the partition applies what falls in the slot."""
        return self.partition.owns(slot)

    def fresh(self, slot: int, entry: EntryId) -> bool:
        """Tell whether the partition owns the slot and has not applied the entry to it."""
        return self.partition.owns(slot) and entry > self.applied.get(slot, NOTHING_APPLIED)


def share_of(
    batch: Sequence[tuple[EntryId, Event]],
    marks: Watermarks,
    *,
    kinds: InteractionKinds,
    erased: Set[str] = frozenset(),
) -> BatchShare:
    """Return what the partition of `marks` applies of a batch of (entry id, event), leaving
    out the people `erased` before it and those the batch erases."""
    entry_of: dict[str, EntryId] = {}
    events: list[Event] = []
    for entry, event in batch:
        if str(event.id) not in entry_of:  # the same event twice in one batch counts once
            entry_of[str(event.id)] = entry
            events.append(event)
    groups = group_events(events)
    share = BatchShare(erasures=set(groups.erasures))
    gone = erased | groups.erasures
    changes = link_changes(
        groups.interactions,
        groups.rekindled,
        kinds=kinds,
        erased=gone,
        keep=_pair_keeper(marks, entry_of),
    )
    share.links = link_deltas(changes.updates)
    share.missions = {p: m for p, m in changes.missions.items() if marks.owns(slot_of(p))}
    share.nodes = [c for c in groups.nodes if marks.owns(slot_of(c.consultant_id))]
    share.suggestions = _suggestions(groups.digests, marks, entry_of, gone)
    share.feedback = _feedback(groups.feedback, marks, gone)
    share.occasions = occasion_changes(
        groups.occasions, owns=lambda key: marks.owns(slot_of(key)), erased=gone
    )
    for event_id, entry in entry_of.items():
        slot = slot_of(event_id)
        if marks.fresh(slot, entry):
            share.counted[slot] += 1
    return share


def _pair_keeper(marks: Watermarks, entry_of: Mapping[str, EntryId]) -> KeepPair | None:
    """Return which pair updates the partition takes; None for all of them, the usual case
    of a single partition that applied nothing of the batch yet."""
    if marks.partition.count == 1 and not marks.applied:
        return None
    return lambda a, b, event_id: marks.fresh(pair_slot(a, b), entry_of[event_id])


def _suggestions(
    digests: list[DigestSentV1],
    marks: Watermarks,
    entry_of: Mapping[str, EntryId],
    erased: Set[str],
) -> list[Suggestion]:
    rows = []
    for event in digests:
        me, at = str(event.data.consultant_id), epoch_s(event.occurred_at)
        for suggestion in event.data.suggestions:
            other = str(suggestion.consultant_id)
            if {me, other} & erased:
                continue
            if marks.fresh(pair_slot(me, other), entry_of[str(event.id)]):
                rows.append(Suggestion(me, other, at))
    return sorted(rows, key=lambda r: (r.me, r.other))


def _feedback(
    feedback: list[SuggestionFeedbackV2], marks: Watermarks, erased: Set[str]
) -> list[Feedback]:
    latest: dict[tuple[str, str], dict[str, float]] = {}
    for event in feedback:
        me, other = str(event.data.consultant_id), str(event.data.other_id)
        if {me, other} & erased or not marks.owns(pair_slot(me, other)):
            continue
        times = latest.setdefault((me, other), {})
        at = epoch_s(event.occurred_at)
        key = f"{event.data.action}_at"
        times[key] = max(at, times.get(key, at))
    return [Feedback(me, other, **times) for (me, other), times in sorted(latest.items())]
