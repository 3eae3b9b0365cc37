"""What the graph keeps of each link, and how interactions change it (pure).

An interaction gives each pair of its group a share of its kind's weight (`pair_weights`); a
`done` click on a digest suggestion counts as a `rekindled` interaction the reader initiated.
A link folds its pair's updates into one state: the strength (`add_interaction`), the first
and last times, the counts in all and by kind, who initiated, the latest mission together, and
its log (each interaction's time and kind, each mission's time and note): the dated facts a
digest may state (`facts`).

`fold_link` is the fold's reference. The store folds in Neo4j, in one statement per batch
(`cypher.APPLY_LINKS`), from what `link_deltas` gathers of each pair's updates: the
strength steps in fold order, and the rest already summed. Tests hold the two to each other.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from braise_graph.model import Strength, add_interaction, epoch_s, pair_weights
from braise_shared.events import InteractionRecordedV1, SuggestionFeedbackV2
from braise_shared.interactions import MISSION_TOGETHER, REKINDLED, InteractionKinds

log = logging.getLogger(__name__)

Pair = tuple[str, str]

# Whether a consumer takes a pair's update (a, b, event id): its own pairs, not yet applied.
KeepPair = Callable[[str, str, str], bool]


class PairUpdate(NamedTuple):
    """One interaction's contribution to one pair (a < b)."""

    a: str
    b: str
    t: float
    w: float
    kind: str
    initiator: str | None
    note: str | None
    event_id: str


@dataclass(frozen=True)
class Mission:
    """A consultant's latest mission together with someone: when, and its note."""

    at: float
    note: str | None


@dataclass(frozen=True)
class LinkChanges:
    """What a batch of interactions does: updates per pair, and each person's latest mission."""

    updates: list[PairUpdate] = field(default_factory=list)
    missions: dict[str, Mission] = field(default_factory=dict)

    def by_pair(self) -> dict[Pair, list[PairUpdate]]:
        """Return the updates grouped by pair, pairs sorted (the order locks are taken in)."""
        grouped: dict[Pair, list[PairUpdate]] = defaultdict(list)
        for update in self.updates:
            grouped[(update.a, update.b)].append(update)
        return {pair: grouped[pair] for pair in sorted(grouped)}

    def participants(self) -> list[str]:
        """Return everyone an update names, sorted."""
        return sorted({p for u in self.updates for p in (u.a, u.b)})


@dataclass(frozen=True)
class LinkState:
    """A link as stored: its strength and what it keeps of its history (pair a < b)."""

    strength: Strength
    first_at: float
    last_at: float
    count: int
    kind_counts: dict[str, int]
    init_a: int
    init_b: int
    last_mission_at: float | None = None
    last_mission_note: str | None = None
    # (time, kind) of every interaction, and (time, note) of every mission together, sorted.
    log: tuple[tuple[float, str], ...] = ()
    missions: tuple[tuple[float, str], ...] = ()

    def to_properties(self) -> dict[str, Any]:
        """Return the link's properties as Neo4j stores them (lists, no maps)."""
        kinds = sorted(self.kind_counts)
        return {
            "s_ref": self.strength.s_ref,
            "t_ref": self.strength.t_ref,
            "peak": self.strength.peak,
            "peak_at": self.strength.peak_at,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "count": self.count,
            "kinds": kinds,
            "kind_counts": [self.kind_counts[k] for k in kinds],
            "init_a": self.init_a,
            "init_b": self.init_b,
            "last_mission_at": self.last_mission_at,
            "last_mission_note": self.last_mission_note,
            "log_t": [t for t, _ in self.log],
            "log_k": [k for _, k in self.log],
            "mission_t": [t for t, _ in self.missions],
            "mission_notes": [n for _, n in self.missions],
        }

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> "LinkState | None":
        """Rebuild the state from stored properties; None for a link nothing was folded into."""
        if "s_ref" not in props:
            return None
        return cls(
            strength=Strength(props["s_ref"], props["t_ref"], props["peak"], props["peak_at"]),
            first_at=props["first_at"],
            last_at=props["last_at"],
            count=props["count"],
            kind_counts=dict(zip(props["kinds"], props["kind_counts"], strict=True)),
            init_a=props["init_a"],
            init_b=props["init_b"],
            last_mission_at=props.get("last_mission_at"),
            last_mission_note=props.get("last_mission_note"),
            log=logged(props.get("log_t"), props.get("log_k")),
            missions=logged(props.get("mission_t"), props.get("mission_notes")),
        )


def logged(times: list[float] | None, values: list[str] | None) -> tuple[tuple[float, str], ...]:
    """Return a stored log (two lists appended in arrival order) as (time, value), sorted.

    A link folded before links kept a log has none: its facts cannot be stated.
    """
    return tuple(sorted(zip(times or [], values or [], strict=True)))


def _fold_order(update: PairUpdate) -> tuple[float, str]:
    return update.t, update.event_id


def fold_link(state: LinkState | None, updates: Sequence[PairUpdate], *, rate: float) -> LinkState:
    """Fold a pair's updates into its link (None: a new link), in time order, ties by event id.

    Raise ValueError when there is neither a link nor an update to start one.
    """
    ordered = sorted(updates, key=_fold_order)
    if state is None:
        if not ordered:
            raise ValueError("a new link needs at least one update")
        first, ordered = ordered[0], ordered[1:]
        strength = add_interaction(None, t=first.t, w=first.w, rate=rate)
        state = _counted(LinkState(strength, first.t, first.t, 0, {}, 0, 0), first, strength)
    for update in ordered:
        strength = add_interaction(state.strength, t=update.t, w=update.w, rate=rate)
        state = _counted(state, update, strength)
    return state


def _counted(state: LinkState, u: PairUpdate, strength: Strength) -> LinkState:
    """Return the link with one more update counted, at its new strength."""
    kinds = dict(state.kind_counts)
    kinds[u.kind] = kinds.get(u.kind, 0) + 1
    mission_at, mission_note = state.last_mission_at, state.last_mission_note
    if u.kind == MISSION_TOGETHER and (mission_at is None or u.t >= mission_at):
        mission_at, mission_note = u.t, u.note
    return LinkState(
        strength=strength,
        first_at=min(state.first_at, u.t),
        last_at=max(state.last_at, u.t),
        count=state.count + 1,
        kind_counts=kinds,
        init_a=state.init_a + int(u.initiator == u.a),
        init_b=state.init_b + int(u.initiator == u.b),
        last_mission_at=mission_at,
        last_mission_note=mission_note,
        log=tuple(sorted((*state.log, (u.t, u.kind)))),
        missions=tuple(sorted((*state.missions, (u.t, u.note or ""))))
        if u.kind == MISSION_TOGETHER
        else state.missions,
    )


@dataclass(frozen=True)
class LinkDelta:
    """One pair's updates of a batch, gathered for the store's fold: what `fold_link` does
    step by step for the strength and peak, and in sums for the rest."""

    a: str
    b: str
    steps: list[tuple[float, float]]  # (t, w) in fold order: time, then event id
    count: int
    kind_counts: dict[str, int]
    init_a: int
    init_b: int
    first_at: float
    last_at: float
    mission_at: float | None
    mission_note: str | None
    missions: list[tuple[float, str]]  # (t, note or "") of each mission together, fold order
    log_kinds: list[str]  # the kind of each step

    def row(self) -> dict[str, Any]:
        """Return the delta as the fold statement's parameters take it."""
        return {
            "a": self.a,
            "b": self.b,
            "steps": self.steps,
            "count": self.count,
            "kinds": sorted(self.kind_counts) if len(self.kind_counts) > 1 else [*self.kind_counts],
            "kind_counts": self.kind_counts,
            "init_a": self.init_a,
            "init_b": self.init_b,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "mission_at": self.mission_at,
            "mission_note": self.mission_note,
            "log_t": [t for t, _ in self.steps],
            "log_k": self.log_kinds,
            "mission_t": [t for t, _ in self.missions],
            "mission_notes": [n for _, n in self.missions],
        }


def link_deltas(updates: Iterable[PairUpdate]) -> list[LinkDelta]:
    """Gather each pair's updates into one delta; pairs sorted (the order locks are taken in)."""
    grouped: dict[Pair, list[PairUpdate]] = {}
    for update in updates:
        pair = (update.a, update.b)
        held = grouped.get(pair)
        if held is None:
            grouped[pair] = [update]
        else:
            held.append(update)
    return [_delta(pair, grouped[pair]) for pair in sorted(grouped)]


def _delta(pair: Pair, ups: list[PairUpdate]) -> LinkDelta:
    a, b = pair
    if len(ups) == 1:
        return _single_delta(a, b, ups[0])
    ups.sort(key=_fold_order)
    kind_counts: dict[str, int] = {}
    init_a = init_b = 0
    mission: PairUpdate | None = None
    missions: list[tuple[float, str]] = []
    for u in ups:
        kind_counts[u.kind] = kind_counts.get(u.kind, 0) + 1
        init_a += u.initiator == a
        init_b += u.initiator == b
        if u.kind == MISSION_TOGETHER:
            mission = u  # the last in fold order is the latest
            missions.append((u.t, u.note or ""))
    return LinkDelta(
        a=a,
        b=b,
        steps=[(u.t, u.w) for u in ups],
        count=len(ups),
        kind_counts=kind_counts,
        init_a=init_a,
        init_b=init_b,
        first_at=ups[0].t,
        last_at=ups[-1].t,
        mission_at=mission.t if mission else None,
        mission_note=mission.note if mission else None,
        missions=missions,
        log_kinds=[u.kind for u in ups],
    )


def _single_delta(a: str, b: str, u: PairUpdate) -> LinkDelta:
    """Return the delta of a pair updated once in the batch (most pairs): `_delta`'s result,
    built without its loops."""
    mission = u.kind == MISSION_TOGETHER
    return LinkDelta(
        a,
        b,
        [(u.t, u.w)],
        1,
        {u.kind: 1},
        int(u.initiator == a),
        int(u.initiator == b),
        u.t,
        u.t,
        u.t if mission else None,
        u.note if mission else None,
        [(u.t, u.note or "")] if mission else [],
        [u.kind],
    )


def link_changes(
    interactions: Iterable[InteractionRecordedV1],
    rekindled: Iterable[SuggestionFeedbackV2],
    *,
    kinds: InteractionKinds,
    erased: Set[str],
    keep: KeepPair | None = None,
) -> LinkChanges:
    """Turn interactions and `done` feedback into pair updates, leaving out erased people
    (and the pairs `keep` does not take)."""
    changes = LinkChanges()
    for feedback in rekindled:
        # A suggestion acted upon is an interaction the reader initiated.
        me, other = str(feedback.data.consultant_id), str(feedback.data.other_id)
        if me in erased or other in erased:
            continue
        a, b = sorted((me, other))
        if keep is not None and not keep(a, b, str(feedback.id)):
            continue
        weight = kinds.get(REKINDLED).weight
        t = epoch_s(feedback.occurred_at)
        changes.updates.append(PairUpdate(a, b, t, weight, REKINDLED, me, None, str(feedback.id)))
    for event in interactions:
        _add_interaction(changes, event, kinds=kinds, erased=erased, keep=keep)
    return changes


def _add_interaction(
    changes: LinkChanges,
    event: InteractionRecordedV1,
    *,
    kinds: InteractionKinds,
    erased: Set[str],
    keep: KeepPair | None,
) -> None:
    data = event.data
    people = [str(p) for p in data.participants]
    dropped = [p for p in people if p in erased]
    if dropped:
        log.info("interaction %s: dropping erased participant(s) %s", data.interaction_id, dropped)
    weight = kinds.get(data.kind).weight
    t = epoch_s(data.occurred_at)
    initiator = str(data.initiator) if data.initiator else None
    event_id = str(event.id)
    # The share is fixed by the group as it was, whoever was erased since.
    for a, b, w in pair_weights(people, weight):
        if a in erased or b in erased or (keep is not None and not keep(a, b, event_id)):
            continue
        changes.updates.append(PairUpdate(a, b, t, w, data.kind, initiator, data.note, event_id))
    if data.kind != MISSION_TOGETHER:
        return
    for person in people:
        held = changes.missions.get(person)
        if person not in erased and (held is None or held.at < t):
            changes.missions[person] = Mission(t, data.note)
