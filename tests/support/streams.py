"""Typed views of Redis stream replies (redis-py's own types are loose unions)."""

from typing import cast

import redis

Entry = tuple[bytes, dict[bytes, bytes]]


def entries(client: "redis.Redis", stream: str) -> list[Entry]:
    """Return every entry of a stream, oldest first."""
    return cast(list[Entry], client.xrange(stream))


def read_group(
    client: "redis.Redis", group: str, consumer: str, stream: str, count: int
) -> list[Entry]:
    """Read up to count new entries for a consumer of a group."""
    reply = cast(
        list[tuple[bytes, list[Entry]]],
        client.xreadgroup(group, consumer, {stream: ">"}, count=count),
    )
    return [entry for _name, items in reply for entry in items]
