"""Read back what the graph store wrote, in the oracle's terms."""

from typing import cast

from neo4j import Driver

from braise_graph.bootstrap import build
from braise_graph.config import GraphSettings
from braise_graph.store import GraphStore, create_schema
from braise_shared.events import InteractionRecordedV1
from tests.support.oracle import WEIGHTS, OracleInteraction, decayed

STORED_LINKS = """
MATCH (a:Consultant)-[r:LINK]->(b:Consultant)
RETURN a.id AS a, b.id AS b, r.s_ref AS s_ref, r.t_ref AS t_ref, r.peak AS peak, r.count AS count
"""


def new_store(driver: Driver) -> GraphStore:
    """Return the graph store the service builds (its own rate and kinds), with its schema."""
    create_schema(driver)
    return build(GraphSettings(), driver).store


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
