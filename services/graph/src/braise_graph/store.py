"""The graph in Neo4j: schema, and the batched, exactly-once apply of stream entries.

The rules are pure and live elsewhere: `share` says what a consumer applies of a batch,
`people` and `links` how nodes and links change; this module runs their Cypher (`cypher`).

Exactly once: every slot keeps a watermark, the last stream entry applied to it, written in
the same transaction as what the entries changed. A consumer reads the stream in order (its
group's pending entries first), so an entry at or below a slot's watermark is a redelivery
and changes nothing in that slot (docs/link-model.md, "Exactly once").
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction

from braise_graph.config import GraphSettings
from braise_graph.cypher import (
    ALL_WATERMARKS,
    APPLY_LINKS,
    APPLY_OCCASIONS,
    ERASE,
    ERASED,
    FED_BEFORE_WATERMARKS,
    FORGET_APPLIED_EVENTS,
    LOCK_AND_READ_CONSULTANTS,
    PRUNE_OCCASIONS,
    READ_WATERMARKS,
    RECORD_FEEDBACK,
    RECORD_SUGGESTIONS,
    SCHEMA,
    SEED_WATERMARKS,
    WRITE_CONSULTANTS,
)
from braise_graph.partition import NOTHING_APPLIED, SLOTS, EntryId, Partition, parse_entry_id
from braise_graph.people import NodeState
from braise_graph.share import BatchShare, Watermarks, share_of
from braise_shared.events import Event
from braise_shared.interactions import InteractionKinds
from braise_shared.stream import Delivered

log = logging.getLogger(__name__)

# Above any entry id: the watermarks were read under this transaction's locks.
UNGUARDED: EntryId = (2**62, 0)

# Occasions that ended this long ago are pruned (more than the stream keeps: a replay of the
# stream cannot bring back one that a tombstone no longer guards).
OCCASIONS_KEPT_S = 8 * 86_400.0


def open_driver(settings: GraphSettings) -> Driver:
    """Open the Neo4j driver; the driver's own retries stop early so the consumer's back-off
    (which keeps the batch pending, unacknowledged) takes over during long outages."""
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        max_transaction_retry_time=settings.neo4j_retry_s,
        # Partitions share consultants: two transactions creating links to the same people
        # can deadlock, and one is retried. Retry soon rather than after a second.
        initial_retry_delay=0.05,
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


class Rows(list[dict[str, Any]]):
    """A statement's rows, with a short repr. The Neo4j driver (6.4) builds the repr of every
    query's parameters for a debug line even when debug logging is off: 11.5 µs an event
    for a batch's links, more than packing them. They pack to the same bytes as a list."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@dataclass(frozen=True)
class Prepared:
    """A batch's share worked out ahead, and the erasures it was worked out with."""

    entry_ids: list[bytes]
    erased: frozenset[str]
    share: BatchShare


class GraphStore:
    """Applies a partition's share of stream entries to the graph, exactly once, in batches."""

    def __init__(
        self,
        driver: Driver,
        *,
        kinds: InteractionKinds,
        rate: float,
        partition: Partition | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.driver = driver
        self.clock = clock
        self.kinds = kinds
        self.rate = rate
        self.partition = partition or Partition()
        # Who was erased, from the tombstones and then from the erasures this store applies:
        # every consumer reads every erasure, so it never needs Neo4j to tell it later ones.
        self._erased: frozenset[str] | None = None
        self._prepared: Prepared | None = None

    def prepare(self, batch: Sequence[Delivered]) -> None:
        """Work out a batch's share before it is applied (the consumer does it while the
        previous batch is being written)."""
        entries = [(parse_entry_id(d.entry_id), d.event) for d in batch]
        erased = self._erased_ids()
        share = self._share(entries, erased)
        share.link_rows  # noqa: B018 - worked out here, off the writing thread
        self._prepared = Prepared([d.entry_id for d in batch], erased, share)

    def apply_entries(self, batch: Sequence[Delivered]) -> int:
        """Apply a run of stream entries in one transaction; return how many events were new."""
        prepared, erased = self._prepared, self._erased_ids()
        entries = [(parse_entry_id(d.entry_id), d.event) for d in batch]
        if not entries:
            return 0
        ids = [d.entry_id for d in batch]
        if prepared is not None and prepared.erased is erased and prepared.entry_ids == ids:
            share = prepared.share
        else:
            # Most batches were never applied: this share is the one to write, unless the
            # transaction finds otherwise.
            share = self._share(entries, erased)
        with self.driver.session() as session:
            applied: int = session.execute_write(self._apply_tx, entries, share)
        if share.erasures:
            # Only then a new set: the batch read ahead keeps its share while this one is
            # the set it was worked out with (`prepared.erased is erased`).
            self._erased = erased | share.erasures
        return applied

    def apply(self, events: Sequence[Event]) -> int:
        """Apply events that come from no stream (fixtures, benchmarks) in one transaction,
        as new: no watermark moves, and only repeats within the batch count once."""
        entries = [((0, n), event) for n, event in enumerate(events, start=1)]
        erased = self._erased_ids()
        share = self._share(entries, erased)
        with self.driver.session() as session:
            session.execute_write(
                self._write_share, share, fresh_from=UNGUARDED, last=NOTHING_APPLIED
            )
        self._erased = erased | share.erasures
        return share.events_applied

    def _share(
        self,
        entries: list[tuple[EntryId, Event]],
        erased: frozenset[str],
        applied: dict[int, EntryId] | None = None,
    ) -> BatchShare:
        marks = Watermarks(self.partition, applied or {})
        return share_of(entries, marks, kinds=self.kinds, erased=erased)

    def _erased_ids(self) -> frozenset[str]:
        if self._erased is None:
            records, _, _ = self.driver.execute_query(ERASED)
            self._erased = frozenset(r["id"] for r in records)
        return self._erased

    def watermarks(self) -> dict[int, EntryId]:
        """Return the last entry applied to each slot that has applied one."""
        records, _, _ = self.driver.execute_query(ALL_WATERMARKS)
        return {r["slot"]: (r["applied_to"][0], r["applied_to"][1]) for r in records}

    def seed_watermarks(self, applied_to: EntryId) -> bool:
        """Start every slot at applied_to if no slot has a watermark yet; tell if it did."""
        records, _, _ = self.driver.execute_query(
            SEED_WATERMARKS, slots=list(range(SLOTS)), applied_to=list(applied_to)
        )
        return bool(records and records[0]["seeded"])

    def fed_before_watermarks(self) -> bool:
        """Tell whether the former exactly-once scheme (one node per event) fed this graph."""
        records, _, _ = self.driver.execute_query(FED_BEFORE_WATERMARKS)
        return bool(records[0]["fed"])

    def forget_applied_events(self, *, limit: int = 10_000) -> int:
        """Delete the per-event ids of the former exactly-once scheme; return how many."""
        total = 0
        while True:
            records, _, _ = self.driver.execute_query(FORGET_APPLIED_EVENTS, limit=limit)
            deleted = int(records[0]["deleted"])
            total += deleted
            if deleted < limit:
                return total

    def _apply_tx(
        self, tx: ManagedTransaction, entries: list[tuple[EntryId, Event]], share: BatchShare
    ) -> int:
        first = min(entry for entry, _ in entries)
        last = max(entry for entry, _ in entries)
        if self._write_share(tx, share, fresh_from=first, last=last):
            return share.events_applied
        # A redelivery: some slot applied part of the batch already. The watermarks are now
        # locked by this transaction; write exactly what comes after each slot's.
        records = tx.run(READ_WATERMARKS, slots=list(self.partition.slots))
        applied = {r["slot"]: (r["applied_to"][0], r["applied_to"][1]) for r in records}
        share = self._share(entries, self._erased_ids(), applied)
        self._write_share(tx, share, fresh_from=UNGUARDED, last=last)
        return share.events_applied

    def _write_share(
        self, tx: ManagedTransaction, share: BatchShare, *, fresh_from: EntryId, last: EntryId
    ) -> bool:
        """Write a share unless a slot applied entries from fresh_from on; tell if it wrote."""
        if not self._write_links(tx, share, fresh_from=fresh_from, last=last):
            return False
        self._apply_nodes(tx, share)
        if share.occasions:
            tx.run(APPLY_OCCASIONS, rows=[o.row() for o in share.occasions])
            tx.run(PRUNE_OCCASIONS, before=self.clock() - OCCASIONS_KEPT_S)
        if share.erasures:
            tx.run(ERASE, ids=sorted(share.erasures))
        if share.suggestions:
            rows = [{"me": s.me, "other": s.other, "at": s.at} for s in share.suggestions]
            tx.run(RECORD_SUGGESTIONS, rows=rows)
        if share.feedback:
            tx.run(RECORD_FEEDBACK, rows=[f.row() for f in share.feedback])
        return True

    def _write_links(
        self, tx: ManagedTransaction, share: BatchShare, *, fresh_from: EntryId, last: EntryId
    ) -> bool:
        """Lock the slots, then fold links, missions and watermarks unless a slot is past
        fresh_from; tell whether it wrote."""
        missions = [
            {"id": person, "at": m.at, "note": m.note}
            for person, m in sorted(share.missions.items())
        ]
        result = tx.run(
            APPLY_LINKS,
            slots=list(self.partition.slots),
            fresh_from=list(fresh_from),
            last=list(last),
            links=Rows(share.link_rows),
            missions=Rows(missions),
            counted=share.counted,
            rate=self.rate,
        )
        return result.single() is not None

    def _apply_nodes(self, tx: ManagedTransaction, share: BatchShare) -> None:
        wanted = sorted({c.consultant_id for c in share.nodes} - share.erasures)
        if not wanted:
            return
        states = {
            r["props"]["id"]: NodeState.from_properties(r["props"])
            for r in tx.run(LOCK_AND_READ_CONSULTANTS, ids=wanted)
        }
        for change in share.nodes:
            cid = change.consultant_id
            if cid not in states:
                log.info("dropping %s for erased consultant %s", change.event_type, cid)
                continue
            states[cid] = change.apply(states[cid])
        rows = [{"id": cid, "props": state.to_properties()} for cid, state in states.items()]
        tx.run(WRITE_CONSULTANTS, rows=sorted(rows, key=lambda r: r["id"]))
