"""What staff see of the whole network: counts, live links between sectors, an anonymous
shape and the firm's upcoming occasions with attendee counts (/v1, staff only)."""

import random
import time
from typing import Annotated, Any

import redis
from fastapi import APIRouter, Query

from braise_graph.routes.deps import GraphDep, Neo4j, Reader, Redis, as_datetime, errors
from braise_graph.shape import MAX_NODES, anonymous_shape, sector_links, sectors_of
from braise_shared.bearer import Staff
from braise_shared.occasions import OccasionAttendance, UpcomingOccasions
from braise_shared.shape import NetworkShape, SectorLinks
from braise_shared.stream import EVENTS_STREAM
from braise_shared.stream_lag import group_backlogs

router = APIRouter()


@router.get("/v1/stats", responses=errors(401, 403))
def stats(_staff: Staff, graph: GraphDep, reader: Reader, client: Redis) -> dict[str, Any]:
    """Count consultants, links by stage, events applied, and the consumer's lag."""
    figures = reader.stats()
    figures["consumer_lag"] = _lag(client, graph.settings.consumer_group)
    return figures


@router.get("/v1/shape", response_model=NetworkShape, responses=errors(401, 403))
def shape(
    _staff: Staff,
    reader: Reader,
    driver: Neo4j,
    max_nodes: Annotated[
        int, Query(ge=1, le=MAX_NODES, description="Draw at most this many people.")
    ] = 2000,
) -> NetworkShape:
    """Return the network's shape for a picture: anonymous nodes by sector, living links."""
    now = time.time()
    return anonymous_shape(
        sectors_of(driver),
        reader.staged_links(now=now),
        at=as_datetime(now),
        max_nodes=max_nodes,
        rng=random.SystemRandom(),
    )


@router.get("/v1/occasions", response_model=UpcomingOccasions, responses=errors(401, 403))
def occasions(_staff: Staff, graph: GraphDep, reader: Reader) -> UpcomingOccasions:
    """List the firm's upcoming occasions within the horizon, each with how many consultants
    are expected (a count, never names); staff only."""
    now = time.time()
    return UpcomingOccasions(
        at=as_datetime(now),
        horizon_days=graph.settings.occasion_horizon_days,
        occasions=[
            OccasionAttendance(occasion=o.fact(), attendees=len(o.attendees))
            for o in reader.upcoming_occasions(now=now)
        ],
    )


@router.get("/v1/sector-links", response_model=SectorLinks, responses=errors(401, 403))
def live_links_between_sectors(_staff: Staff, reader: Reader, driver: Neo4j) -> SectorLinks:
    """Count the live links (nascent, growing, active, cooling) between and within sectors, by
    each person's first sector: counts only, no person."""
    now = time.time()
    return sector_links(sectors_of(driver), reader.staged_links(now=now), at=as_datetime(now))


def _lag(client: "redis.Redis", group_name: str) -> int | None:
    """Return the entries the group has not processed (`stream_lag`), None if unknown."""
    try:
        backlog = group_backlogs(client, EVENTS_STREAM).get(group_name)
    except redis.RedisError:
        return None
    return None if backlog is None else backlog.unprocessed
