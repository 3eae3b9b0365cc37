"""The event stream on Redis: publish once, consume in groups, dead-letter what cannot be handled.

One stream carries every event (`braise:events`); each entry holds the event's JSON in the
field `event`. Every service reads it through its own consumer group.
"""

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import redis
from redis.exceptions import ResponseError

from braise_shared.events import Event, EventParseError, parse_event
from braise_shared.metrics import DEAD_LETTERS, EVENTS_APPLIED
from braise_shared.readahead import ReadAhead

log = logging.getLogger(__name__)

EVENTS_STREAM = "braise:events"
DEAD_LETTER_STREAM = "braise:events:dead"
CONSUMER_GROUPS = ("graph", "notifier")
EVENT_FIELD = b"event"


def ensure_groups(client: "redis.Redis", stream: str, groups: Iterable[str]) -> None:
    """Create the stream and its consumer groups (reading from the start) if missing."""
    for group in groups:
        try:
            client.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


@dataclass(frozen=True)
class Delivered:
    """One event read from the stream, with the entry id to acknowledge."""

    entry_id: bytes
    event: Event


BatchHandler = Callable[[Sequence[Delivered]], None]
Entries = list[tuple[bytes, dict[bytes, bytes] | None]]


@dataclass(frozen=True)
class _Read:
    """A batch as read (new to the group or not), its events, and how many were acked."""

    entries: Entries
    new: bool
    delivered: list[Delivered]
    acked: int


@dataclass(frozen=True)
class ConsumerConfig:
    """How a consumer group reads the stream."""

    group: str
    consumer: str
    stream: str = EVENTS_STREAM
    dead_letter_stream: str = DEAD_LETTER_STREAM
    batch_size: int = 500
    block_ms: int = 1000
    # An entry left unacknowledged this long by a consumer is taken over by another.
    claim_idle_ms: int = 60_000
    # A non-transient failure of the same entry this many times sends it to the dead letters.
    max_failures: int = 5
    # Back-off between retries of a batch that failed for a transient reason.
    retry_initial_s: float = 0.5
    retry_max_s: float = 15.0
    # Stream order, as a watermark needs: the group's pending entries first (any consumer's,
    # lowest first, claimed at once); no new entry while an older one is pending elsewhere.
    in_order: bool = False


class StreamConsumer:
    """Reads a consumer group in batches and acknowledges only what the handler committed.

    The handler must be idempotent: an entry is redelivered when the process dies between
    the handler's commit and the XACK. Entries that do not parse, or that fail
    `max_failures` times for a non-transient reason, go to the dead-letter stream with the
    error and are acknowledged, so one bad entry never stops the group. With `read_ahead`,
    the next batch is read, parsed and given to it while the handler works on this one.
    """

    def __init__(
        self,
        client: "redis.Redis",
        config: ConsumerConfig,
        handle_batch: BatchHandler,
        is_transient: Callable[[BaseException], bool],
        read_ahead: BatchHandler | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.handle_batch = handle_batch
        self.is_transient = is_transient
        self._read_own_pending = True
        self._last_claim = 0.0
        self._backoff_s = 0.0
        self._sleep_s = 0.0
        self._failures_key = f"{config.stream}:failures:{config.group}"
        self.read_ahead = read_ahead
        self._ahead: ReadAhead[_Read] | None = ReadAhead() if read_ahead else None

    def prepare(self) -> None:
        """Create the stream and this consumer's group if missing."""
        ensure_groups(self.client, self.config.stream, [self.config.group])

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Consume until should_stop() returns True, waiting out transient failures."""
        prepared = False
        try:
            while not should_stop():
                try:
                    if not prepared:
                        self.prepare()
                        prepared = True
                    self.poll_once()
                except redis.ConnectionError as exc:
                    self._read_own_pending = True  # what was read may be pending
                    self._drop_read_ahead()
                    self._wait_after_failure(f"redis unavailable: {exc}")
                if self._sleep_s:
                    time.sleep(self._sleep_s)
                    self._sleep_s = 0.0
        finally:
            if self._ahead is not None:
                self._ahead.close()

    def poll_once(self) -> int:
        """Read and handle one batch; return how many entries were acknowledged."""
        read = self._ahead.take() if self._ahead else None
        if read is None:
            read = self._parse(*self._next_entries())
        if not read.entries:
            self._backoff_s = 0.0
            return 0
        if self.config.in_order and read.new and self._lower_pending(read.entries[0][0]):
            # Another consumer of the group holds older entries: claim them first, next poll.
            return read.acked
        if self._ahead is not None and read.delivered:
            self._ahead.start(self._read_next)
        acked = read.acked
        if read.delivered:
            acked += self._handle_delivered(read.delivered, read.entries)
        if self._read_own_pending or self._sleep_s:
            # The batch is still pending, in whole or in part: what was read after it waits.
            self._drop_read_ahead()
        return acked

    def _read_next(self) -> _Read:
        read = self._parse(self._new_entries(), True)
        try:
            if read.delivered and self.read_ahead is not None:
                self.read_ahead(read.delivered)
        except Exception:  # the handler does without what it prepares
            log.exception("preparing a batch read ahead failed")
        return read

    def _drop_read_ahead(self) -> None:
        if self._ahead is not None and self._ahead.drop():
            self._read_own_pending = True  # its entries are pending: read them again, in order

    def _lower_pending(self, first: bytes) -> bool:
        """Tell whether an entry older than first is pending anywhere in the group."""
        cfg = self.config
        return bool(self.client.xpending_range(cfg.stream, cfg.group, "-", f"({first.decode()}", 1))

    def _next_entries(self) -> tuple[Entries, bool]:
        """Return the next entries to handle, and whether the group delivers them first time."""
        cfg = self.config
        if cfg.in_order:
            # Every pending entry of the group, lowest first, before anything new.
            claimed = self.client.xautoclaim(
                cfg.stream, cfg.group, cfg.consumer, 0, "0-0", count=cfg.batch_size
            )
            self._read_own_pending = False
            if claimed[1]:
                return [(eid, fields) for eid, fields in claimed[1]], False
            return self._new_entries(), True
        if self._read_own_pending:
            # After a restart or a failure: our own delivered-but-unacknowledged entries first.
            response = self.client.xreadgroup(
                cfg.group, cfg.consumer, {cfg.stream: "0"}, count=cfg.batch_size
            )
            entries = _entries_of(response)
            if entries:
                return entries, False
            self._read_own_pending = False
        now = time.monotonic()
        if now - self._last_claim >= cfg.claim_idle_ms / 1000:
            self._last_claim = now
            claimed = self.client.xautoclaim(
                cfg.stream, cfg.group, cfg.consumer, cfg.claim_idle_ms, "0-0", count=cfg.batch_size
            )
            entries = [(eid, fields) for eid, fields in claimed[1]]
            if entries:
                log.info("claimed %d idle entries from dead consumers", len(entries))
                return entries, False
        return self._new_entries(), True

    def _new_entries(self) -> Entries:
        cfg = self.config
        response = self.client.xreadgroup(
            cfg.group, cfg.consumer, {cfg.stream: ">"}, count=cfg.batch_size, block=cfg.block_ms
        )
        return _entries_of(response)

    def _parse(self, entries: Entries, new: bool) -> _Read:
        """Parse entries; dead-letter those that do not parse, acknowledge trimmed ones."""
        delivered: list[Delivered] = []
        acked = 0
        for entry_id, fields in entries:
            if fields is None:
                # Trimmed while pending: nothing left to handle.
                acked += int(self.client.xack(self.config.stream, self.config.group, entry_id))
                continue
            raw = fields.get(EVENT_FIELD, b"")
            try:
                delivered.append(Delivered(entry_id, parse_event(raw)))
            except EventParseError as exc:
                self._dead_letter(entry_id, raw, f"unparseable event: {exc}")
                acked += 1
        return _Read(entries, new, delivered, acked)

    def _handle_delivered(self, delivered: list[Delivered], entries: Entries) -> int:
        try:
            self.handle_batch(delivered)
        except Exception as exc:  # noqa: BLE001 - classified below, never swallowed
            if self.is_transient(exc):
                # Keep the entries pending and read them again once the dependency is back.
                self._read_own_pending = True
                self._wait_after_failure(f"transient failure: {exc!r}")
                return 0
            return self._handle_one_by_one(delivered, entries)
        self._acknowledge([d.entry_id for d in delivered])
        self._applied(delivered)
        self._backoff_s = 0.0
        return len(delivered)

    def _handle_one_by_one(self, delivered: list[Delivered], entries: Entries) -> int:
        """Isolate the entry that fails the batch: handle each alone, in order."""
        raw_by_id = {eid: (fields or {}).get(EVENT_FIELD, b"") for eid, fields in entries}
        acked = 0
        for item in delivered:
            try:
                self.handle_batch([item])
            except Exception as exc:  # noqa: BLE001 - classified below, never swallowed
                if self.is_transient(exc):
                    self._read_own_pending = True
                    self._wait_after_failure(f"transient failure: {exc!r}")
                    return acked
                failures = int(self.client.hincrby(self._failures_key, item.entry_id, 1))
                limit = self.config.max_failures
                log.warning("entry %s failed (%d/%d): %r", item.entry_id, failures, limit, exc)
                if failures >= limit:
                    error = f"failed {failures} times, last: {exc!r}"
                    self._dead_letter(item.entry_id, raw_by_id[item.entry_id], error)
                    acked += 1
                else:
                    self._read_own_pending = True
                # Later entries wait: handling them first would reorder the stream.
                return acked
            self._acknowledge([item.entry_id])
            self._applied([item])
            acked += 1
        return acked

    def _applied(self, delivered: Sequence[Delivered]) -> None:
        """Count what was applied, and log its event ids (one line a batch) for tracing."""
        for item in delivered:
            EVENTS_APPLIED.labels(self.config.group, item.event.type).inc()
        log.info(
            "applied %d events",
            len(delivered),
            extra={"group": self.config.group, "event_ids": [str(d.event.id) for d in delivered]},
        )

    def _acknowledge(self, entry_ids: list[bytes]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(self.config.stream, self.config.group, *entry_ids)
        pipe.hdel(self._failures_key, *entry_ids)
        pipe.execute()

    def _dead_letter(self, entry_id: bytes, raw: bytes, error: str) -> None:
        log.error("dead-lettering entry %s of %s: %s", entry_id, self.config.stream, error)
        DEAD_LETTERS.labels(self.config.group).inc()
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(
            self.config.dead_letter_stream,
            {
                "event": raw,
                "entry_id": entry_id,
                "stream": self.config.stream,
                "group": self.config.group,
                "error": error[:4000],
                "failed_at": datetime.now(UTC).isoformat(),
            },
        )
        pipe.xack(self.config.stream, self.config.group, entry_id)
        pipe.hdel(self._failures_key, entry_id)
        pipe.execute()

    def _wait_after_failure(self, reason: str) -> None:
        cfg = self.config
        self._backoff_s = min(cfg.retry_max_s, max(cfg.retry_initial_s, self._backoff_s * 2))
        self._sleep_s = self._backoff_s
        log.warning("%s; retrying in %.1fs", reason, self._backoff_s)


def _entries_of(response: object) -> Entries:
    replies = cast(list[tuple[bytes, Entries]], response or [])
    return [entry for _stream, entries in replies for entry in entries]
