"""What every graph route depends on: the wired service, the moment asked, the errors."""

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import redis
from fastapi import Depends, HTTPException, Request
from neo4j import Driver

from braise_graph.bootstrap import Graph
from braise_graph.reads import GraphReader
from braise_shared.apidoc import ERROR_JSON, error_responses
from braise_shared.bearer import refusal

# The dependencies are coroutines: FastAPI runs a plain function's in a worker thread, a hop
# of threads (and back) per dependency and request for what reads an attribute.


def _graph_of(request: Request) -> Graph:
    graph: Graph = request.app.state.graph
    return graph


async def _graph(request: Request) -> Graph:
    return _graph_of(request)


async def _reader(request: Request) -> GraphReader:
    return _graph_of(request).reader


async def _driver(request: Request) -> Driver:
    return _graph_of(request).driver


async def _redis(request: Request) -> "redis.Redis":
    client: redis.Redis = request.app.state.redis
    return client


GraphDep = Annotated[Graph, Depends(_graph)]
Reader = Annotated[GraphReader, Depends(_reader)]
Neo4j = Annotated[Driver, Depends(_driver)]
Redis = Annotated["redis.Redis", Depends(_redis)]

_WHY = {
    400: "The body could not be read (not JSON, or not the declared type).",
    401: "No valid bearer token (missing, expired, forged, or `alg: none`).",
    403: "A consultant token asking for someone else, or for a staff route.",
    404: "No such consultant in the graph.",
    500: "The graph holds data this consultant's candidates cannot be made of (`detail` names "
    "the reason, type `candidates_failed`); logged and counted, no other consultant affected.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI answers of these refusals."""
    return error_responses(_WHY, *statuses)


# Neo4j unreachable or busy after the reader tried twice: the client should come back later.
RETRY_AFTER_S = 30
NEO4J_DOWN: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Neo4j does not answer; retry after `Retry-After` seconds.",
        "content": ERROR_JSON,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before asking again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}


def neo4j_down() -> HTTPException:
    """Return the 503 of a graph store that does not answer."""
    detail = refusal(["neo4j"], "the graph store does not answer", "unavailable")
    return HTTPException(503, detail=detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def not_found(cid: str) -> HTTPException:
    """Return the 404 of a consultant the graph does not hold."""
    return HTTPException(
        404, detail=refusal(["path", "consultant_id"], f"no consultant {cid}", "value_error")
    )


def moment(at: datetime | None) -> float:
    """Return the Unix time asked for, now when none."""
    return time.time() if at is None else at.timestamp()


def as_datetime(t: float) -> datetime:
    """Return a Unix time as an aware UTC datetime."""
    return datetime.fromtimestamp(t, UTC)
