"""The graph's stream consumer: applies its partition's share of events to Neo4j, exactly once.

Run: braise-graph-consumer (reads BRAISE_GRAPH_* and the shared server variables). With
`BRAISE_GRAPH_PARTITIONS=N`, run N of them, `BRAISE_GRAPH_PARTITION=0..N-1`: each reads
every entry through a stream group of its own and applies the slots it owns.
"""

import gc
import logging
import signal
import threading
from collections.abc import Sequence

import redis
from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired, TransientError
from redis.exceptions import ResponseError

from braise_graph.bootstrap import Graph, build
from braise_graph.config import GraphSettings
from braise_graph.partition import NOTHING_APPLIED, EntryId, format_entry_id, parse_entry_id
from braise_graph.store import GraphStore, create_schema
from braise_shared.logs import configure_logging
from braise_shared.metrics import StreamGroupsCollector, serve_metrics
from braise_shared.stream import EVENTS_STREAM, ConsumerConfig, Delivered, StreamConsumer

log = logging.getLogger(__name__)


class StartError(RuntimeError):
    """The consumer cannot start without risking an event applied twice or skipped."""


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failure will likely pass by itself (Neo4j or network unavailable)."""
    return isinstance(
        exc,
        ServiceUnavailable
        | SessionExpired
        | TransientError
        | DatabaseUnavailable
        | ConnectionError
        | TimeoutError,
    )


def build_consumer(client: "redis.Redis", graph: Graph) -> StreamConsumer:
    """Wire the stream consumer to the graph store: strict stream order, next batch read ahead."""

    def handle(batch: Sequence[Delivered]) -> None:
        applied = graph.store.apply_entries(batch)
        log.debug("applied %d new events of %d delivered", applied, len(batch))

    settings = graph.settings
    config = ConsumerConfig(
        group=settings.partition_group,
        consumer=settings.consumer_name,
        batch_size=settings.batch_size,
        in_order=True,
    )
    return StreamConsumer(client, config, handle, is_transient, read_ahead=graph.store.prepare)


def position_group(client: "redis.Redis", store: GraphStore, settings: GraphSettings) -> str:
    """Put the partition's stream group at or before the watermark of each slot it owns.

    Entries after a slot's watermark must all be read again, and those before it change
    nothing, so the group starts at the lowest watermark of its slots (the stream's start
    for a slot that applied nothing). A graph fed before watermarks existed first gets every
    slot's watermark where the `graph` group stands. Return where the group now reads from.

    A group that has read past that point is created anew there, never just moved back: its
    pending entries would be read first (stream order, for the watermarks), and after a change
    of the partition count they may lie beyond the watermark of a slot it has just taken over.
    Applied first, they would carry that slot's watermark past the entries in between, which
    would then look like redeliveries and be skipped.
    """
    groups = _groups(client)
    marks = store.watermarks()
    if not marks and store.fed_before_watermarks():
        marks = _seed(store, groups.get(settings.consumer_group))
    owned = settings.owned.slots
    start = min(marks.get(slot, NOTHING_APPLIED) for slot in owned)
    group = settings.partition_group
    if group in groups and parse_entry_id(_text(groups[group]["last-delivered-id"])) > start:
        # Destroyed with its pending entries; a crash before the creation below loses
        # nothing, since the next start creates the group at the same place.
        client.xgroup_destroy(EVENTS_STREAM, group)
        log.info("group %s read past %s: created anew there", group, format_entry_id(start))
        del groups[group]
    if group not in groups:
        client.xgroup_create(EVENTS_STREAM, group, id=format_entry_id(start), mkstream=True)
    if settings.partition == 0:
        _forget_other_partitionings(client, settings, groups)
    return format_entry_id(start)


def _seed(store: GraphStore, legacy: dict[str, object] | None) -> dict[int, EntryId]:
    """Start every slot where the former single consumer stopped, if it stopped cleanly."""
    if legacy is None:
        raise StartError("the graph was fed before watermarks, but no `graph` group is left")
    if int(str(legacy["pending"])):
        raise StartError(
            f"the `graph` group has {legacy['pending']} entries pending from the consumer "
            "before watermarks: let that version finish them (stop it with SIGTERM), then start"
        )
    applied_to = parse_entry_id(_text(legacy["last-delivered-id"]))
    store.seed_watermarks(applied_to)
    log.info("graph fed before watermarks: every slot starts after %s", applied_to)
    return store.watermarks()


def _forget_other_partitionings(
    client: "redis.Redis", settings: GraphSettings, groups: dict[str, dict[str, object]]
) -> None:
    """Destroy the groups of partitions beyond the current count: their slots' watermarks
    stay in Neo4j, and an abandoned group would keep the stream from being trimmed."""
    for name in groups:
        prefix, _, index = name.rpartition("-")
        beyond = index.isdigit() and int(index) >= settings.partitions
        if prefix == settings.consumer_group and beyond:
            client.xgroup_destroy(EVENTS_STREAM, name)
            log.info("destroyed group %s: partitions are %d now", name, settings.partitions)


def _groups(client: "redis.Redis") -> dict[str, dict[str, object]]:
    """Return the stream's groups by name (none before the stream exists)."""
    try:
        found: list[dict[str, object]] = client.xinfo_groups(EVENTS_STREAM)
    except ResponseError:
        return {}
    return {_text(g["name"]): g for g in found}


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def main() -> None:
    """Consume until SIGTERM or SIGINT; create the schema first, waiting for Neo4j."""
    configure_logging("graph-consumer")
    graph = build()
    settings, driver = graph.settings, graph.driver
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=30)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            create_schema(driver)
            start = position_group(client, graph.store, settings)
            break
        except (ServiceUnavailable, OSError, redis.ConnectionError) as exc:
            log.warning("neo4j or redis unavailable (%s); retrying", exc)
            stop.wait(2.0)
    if stop.is_set():
        return
    # Each batch allocates a great many short-lived objects and keeps none: collect cycles
    # seldom, and never walk again what start-up built (modules, schemas, the driver).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    forgotten = graph.store.forget_applied_events()
    if forgotten:
        log.info("deleted %d applied-event ids of the former exactly-once scheme", forgotten)
    log.info(
        "consuming %s as %s/%s, partition %s, from %s",
        settings.redis_url,
        settings.partition_group,
        settings.consumer_name,
        settings.owned,
        start,
    )
    serve_metrics(
        settings.host,
        settings.consumer_metrics_port,
        [StreamGroupsCollector(client, EVENTS_STREAM, [settings.partition_group])],
    )
    build_consumer(client, graph).run(stop.is_set)
    driver.close()


if __name__ == "__main__":
    main()
