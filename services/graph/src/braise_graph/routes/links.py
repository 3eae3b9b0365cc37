"""A consultant's links and the people they declined (/v1)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from braise_graph.ranking import reciprocity
from braise_graph.reads import LinkView, UnknownConsultantError
from braise_graph.routes.deps import (
    NEO4J_DOWN,
    Reader,
    as_datetime,
    errors,
    moment,
    neo4j_down,
    not_found,
)
from braise_graph.stages import Stage
from braise_shared.bearer import Caller, acting_for
from braise_shared.candidates import DeclinedPeople, DeclinedPerson
from braise_shared.events import UtcDateTime
from braise_shared.network import ConsultantLink as LinkOut

router = APIRouter()


def _link_out(view: LinkView) -> LinkOut:
    f = view.facts
    return LinkOut(
        other_id=f.other.id,
        other_name=f.other.name,
        strength=round(view.strength, 6),
        stage=f.stage,
        peak=round(f.peak, 6),
        peak_at=as_datetime(f.peak_at),
        first_at=as_datetime(f.first_at),
        last_at=as_datetime(f.last_at),
        count=f.count,
        counts_by_kind=f.kind_counts,
        initiated_by_me=f.initiated_by_me,
        initiated_by_other=f.initiated_by_other,
        reciprocity=round(reciprocity(f.initiated_by_me, f.initiated_by_other), 6),
    )


@router.get(
    "/v1/consultants/{consultant_id}/links",
    response_model=list[LinkOut],
    responses=errors(401, 403, 404) | NEO4J_DOWN,
)
def links(
    consultant_id: uuid.UUID,
    caller: Caller,
    reader: Reader,
    at: UtcDateTime | None = None,
    stage: Stage | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[LinkOut]:
    """List a consultant's links, strongest first, with strength and stage at `at` (now)."""
    cid = acting_for(caller, consultant_id)
    try:
        views = reader.links(cid, now=moment(at))
    except UnknownConsultantError as exc:
        raise not_found(cid) from exc
    except (ServiceUnavailable, SessionExpired, TransientError) as exc:
        raise neo4j_down() from exc
    return [_link_out(v) for v in views if stage is None or v.facts.stage == stage][:limit]


@router.get(
    "/v1/consultants/{consultant_id}/declined",
    response_model=DeclinedPeople,
    responses=errors(401, 403, 404),
)
def declined(consultant_id: uuid.UUID, caller: Caller, reader: Reader) -> DeclinedPeople:
    """List the people a consultant said "never" to (and has not undone), latest first."""
    cid = acting_for(caller, consultant_id)
    try:
        people = reader.declined(cid)
    except UnknownConsultantError as exc:
        raise not_found(cid) from exc
    return DeclinedPeople(
        consultant_id=cid,
        people=[
            DeclinedPerson(
                other_id=other_id,
                other_name=name,
                declined_at=None if at is None else as_datetime(at),
            )
            for other_id, name, at in people
        ],
    )
