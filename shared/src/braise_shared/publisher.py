"""Publishing to the event stream: each event id at most once, and trimming what every group read.

The relay (profiles' outbox) and the notifier publish through `EventPublisher`; consumers
read with `braise_shared.stream.StreamConsumer`.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis
from redis.exceptions import ResponseError

from braise_shared.stream import CONSUMER_GROUPS, EVENTS_STREAM, ensure_groups

log = logging.getLogger(__name__)

# Publishes an event unless its id was published already: the check and the XADD are one
# atomic step in Redis, so a relay that dies between XADD and marking its outbox row never
# publishes the same event twice.
_PUBLISH_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return redis.call('XADD', KEYS[1], '*', 'event', ARGV[1], 'event_id', ARGV[2])
end
return false
"""


def _published_key(stream: str, event_id: str) -> str:
    return f"{stream}:published:{event_id}"


@dataclass
class EventPublisher:
    """Appends events to the stream, each event id at most once, and keeps the stream bounded."""

    client: "redis.Redis"
    stream: str = EVENTS_STREAM
    groups: Sequence[str] = CONSUMER_GROUPS
    # How long a published id is remembered: longer than any outbox row can wait unmarked.
    dedupe_ttl_s: int = 7 * 24 * 3600
    # Acknowledged entries stay this long for replay and inspection, then may be trimmed.
    retention_s: int = 7 * 24 * 3600
    max_len: int = 1_000_000
    _script: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._script = self.client.register_script(_PUBLISH_ONCE)

    def prepare(self) -> None:
        """Create the stream and the groups of every consumer, so nothing is trimmed unread."""
        ensure_groups(self.client, self.stream, self.groups)

    def publish_many(self, events: Sequence[tuple[str, bytes]]) -> list[bool]:
        """Publish (event id, JSON) pairs in order; True where appended, False if seen before."""
        pipe = self.client.pipeline(transaction=False)
        for event_id, payload in events:
            self._script(  # type: ignore[operator]
                keys=[self.stream, _published_key(self.stream, event_id)],
                args=[payload, event_id, self.dedupe_ttl_s],
                client=pipe,
            )
        return [result is not None for result in pipe.execute()]

    def trim(self) -> int:
        """Drop entries every group acknowledged that are past retention or beyond max_len."""
        safe = self._oldest_unacknowledged()
        if safe is None:
            return 0
        cutoff_ms = int((time.time() - self.retention_s) * 1000)
        by_age = min(safe, (cutoff_ms, 0))
        stream = self.stream
        removed = int(self.client.xtrim(stream, minid=_format_id(by_age), approximate=False))
        if int(self.client.xlen(self.stream)) > self.max_len:
            removed += int(
                self.client.xtrim(self.stream, minid=_format_id(safe), approximate=False)
            )
        return removed

    def _oldest_unacknowledged(self) -> tuple[int, int] | None:
        return oldest_unread(self.client, self.stream)


def oldest_unread(client: "redis.Redis", stream: str) -> tuple[int, int] | None:
    """Return the smallest entry id some group has not acknowledged yet (None: no groups)."""
    try:
        groups = client.xinfo_groups(stream)
    except ResponseError:
        return None
    if not groups:
        return None
    bounds = []
    for group in groups:
        summary = client.xpending(stream, group["name"])
        if summary["pending"]:
            bounds.append(_parse_id(summary["min"]))
        else:
            ms, seq = _parse_id(group["last-delivered-id"])
            bounds.append((ms, seq + 1))
    return min(bounds)


def _parse_id(raw: bytes | str) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def _format_id(parts: tuple[int, int]) -> str:
    return f"{parts[0]}-{parts[1]}"
