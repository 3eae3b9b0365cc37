"""The graph in Neo4j: schema, and the batched idempotent apply of events.

The rules are pure and live elsewhere: `batch` splits a batch by what each event changes,
`people` and `links` say how nodes and links change; this module runs their Cypher.

Cypher lives in named constants and takes parameters only. Pairs are canonical (smaller
id first, relationship from a to b) and batches are sorted by pair, so concurrent writers
take locks in the same order and never deadlock on each other.
"""

import logging
import time
from collections.abc import Sequence
from typing import LiteralString

from neo4j import Driver, GraphDatabase, ManagedTransaction

from braise_graph.batch import NodeChange, group_events
from braise_graph.config import GraphSettings
from braise_graph.links import LinkChanges, LinkState, fold_link, link_changes
from braise_graph.model import epoch_s
from braise_graph.people import NodeState
from braise_shared.events import DigestSentV1, Event, SuggestionFeedbackV1
from braise_shared.interactions import InteractionKinds

log = logging.getLogger(__name__)

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


def ping_neo4j(driver: Driver) -> None:
    """Ask Neo4j `RETURN 1` once, without the driver's retries (a probe must fail fast)."""
    with driver.session() as session:
        session.run("RETURN 1").consume()


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
        groups = group_events(fresh)
        erased = {r["id"] for r in tx.run(FIND_ERASED, ids=sorted(groups.named))}
        self._apply_nodes(tx, groups.nodes, erased)
        if groups.erasures:
            tx.run(ERASE, ids=sorted(groups.erasures))
            erased |= groups.erasures
        changes = link_changes(
            groups.interactions, groups.rekindled, kinds=self.kinds, erased=erased
        )
        self._apply_links(tx, changes)
        self._record_suggestions(tx, groups.digests, erased)
        self._record_feedback(tx, groups.feedback, erased)
        tx.run(MARK_APPLIED, ids=[str(e.id) for e in fresh], now=time.time())
        return len(fresh)

    def _apply_nodes(
        self, tx: ManagedTransaction, changes: list[NodeChange], erased: set[str]
    ) -> None:
        wanted = sorted({c.consultant_id for c in changes} - erased)
        if not wanted:
            return
        states = {
            r["props"]["id"]: NodeState.from_properties(r["props"])
            for r in tx.run(LOCK_AND_READ_CONSULTANTS, ids=wanted)
        }
        for change in changes:
            cid = change.consultant_id
            if cid in erased:
                log.info("dropping %s for erased consultant %s", change.event_type, cid)
                continue
            states[cid] = change.apply(states[cid])
        rows = [{"id": cid, "props": states[cid].to_properties()} for cid in wanted]
        tx.run(WRITE_CONSULTANTS, rows=rows)

    def _apply_links(self, tx: ManagedTransaction, changes: LinkChanges) -> None:
        if not changes.updates:
            return
        tx.run(ENSURE_PARTICIPANTS, ids=changes.participants())
        by_pair = changes.by_pair()
        stored = {
            (r["a"], r["b"]): (r["rid"], r["props"])
            for r in tx.run(LOCK_AND_READ_LINKS, pairs=[{"a": a, "b": b} for a, b in by_pair])
        }
        rows = []
        for pair, updates in by_pair.items():
            rid, props = stored[pair]
            link = fold_link(LinkState.from_properties(props), updates, rate=self.rate)
            rows.append({"rid": rid, "props": link.to_properties()})
        tx.run(WRITE_LINKS, rows=rows)
        if changes.missions:
            missions = sorted(changes.missions.items())
            tx.run(
                RECORD_MISSIONS,
                rows=[{"id": p, "at": m.at, "note": m.note} for p, m in missions],
            )

    def _record_suggestions(
        self, tx: ManagedTransaction, digests: list[DigestSentV1], erased: set[str]
    ) -> None:
        rows = []
        for event in digests:
            me = str(event.data.consultant_id)
            at = epoch_s(event.occurred_at)
            for suggestion in event.data.suggestions:
                other = str(suggestion.consultant_id)
                if me in erased or other in erased:
                    continue
                keep_after = at - PROPOSALS_KEPT_S
                rows.append({"me": me, "other": other, "at": at, "keep_after": keep_after})
        if rows:
            tx.run(RECORD_SUGGESTIONS, rows=sorted(rows, key=lambda r: (r["me"], r["other"])))

    def _record_feedback(
        self, tx: ManagedTransaction, feedback: list[SuggestionFeedbackV1], erased: set[str]
    ) -> None:
        rows = [
            {
                "me": str(e.data.consultant_id),
                "other": str(e.data.other_id),
                "action": e.data.action,
                "at": epoch_s(e.occurred_at),
            }
            for e in feedback
            if not {str(e.data.consultant_id), str(e.data.other_id)} & erased
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
