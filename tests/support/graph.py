"""Read back what the graph store wrote, in the oracle's terms; feed it stream entries."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from neo4j import Driver

from braise_graph.config import GraphSettings
from braise_graph.partition import Partition
from braise_graph.store import GraphStore, create_schema
from braise_shared.events import Event, InteractionRecordedV1
from braise_shared.interactions import load_kinds
from braise_shared.stream import Delivered
from tests.support.oracle import WEIGHTS, OracleInteraction, decayed

if TYPE_CHECKING:
    from tests.support.servers import SessionServers

# The store under test decays at the service's own rate; the oracle never reads it.
RATE = GraphSettings().decay_rate

STORED_LINKS = """
MATCH (a:Consultant)-[r:LINK]->(b:Consultant)
RETURN a.id AS a, b.id AS b, r.s_ref AS s_ref, r.t_ref AS t_ref, r.peak AS peak, r.count AS count
"""


EVENTS_APPLIED = """
OPTIONAL MATCH (w:Watermark)
RETURN sum(coalesce(w.events_applied, 0)) AS n
"""


def graph_settings(servers: "SessionServers", **overrides: Any) -> GraphSettings:
    """Return the graph's settings for the session's servers (some overridden)."""
    endpoints = servers.endpoints
    values: dict[str, Any] = {
        "neo4j_uri": endpoints.neo4j_uri,
        "neo4j_user": endpoints.neo4j_user,
        "neo4j_password": endpoints.neo4j_password,
        "redis_url": endpoints.redis_url,
    }
    return GraphSettings(**{**values, **overrides})


def new_store(driver: Driver, partition: Partition | None = None) -> GraphStore:
    """Return a graph store (of one partition, or the whole graph) with its schema."""
    create_schema(driver)
    return GraphStore(driver, kinds=load_kinds(), rate=RATE, partition=partition)


def as_entries(events: Sequence[Event], first: int = 1) -> list[Delivered]:
    """Return events as consecutive stream entries, the first with id `<first>-0`."""
    return [Delivered(f"{first + n}-0".encode(), event) for n, event in enumerate(events)]


def events_applied(driver: Driver) -> int:
    """Return how many events the graph counts as applied (each once, whatever the slot)."""
    records, _, _ = driver.execute_query(EVENTS_APPLIED)
    return int(records[0]["n"])


def stored_strengths(driver: Driver, at: float) -> dict[tuple[str, str], float]:
    """Return every stored link's strength at time at, decayed by the oracle's half-life."""
    records, _, _ = driver.execute_query(STORED_LINKS)
    return {(r["a"], r["b"]): decayed(r["s_ref"], max(0.0, at - r["t_ref"])) for r in records}


def as_oracle(events: list[InteractionRecordedV1]) -> list[OracleInteraction]:
    """Return interactions as the oracle takes them (weights as documented, not as configured)."""
    return [
        OracleInteraction(
            event_id=str(e.id),
            participants=tuple(str(p) for p in e.data.participants),
            t=e.data.occurred_at.timestamp(),
            weight=WEIGHTS[e.data.kind],
        )
        for e in events
    ]


def count_links(driver: Driver) -> int:
    """Return how many LINK relationships exist."""
    records, _, _ = driver.execute_query("MATCH ()-[r:LINK]->() RETURN count(r) AS n")
    return cast(int, records[0]["n"])


def stored_peaks(driver: Driver) -> dict[tuple[str, str], float]:
    """Return every stored link's peak."""
    records, _, _ = driver.execute_query(STORED_LINKS)
    return {(r["a"], r["b"]): r["peak"] for r in records}
