"""How far behind a consumer group is, counted from entry ids rather than Redis's counters.

`XINFO GROUPS` reports a group's `lag` from two counters, the entries added to the stream
and the entries the group has read, which Redis cannot always keep: after a restart it is
null until the group reaches the stream's end, and a group restored with a stale
`ENTRIESREAD` reads thousands behind with nothing left to deliver. What a group has not yet
been delivered is exactly the entries past its last-delivered id: they are counted here,
in one page while they are few; past a page, Redis's figure (at most the stream's length)
is taken, or, when it has none, the pages are counted to the end.
"""

from dataclasses import dataclass

import redis

COUNT_PAGE = 500


@dataclass(frozen=True)
class GroupBacklog:
    """A consumer group's entries not yet delivered, and delivered but not acknowledged."""

    undelivered: int
    pending: int

    @property
    def unprocessed(self) -> int:
        """Return the entries the group has not finished with: undelivered plus pending."""
        return self.undelivered + self.pending


def group_backlogs(client: "redis.Redis", stream: str) -> dict[str, GroupBacklog]:
    """Return each consumer group's backlog on the stream, by group name."""
    backlogs = {}
    for info in client.xinfo_groups(stream):
        last_delivered = _text(info["last-delivered-id"])
        lag = info.get("lag")
        undelivered = _undelivered(
            client, stream, last_delivered, None if lag is None else int(lag)
        )
        backlogs[_text(info["name"])] = GroupBacklog(undelivered, int(info["pending"]))
    return backlogs


def _undelivered(client: "redis.Redis", stream: str, last_delivered: str, lag: int | None) -> int:
    page = _ids_after(client, stream, last_delivered)
    if len(page) < COUNT_PAGE:
        return len(page)
    if lag is not None:
        return max(len(page), min(lag, int(client.xlen(stream))))
    counted = 0
    while len(page) == COUNT_PAGE:
        counted += len(page)
        page = _ids_after(client, stream, page[-1])
    return counted + len(page)


def _ids_after(client: "redis.Redis", stream: str, after: str) -> list[str]:
    """Return the ids of at most COUNT_PAGE entries past `after`."""
    entries = client.xrange(stream, min=f"({after}", max="+", count=COUNT_PAGE) or []
    return [_text(entry_id) for entry_id, _fields in entries if entry_id is not None]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
