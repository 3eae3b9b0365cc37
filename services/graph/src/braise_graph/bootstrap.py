"""The graph service's composition root: settings, the Neo4j driver, the store and the reader.

The read API and the stream consumer both build what they need here, so each process wires
the same objects the same way and nothing is read from the environment at import time.
"""

from dataclasses import dataclass

from neo4j import Driver

from braise_graph.config import GraphSettings
from braise_graph.reads import GraphReader
from braise_graph.store import GraphStore, open_driver
from braise_shared.interactions import load_kinds


@dataclass(frozen=True)
class Graph:
    """Everything the graph's entry points need, built once per process."""

    settings: GraphSettings
    driver: Driver
    store: GraphStore
    reader: GraphReader


def build(settings: GraphSettings | None = None, driver: Driver | None = None) -> Graph:
    """Build the graph service from its settings (read from the environment when None)."""
    settings = settings or GraphSettings()
    driver = driver or open_driver(settings)
    store = GraphStore(
        driver, kinds=load_kinds(), rate=settings.decay_rate, partition=settings.owned
    )
    return Graph(settings, driver, store, GraphReader(driver, settings))
