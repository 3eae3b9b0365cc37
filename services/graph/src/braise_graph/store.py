"""The graph in Neo4j: schema, the batched idempotent apply of events, and the reads.

Cypher lives in named constants and takes parameters only. Pairs are canonical (smaller
id first, relationship from a to b) and batches are sorted by pair, so concurrent writers
take locks in the same order and never deadlock on each other.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import Driver, GraphDatabase, ManagedTransaction

from braise_graph.config import GraphSettings
from braise_graph.model import Strength, add_interaction, pair_weights
from braise_graph.people import NodeState, apply_preferences, apply_profile
from braise_shared.events import (
    ConsultantErasedV1,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    DigestSentV1,
    Event,
    InteractionRecordedV1,
    PreferencesChangedV1,
    SuggestionFeedbackV1,
)
from braise_shared.interactions import InteractionKinds

log = logging.getLogger(__name__)

# The interaction kind a "done" click on a digest suggestion counts as.
REKINDLED = "rekindled"

# How long each person keeps the times they were proposed (the spread rule reads them).
PROPOSALS_KEPT_S = 90 * 86_400.0

SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT consultant_id IF NOT EXISTS FOR (c:Consultant) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT erased_id IF NOT EXISTS FOR (e:Erased) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT applied_event_id IF NOT EXISTS FOR (e:AppliedEvent) REQUIRE e.id IS UNIQUE",
    "CREATE INDEX applied_event_at IF NOT EXISTS FOR (e:AppliedEvent) ON (e.at)",
    "CREATE CONSTRAINT graph_stats_id IF NOT EXISTS FOR (s:GraphStats) REQUIRE s.id IS UNIQUE",
)

FIND_APPLIED: LiteralString = """
UNWIND $ids AS id
MATCH (e:AppliedEvent {id: id})
RETURN e.id AS id
"""

FIND_ERASED: LiteralString = """
UNWIND $ids AS id
MATCH (e:Erased {id: id})
RETURN e.id AS id
"""

# Writing a property takes the node's write lock: read-modify-write is safe under concurrency.
LOCK_AND_READ_CONSULTANTS: LiteralString = """
UNWIND $ids AS id
MERGE (c:Consultant {id: id})
SET c.locked = true
RETURN c {.*} AS props
"""

WRITE_CONSULTANTS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Consultant {id: row.id})
SET c += row.props
REMOVE c.locked, c.placeholder
"""

ENSURE_PARTICIPANTS: LiteralString = """
UNWIND $ids AS id
MERGE (c:Consultant {id: id})
ON CREATE SET c.placeholder = true, c.suggestable = true, c.locale = 'fr'
"""

RECORD_MISSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Consultant {id: row.id})
WITH c, row
WHERE coalesce(c.last_mission_at, -1.0) < row.at
SET c.last_mission_at = row.at, c.last_mission_note = row.note
"""

ERASE: LiteralString = """
UNWIND $ids AS id
MERGE (:Erased {id: id})
WITH id
OPTIONAL MATCH (c:Consultant {id: id})
DETACH DELETE c
"""

LOCK_AND_READ_LINKS: LiteralString = """
UNWIND $pairs AS pair
MATCH (a:Consultant {id: pair.a})
MATCH (b:Consultant {id: pair.b})
MERGE (a)-[r:LINK]->(b)
SET r.locked = true
RETURN pair.a AS a, pair.b AS b, elementId(r) AS rid, r {.*} AS props
"""

WRITE_LINKS: LiteralString = """
UNWIND $rows AS row
MATCH ()-[r:LINK]->() WHERE elementId(r) = row.rid
SET r += row.props
REMOVE r.locked
"""

RECORD_SUGGESTIONS: LiteralString = """
UNWIND $rows AS row
MATCH (me:Consultant {id: row.me}), (other:Consultant {id: row.other})
MERGE (me)-[s:SUGGESTED]->(other)
SET s.count = coalesce(s.count, 0) + 1,
    s.last_at = CASE WHEN coalesce(s.last_at, -1.0) < row.at THEN row.at ELSE s.last_at END,
    other.proposed_at = [t IN coalesce(other.proposed_at, []) WHERE t >= row.keep_after] + row.at
"""

RECORD_FEEDBACK: LiteralString = """
UNWIND $rows AS row
MATCH (me:Consultant {id: row.me}), (other:Consultant {id: row.other})
MERGE (me)-[s:SUGGESTED]->(other)
SET s.declined = coalesce(s.declined, false) OR row.action = 'never',
    s.not_now_at = CASE WHEN row.action = 'not_now' AND coalesce(s.not_now_at, -1.0) < row.at
                        THEN row.at ELSE s.not_now_at END
"""

MARK_APPLIED: LiteralString = """
UNWIND $ids AS id
CREATE (:AppliedEvent {id: id, at: $now})
WITH count(*) AS applied
MERGE (s:GraphStats {id: 'graph'})
SET s.events_applied = coalesce(s.events_applied, 0) + applied
"""

PRUNE_APPLIED: LiteralString = """
MATCH (e:AppliedEvent) WHERE e.at < $before
WITH e LIMIT $limit
DELETE e
RETURN count(*) AS deleted
"""


@dataclass(frozen=True)
class PairUpdate:
    """One interaction's contribution to one pair."""

    a: str
    b: str
    t: float
    w: float
    kind: str
    initiator: str | None
    note: str | None
    event_id: str


def _ts(value: Any) -> float:
    return float(value.timestamp())


def open_driver(settings: GraphSettings) -> Driver:
    """Open the Neo4j driver; the driver's own retries stop early so the consumer's back-off
    (which keeps the batch pending, unacknowledged) takes over during long outages."""
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        max_transaction_retry_time=settings.neo4j_retry_s,
        # Cypher notifications ("relationship type does not exist" before the first digest,
        # "cartesian product" on purpose in batched MATCHes) are noise in the logs.
        notifications_min_severity="OFF",
    )


def create_schema(driver: Driver) -> None:
    """Create constraints and indexes if missing."""
    for statement in SCHEMA:
        driver.execute_query(statement)


class GraphStore:
    """Applies events to the graph, exactly once each, in batches."""

    def __init__(self, driver: Driver, *, kinds: InteractionKinds, rate: float) -> None:
        self.driver = driver
        self.kinds = kinds
        self.rate = rate

    def apply(self, events: Sequence[Event]) -> int:
        """Apply events in one transaction; return how many were new (not applied before)."""
        unique: dict[str, Event] = {}
        for event in events:
            unique.setdefault(str(event.id), event)
        if not unique:
            return 0
        with self.driver.session() as session:
            applied: int = session.execute_write(self._apply_tx, list(unique.values()))
        return applied

    def _apply_tx(self, tx: ManagedTransaction, events: list[Event]) -> int:
        ids = [str(e.id) for e in events]
        seen = {r["id"] for r in tx.run(FIND_APPLIED, ids=ids)}
        fresh = [e for e in events if str(e.id) not in seen]
        if not fresh:
            return 0
        mentioned = sorted({cid for e in fresh for cid in _consultants_named(e)})
        erased = {r["id"] for r in tx.run(FIND_ERASED, ids=mentioned)}
        self._apply_profiles(tx, fresh, erased)
        erasures = sorted(
            {str(e.data.consultant_id) for e in fresh if isinstance(e, ConsultantErasedV1)}
        )
        if erasures:
            tx.run(ERASE, ids=erasures)
            erased |= set(erasures)
        self._apply_interactions(tx, fresh, erased)
        self._apply_digests(tx, fresh, erased)
        self._apply_feedback(tx, fresh, erased)
        tx.run(MARK_APPLIED, ids=[str(e.id) for e in fresh], now=time.time())
        return len(fresh)

    def _apply_profiles(
        self, tx: ManagedTransaction, events: list[Event], erased: set[str]
    ) -> None:
        changes = [
            e
            for e in events
            if isinstance(e, ConsultantRegisteredV1 | ConsultantUpdatedV1 | PreferencesChangedV1)
        ]
        wanted = sorted({str(e.data.consultant_id) for e in changes} - erased)
        if not wanted:
            return
        states = {
            r["props"]["id"]: NodeState.from_properties(r["props"])
            for r in tx.run(LOCK_AND_READ_CONSULTANTS, ids=wanted)
        }
        for event in changes:
            cid = str(event.data.consultant_id)
            if cid in erased:
                log.info("dropping %s for erased consultant %s", event.type, cid)
                continue
            if isinstance(event, PreferencesChangedV1):
                states[cid] = apply_preferences(states[cid], event.data)
            else:
                states[cid] = apply_profile(states[cid], event.data, _ts(event.occurred_at))
        rows = [{"id": cid, "props": states[cid].to_properties()} for cid in wanted]
        tx.run(WRITE_CONSULTANTS, rows=rows)

    def _apply_interactions(
        self, tx: ManagedTransaction, events: list[Event], erased: set[str]
    ) -> None:
        updates: list[PairUpdate] = []
        missions: dict[str, tuple[float, str | None]] = {}
        for event in events:
            if isinstance(event, SuggestionFeedbackV1) and event.data.action == "done":
                # A suggestion acted upon is an interaction the reader initiated.
                me, other = str(event.data.consultant_id), str(event.data.other_id)
                if me not in erased and other not in erased:
                    a, b = sorted((me, other))
                    weight = self.kinds.get(REKINDLED).weight
                    t = _ts(event.occurred_at)
                    updates.append(PairUpdate(a, b, t, weight, REKINDLED, me, None, str(event.id)))
                continue
            if not isinstance(event, InteractionRecordedV1):
                continue
            data = event.data
            people = [str(p) for p in data.participants]
            dropped = [p for p in people if p in erased]
            if dropped:
                log.info(
                    "interaction %s: dropping erased participant(s) %s",
                    data.interaction_id,
                    dropped,
                )
            weight = self.kinds.get(data.kind).weight
            t = _ts(data.occurred_at)
            initiator = str(data.initiator) if data.initiator else None
            # The share is fixed by the group as it was, whoever was erased since.
            for a, b, w in pair_weights(people, weight):
                if a in erased or b in erased:
                    continue
                updates.append(
                    PairUpdate(a, b, t, w, data.kind, initiator, data.note, str(event.id))
                )
            if data.kind == "mission_together":
                for person in people:
                    if person not in erased and missions.get(person, (-1.0, None))[0] < t:
                        missions[person] = (t, data.note)
        if not updates:
            return
        participants = sorted({p for u in updates for p in (u.a, u.b)})
        tx.run(ENSURE_PARTICIPANTS, ids=participants)
        by_pair: dict[tuple[str, str], list[PairUpdate]] = defaultdict(list)
        for update in updates:
            by_pair[(update.a, update.b)].append(update)
        pairs = sorted(by_pair)
        stored = {
            (r["a"], r["b"]): (r["rid"], r["props"])
            for r in tx.run(LOCK_AND_READ_LINKS, pairs=[{"a": a, "b": b} for a, b in pairs])
        }
        rows = []
        for pair in pairs:
            rid, props = stored[pair]
            pair_updates = sorted(by_pair[pair], key=lambda u: (u.t, u.event_id))
            rows.append({"rid": rid, "props": self._fold(props, pair_updates)})
        tx.run(WRITE_LINKS, rows=rows)
        if missions:
            tx.run(
                RECORD_MISSIONS,
                rows=[{"id": p, "at": t, "note": n} for p, (t, n) in sorted(missions.items())],
            )

    def _fold(self, props: dict[str, Any], updates: list[PairUpdate]) -> dict[str, Any]:
        """Fold a pair's updates into its stored properties with the model's rule."""
        state = (
            Strength(props["s_ref"], props["t_ref"], props["peak"], props["peak_at"])
            if "s_ref" in props
            else None
        )
        kinds = dict(zip(props.get("kinds") or [], props.get("kind_counts") or [], strict=True))
        first_at = props.get("first_at")
        last_at = props.get("last_at")
        count = props.get("count") or 0
        init_a = props.get("init_a") or 0
        init_b = props.get("init_b") or 0
        mission_at = props.get("last_mission_at")
        mission_note = props.get("last_mission_note")
        for u in updates:
            state = add_interaction(state, t=u.t, w=u.w, rate=self.rate)
            first_at = u.t if first_at is None else min(first_at, u.t)
            last_at = u.t if last_at is None else max(last_at, u.t)
            count += 1
            kinds[u.kind] = kinds.get(u.kind, 0) + 1
            if u.initiator == u.a:
                init_a += 1
            elif u.initiator == u.b:
                init_b += 1
            if u.kind == "mission_together" and (mission_at is None or u.t >= mission_at):
                mission_at, mission_note = u.t, u.note
        assert state is not None
        ordered = sorted(kinds)
        return {
            "s_ref": state.s_ref,
            "t_ref": state.t_ref,
            "peak": state.peak,
            "peak_at": state.peak_at,
            "first_at": first_at,
            "last_at": last_at,
            "count": count,
            "kinds": ordered,
            "kind_counts": [kinds[k] for k in ordered],
            "init_a": init_a,
            "init_b": init_b,
            "last_mission_at": mission_at,
            "last_mission_note": mission_note,
        }

    def _apply_digests(self, tx: ManagedTransaction, events: list[Event], erased: set[str]) -> None:
        rows = []
        for event in events:
            if not isinstance(event, DigestSentV1):
                continue
            me = str(event.data.consultant_id)
            at = _ts(event.occurred_at)
            for suggestion in event.data.suggestions:
                other = str(suggestion.consultant_id)
                if me in erased or other in erased:
                    continue
                keep_after = at - PROPOSALS_KEPT_S
                rows.append({"me": me, "other": other, "at": at, "keep_after": keep_after})
        if rows:
            tx.run(RECORD_SUGGESTIONS, rows=sorted(rows, key=lambda r: (r["me"], r["other"])))

    def _apply_feedback(
        self, tx: ManagedTransaction, events: list[Event], erased: set[str]
    ) -> None:
        rows = [
            {
                "me": str(e.data.consultant_id),
                "other": str(e.data.other_id),
                "action": e.data.action,
                "at": _ts(e.occurred_at),
            }
            for e in events
            if isinstance(e, SuggestionFeedbackV1)
            and e.data.action != "done"
            and not {str(e.data.consultant_id), str(e.data.other_id)} & erased
        ]
        if rows:
            tx.run(RECORD_FEEDBACK, rows=sorted(rows, key=lambda r: (r["me"], r["other"])))

    def prune_applied(self, *, before: float, limit: int = 10_000) -> int:
        """Forget applied event ids older than before (in slices); return how many."""
        total = 0
        while True:
            records, _, _ = self.driver.execute_query(PRUNE_APPLIED, before=before, limit=limit)
            deleted = int(records[0]["deleted"])
            total += deleted
            if deleted < limit:
                return total


def _consultants_named(event: Event) -> list[str]:
    if isinstance(event, InteractionRecordedV1):
        return [str(p) for p in event.data.participants]
    if isinstance(event, DigestSentV1):
        return [str(event.data.consultant_id)] + [
            str(s.consultant_id) for s in event.data.suggestions
        ]
    if isinstance(event, SuggestionFeedbackV1):
        return [str(event.data.consultant_id), str(event.data.other_id)]
    return [str(event.data.consultant_id)]
