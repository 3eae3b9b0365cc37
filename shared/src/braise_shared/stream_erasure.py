"""Erasure on the stream: entries that name an erased person go once every group has read them.

A stream entry cannot be rewritten, so the entries that carry an erased person's data (their
profile with name and e-mail, the interactions and digests that name their id) are deleted
(`XDEL`). Not at once: an entry some group has not acknowledged yet is still needed (a group
interaction also moves the links of the other participants), and the `consultant.erased`
entry after it makes every consumer forget the person anyway. So the scrub waits until
every group has acknowledged the erasure, and then deletes every acknowledged entry that
names the person, in the stream and in the dead letters, keeping only the erasure entries
themselves (an id and nothing else).

`XDEL` is not enough: Redis only flags a deleted entry inside its listpack node, which keeps
the bytes in memory and in every snapshot (and in the RDB preamble of the append-only file)
until the whole node goes. So the stream is rebuilt instead, in one Lua script: the entries
kept are added again under their own ids, then the groups (last delivered id, entries read)
and their pending entries (consumer, idle time, delivery count) are put back as they were.
Redis is busy for the time of the copy, proportional to the stream's length (bounded by the
7-day retention), once per housekeeping run that found erasures. Redis then rewrites its
append-only file, and takes a new snapshot where snapshots are on, so the deleted entries
leave the disk as well.

A cursor (`<stream>:erasures:scanned`, an entry id) remembers up to where erasures were
found, so each entry is read once to find erasures and the whole stream is read only when
there is someone to scrub.
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import LiteralString, cast

import redis
from redis.exceptions import ResponseError

from braise_shared.publisher import oldest_unread
from braise_shared.stream import DEAD_LETTER_STREAM, EVENT_FIELD, EVENTS_STREAM

log = logging.getLogger(__name__)

ERASED_TYPE = "consultant.erased"

# KEYS[1] the stream; ARGV the ids of the entries to leave out. Returns how many were left out.
REBUILD_WITHOUT: LiteralString = """
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local doomed = {}
for _, id in ipairs(ARGV) do doomed[id] = true end
local function as_map(flat)
  local map = {}
  for i = 1, #flat, 2 do map[flat[i]] = flat[i + 1] end
  return map
end
local function after(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  if #am ~= #bm then return #am > #bm end
  if am ~= bm then return am > bm end
  return tonumber(as) > tonumber(bs)
end
local info = as_map(redis.call('XINFO', 'STREAM', key))
local max_deleted = info['max-deleted-entry-id']
local groups = {}
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local group = as_map(flat)
  if group['pending'] > 0 then
    group.pel = redis.call('XPENDING', key, group['name'], '-', '+', group['pending'])
  end
  group.consumers = {}
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', key, group['name'])) do
    table.insert(group.consumers, as_map(consumer)['name'])
  end
  table.insert(groups, group)
end
local kept = redis.call('XRANGE', key, '-', '+')
redis.call('DEL', key)
local removed = 0
for _, entry in ipairs(kept) do
  if doomed[entry[1]] then
    removed = removed + 1
    if after(entry[1], max_deleted) then max_deleted = entry[1] end
  else
    redis.call('XADD', key, entry[1], unpack(entry[2]))
  end
end
if #kept == removed then
  redis.call('XADD', key, info['last-generated-id'], 'placeholder', '1')
  redis.call('XDEL', key, info['last-generated-id'])
end
redis.call('XSETID', key, info['last-generated-id'],
  'ENTRIESADDED', info['entries-added'], 'MAXDELETEDID', max_deleted)
for _, group in ipairs(groups) do
  local create = {'XGROUP', 'CREATE', key, group['name'], group['last-delivered-id']}
  if group['entries-read'] then
    table.insert(create, 'ENTRIESREAD')
    table.insert(create, group['entries-read'])
  end
  redis.call(unpack(create))
  for _, consumer in ipairs(group.consumers) do
    redis.call('XGROUP', 'CREATECONSUMER', key, group['name'], consumer)
  end
  for _, p in ipairs(group.pel or {}) do
    redis.call('XCLAIM', key, group['name'], p[2], 0, p[1],
      'IDLE', p[3], 'RETRYCOUNT', p[4], 'FORCE', 'JUSTID')
  end
end
return removed
"""

Entry = tuple[bytes, dict[bytes, bytes]]


@dataclass
class StreamEraser:
    """Deletes the stream entries that name people erased since its last run."""

    client: "redis.Redis"
    stream: str = EVENTS_STREAM
    dead_letter_stream: str = DEAD_LETTER_STREAM
    batch_size: int = 1000
    _rebuild: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rebuild = self.client.register_script(REBUILD_WITHOUT)

    @property
    def cursor_key(self) -> str:
        """Return the key holding the last entry id scanned for erasures."""
        return f"{self.stream}:erasures:scanned"

    def scrub(self) -> int:
        """Delete the entries naming people erased since the last run, once every group has
        acknowledged their erasure; return how many entries were deleted."""
        first_unread = oldest_unread(self.client, self.stream)
        if first_unread is None:
            return 0
        upper = f"({first_unread[0]}-{first_unread[1]}"
        cursor = cast(bytes | None, self.client.get(self.cursor_key))
        lower = "-" if cursor is None else b"(" + cursor
        erased: set[bytes] = set()
        last: bytes | None = None
        for entry_id, fields in self._entries(self.stream, lower, upper):
            last = entry_id
            person = _erased_person(fields)
            if person is not None:
                erased.add(person)
        if last is None:
            return 0
        deleted = 0
        if erased:
            deleted += self._delete_naming(self.stream, erased, upper)
            deleted += self._delete_naming(self.dead_letter_stream, erased, "+")
            log.info("deleted %d stream entries naming %d erased people", deleted, len(erased))
            if not self._rewrite_files():
                return deleted  # the cursor stays: the next run asks for the rewrite again
        self.client.set(self.cursor_key, last)
        return deleted

    def _entries(self, stream: str, lower: str | bytes, upper: str) -> Iterator[Entry]:
        """Yield the entries of stream between lower and upper, in batches."""
        while True:
            batch = cast(
                list[Entry], self.client.xrange(stream, min=lower, max=upper, count=self.batch_size)
            )
            yield from batch
            if len(batch) < self.batch_size:
                return
            lower = b"(" + batch[-1][0]

    def _delete_naming(self, stream: str, people: set[bytes], upper: str) -> int:
        """Delete the entries of stream up to upper that name one of people, erasures kept."""
        doomed = [
            entry_id
            for entry_id, fields in self._entries(stream, "-", upper)
            if _erased_person(fields) is None
            and any(person in value for value in fields.values() for person in people)
        ]
        if not doomed:
            return 0
        return int(self._rebuild(keys=[stream], args=doomed))  # type: ignore[operator]

    def _rewrite_files(self) -> bool:
        """Ask Redis to rewrite its append-only file and snapshot; False to ask again later."""
        try:
            settings = self.client.config_get("appendonly")
            aof_on = settings.get("appendonly", "yes") == "yes"
            snapshots_on = bool(self.client.config_get("save").get("save"))
        except ResponseError:  # CONFIG is often disabled on managed Redis: ask anyway
            aof_on, snapshots_on = True, False
        try:
            if aof_on:
                self.client.bgrewriteaof()
            if snapshots_on:
                self.client.bgsave(schedule=True)
        except ResponseError as exc:
            if "already in progress" in str(exc):
                # That rewrite may have started before the deletions: another one is needed.
                log.info("an AOF rewrite is in progress; asking again on the next run")
                return False
            log.warning("cannot rewrite Redis's files after erasures: %s", exc)
        return True


def _erased_person(fields: dict[bytes, bytes]) -> bytes | None:
    """Return the id of the person an erasure entry erases; None for any other entry."""
    raw = fields.get(EVENT_FIELD, b"")
    if ERASED_TYPE.encode() not in raw:
        return None
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("type") != ERASED_TYPE:
        return None
    person = (event.get("data") or {}).get("consultant_id")
    return str(person).encode() if person else None
