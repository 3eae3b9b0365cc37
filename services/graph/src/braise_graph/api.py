"""The graph read API: links, stats, the network's shape and the firm's upcoming occasions
(/v1), revival candidates (/v3, one or many)."""

import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import redis
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from neo4j import Driver
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from pydantic import BaseModel

from braise_graph.bootstrap import build
from braise_graph.config import GraphSettings
from braise_graph.ranking import reciprocity
from braise_graph.reads import LinkView, UnknownConsultantError
from braise_graph.revival import revival_batch
from braise_graph.shape import MAX_NODES, anonymous_shape, sectors_of
from braise_graph.stages import Stage
from braise_graph.store import create_schema, ping_neo4j
from braise_shared.apidoc import ERROR_JSON, error_responses
from braise_shared.auth import InvalidTokenError, Principal, verify_token
from braise_shared.candidates import (
    MAX_PER_STAGE,
    CandidatesBatch,
    CandidatesRequest,
    DeclinedPeople,
    DeclinedPerson,
    RevivalCandidates,
)
from braise_shared.events import UtcDateTime
from braise_shared.observability import observe
from braise_shared.occasions import OccasionAttendance, UpcomingOccasions
from braise_shared.shape import NetworkShape
from braise_shared.stream import EVENTS_STREAM
from braise_shared.stream_lag import group_backlogs

_bearer = HTTPBearer(auto_error=False)


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    settings: GraphSettings = request.app.state.settings
    if credentials is None:
        raise _unauthorized("missing bearer token")
    try:
        return verify_token(settings.jwt_secret.get_secret_value(), credentials.credentials)
    except InvalidTokenError as exc:
        raise _unauthorized(str(exc)) from exc


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        401,
        detail=[{"loc": ["header", "Authorization"], "msg": reason, "type": "unauthorized"}],
        headers={"WWW-Authenticate": "Bearer"},
    )


Caller = Annotated[Principal, Depends(_principal)]
_WHY = {
    400: "The body could not be read (not JSON, or not the declared type).",
    401: "No valid bearer token (missing, expired, forged, or `alg: none`).",
    403: "A consultant token asking for someone else, or for a staff route.",
    404: "No such consultant in the graph.",
    500: "The graph holds data this consultant's candidates cannot be made of (`detail` names "
    "the reason, type `candidates_failed`); logged and counted, no other consultant affected.",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_WHY, *statuses)


# Neo4j unreachable or busy after the reader tried twice: the client should come back later.
RETRY_AFTER_S = 30
_NEO4J_DOWN: dict[int | str, dict[str, Any]] = {
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


def _neo4j_down() -> HTTPException:
    reason = {"loc": ["neo4j"], "msg": "the graph store does not answer", "type": "unavailable"}
    return HTTPException(503, detail=[reason], headers={"Retry-After": str(RETRY_AFTER_S)})


class LinkOut(BaseModel):
    """One link of a consultant."""

    other_id: str
    other_name: str
    strength: float
    stage: Stage
    peak: float
    peak_at: datetime
    first_at: datetime
    last_at: datetime
    count: int
    counts_by_kind: dict[str, int]
    initiated_by_me: int
    initiated_by_other: int
    reciprocity: float


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _link_out(view: LinkView) -> LinkOut:
    f = view.facts
    return LinkOut(
        other_id=f.other.id,
        other_name=f.other.name,
        strength=round(view.strength, 6),
        stage=f.stage,
        peak=round(f.peak, 6),
        peak_at=_dt(f.peak_at),
        first_at=_dt(f.first_at),
        last_at=_dt(f.last_at),
        count=f.count,
        counts_by_kind=f.kind_counts,
        initiated_by_me=f.initiated_by_me,
        initiated_by_other=f.initiated_by_other,
        reciprocity=round(reciprocity(f.initiated_by_me, f.initiated_by_other), 6),
    )


def create_app(settings: GraphSettings | None = None, driver: Driver | None = None) -> FastAPI:
    """Build the read API (the composition root of the HTTP side)."""
    graph = build(settings, driver)
    settings, driver, reader = graph.settings, graph.driver, graph.reader
    redis_client = redis.Redis.from_url(settings.redis_url, socket_timeout=5)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        create_schema(driver)
        yield
        redis_client.close()

    app = FastAPI(
        title="Braise graph",
        version="1",
        lifespan=lifespan,
        summary="Link strengths, stages and the dormant links worth rekindling.",
    )
    app.state.settings = settings
    observe(
        app,
        service="graph",
        checks={"neo4j": lambda: ping_neo4j(driver), "redis": redis_client.ping},
    )

    def allowed(caller: Principal, consultant_id: uuid.UUID, where: list[str] | None = None) -> str:
        if not caller.may_act_for(consultant_id):
            loc = where or ["path", "consultant_id"]
            raise HTTPException(
                403, detail=[_err(loc, "a consultant token reaches only that consultant")]
            )
        return str(consultant_id)

    def moment(at: datetime | None) -> float:
        return time.time() if at is None else at.timestamp()

    @app.get(
        "/v1/consultants/{consultant_id}/links",
        response_model=list[LinkOut],
        responses=_errors(401, 403, 404) | _NEO4J_DOWN,
    )
    def links(
        consultant_id: uuid.UUID,
        caller: Caller,
        at: UtcDateTime | None = None,
        stage: Stage | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[LinkOut]:
        """List a consultant's links, strongest first, with strength and stage at `at` (now)."""
        cid = allowed(caller, consultant_id)
        try:
            views = reader.links(cid, now=moment(at))
        except UnknownConsultantError as exc:
            raise _not_found(cid) from exc
        except (ServiceUnavailable, SessionExpired, TransientError) as exc:
            raise _neo4j_down() from exc
        return [_link_out(v) for v in views if stage is None or v.facts.stage == stage][:limit]

    @app.get(
        "/v3/consultants/{consultant_id}/revival-candidates",
        response_model=RevivalCandidates,
        responses=_errors(401, 403, 404, 500),
    )
    def revival_candidates(
        consultant_id: uuid.UUID,
        caller: Caller,
        dormant: Annotated[
            int, Query(ge=0, le=MAX_PER_STAGE, description="Dormant candidates, at most.")
        ],
        cooling: Annotated[
            int, Query(ge=0, le=MAX_PER_STAGE, description="Cooling candidates, at most.")
        ],
        at: UtcDateTime | None = None,
        rested: Annotated[
            bool,
            Query(
                description="Leave out people suggested within the fatigue window (a digest); "
                "false: show them too (a page the consultant opened)."
            ),
        ] = True,
    ) -> Response:
        """Rank the dormant links worth rekindling, then the cooling ones, with reasons as facts.

        The caller says how many of each stage it wants (the notifier: what a digest holds).
        A consultant whose candidates cannot be ranked or written (data the contract refuses)
        gets a 500 naming the reason; no one else is affected.
        """
        cid = allowed(caller, consultant_id)
        batch = revival_batch(
            reader, [cid], now=moment(at), dormant=dormant, cooling=cooling, rested=rested
        )
        if batch.unknown:
            raise _not_found(cid)
        if batch.failed:
            raise HTTPException(
                500,
                detail=[
                    {
                        "loc": ["path", "consultant_id"],
                        "msg": f"candidates of {cid} cannot be ranked: {batch.failed[0].reason}",
                        "type": "candidates_failed",
                    }
                ],
            )
        # Built and validated already: written as is, not validated again on the way out.
        return Response(batch.answers[0].model_dump_json(), media_type="application/json")

    @app.post(
        "/v3/revival-candidates",
        response_model=CandidatesBatch,
        responses=_errors(400, 401, 403),
    )
    def revival_candidates_of_many(body: CandidatesRequest, caller: Caller) -> Response:
        """Rank the revival candidates of many consultants in one request, each answered as
        the single route answers it; the ids the graph does not know are listed apart, and so
        are the consultants it could not answer for (`failed`, with the reason).

        At most `MAX_BATCH` ids (422 naming `consultant_ids` beyond); a consultant token may
        ask only for itself.
        """
        ids = list(
            dict.fromkeys(
                allowed(caller, c, where=["body", "consultant_ids"]) for c in body.consultant_ids
            )
        )
        batch = revival_batch(
            reader, ids, now=moment(body.at), dormant=body.dormant, cooling=body.cooling
        )
        return Response(batch.model_dump_json(), media_type="application/json")

    @app.get(
        "/v1/consultants/{consultant_id}/declined",
        response_model=DeclinedPeople,
        responses=_errors(401, 403, 404),
    )
    def declined(consultant_id: uuid.UUID, caller: Caller) -> DeclinedPeople:
        """List the people a consultant said "never" to (and has not undone), latest first."""
        cid = allowed(caller, consultant_id)
        try:
            people = reader.declined(cid)
        except UnknownConsultantError as exc:
            raise _not_found(cid) from exc
        return DeclinedPeople(
            consultant_id=cid,
            people=[
                DeclinedPerson(
                    other_id=other_id,
                    other_name=name,
                    declined_at=None if at is None else _dt(at),
                )
                for other_id, name, at in people
            ],
        )

    @app.get("/v1/stats", responses=_errors(401, 403))
    def stats(caller: Caller) -> dict[str, Any]:
        """Count consultants, links by stage, events applied, and the consumer's lag."""
        if not caller.is_admin:
            raise HTTPException(403, detail=[_err(["header", "Authorization"], "staff only")])
        figures = reader.stats()
        figures["consumer_lag"] = _lag(redis_client, settings.consumer_group)
        return figures

    @app.get("/v1/occasions", response_model=UpcomingOccasions, responses=_errors(401, 403))
    def occasions(caller: Caller) -> UpcomingOccasions:
        """List the firm's upcoming occasions within the horizon, each with how many
        consultants are expected (a count, never names); staff only."""
        if not caller.is_admin:
            raise HTTPException(403, detail=[_err(["header", "Authorization"], "staff only")])
        now = time.time()
        return UpcomingOccasions(
            at=_dt(now),
            horizon_days=settings.occasion_horizon_days,
            occasions=[
                OccasionAttendance(occasion=o.fact(), attendees=len(o.attendees))
                for o in reader.upcoming_occasions(now=now)
            ],
        )

    @app.get("/v1/shape", response_model=NetworkShape, responses=_errors(401, 403))
    def shape(
        caller: Caller,
        max_nodes: Annotated[
            int, Query(ge=1, le=MAX_NODES, description="Draw at most this many people.")
        ] = 2000,
    ) -> NetworkShape:
        """Return the network's shape for a picture: anonymous nodes by sector, living links."""
        if not caller.is_admin:
            raise HTTPException(403, detail=[_err(["header", "Authorization"], "staff only")])
        now = time.time()
        return anonymous_shape(
            sectors_of(driver),
            reader.staged_links(now=now),
            at=_dt(now),
            max_nodes=max_nodes,
            rng=random.SystemRandom(),
        )

    return app


def _lag(client: "redis.Redis", group_name: str) -> int | None:
    """Return the entries the group has not processed (`stream_lag`), None if unknown."""
    try:
        backlog = group_backlogs(client, EVENTS_STREAM).get(group_name)
    except redis.RedisError:
        return None
    return None if backlog is None else backlog.unprocessed


def _err(loc: list[str], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "value_error"}


def _not_found(cid: str) -> HTTPException:
    return HTTPException(404, detail=[_err(["path", "consultant_id"], f"no consultant {cid}")])
