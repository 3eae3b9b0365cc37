"""The consultant routes under /v1/consultants: parse, check who is calling, call the service."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from braise_profiles.consultants import service
from braise_profiles.consultants.schemas import (
    BulkConsultantsIn,
    ConsultantIn,
    ConsultantOut,
    ConsultantPage,
    ConsultantPatch,
)
from braise_profiles.db import unit_of_work
from braise_profiles.deps import Caller, Factory, Settings, Write, require_admin, require_self
from braise_profiles.fields import TagText
from braise_profiles.http_errors import responses
from braise_profiles.limits import check_page_size

router = APIRouter(tags=["consultants"])
WRITE_ERRORS = responses(400, 401, 403, 409, 413, 422, 429)
ONE_ERRORS = responses(401, 403, 404, 422)


@router.post(
    "/v1/consultants", status_code=201, response_model=ConsultantOut, responses=WRITE_ERRORS
)
def register_consultant(body: ConsultantIn, caller: Caller, write: Write) -> Response:
    """Register a consultant (staff only)."""
    require_admin(caller)
    return write.one(body, service.register_consultants)


@router.post(
    "/v1/consultants/bulk",
    status_code=201,
    response_model=list[ConsultantOut],
    responses=WRITE_ERRORS,
)
def register_consultants(body: BulkConsultantsIn, caller: Caller, write: Write) -> Response:
    """Register many consultants at once: all of them, or none (staff only)."""
    require_admin(caller)
    return write.each(body, service.register_consultants)


@router.get("/v1/consultants", response_model=ConsultantPage, responses=responses(401, 403, 422))
def list_consultants(
    request: Request,
    factory: Factory,
    caller: Caller,
    settings: Settings,
    limit: Annotated[int, Query(ge=1)] = 50,
    cursor: uuid.UUID | None = None,
    skill: TagText | None = None,
    sector: TagText | None = None,
    interest: TagText | None = None,
) -> ConsultantPage:
    """List consultants, paginated, filtered by skill, sector or interest (staff only)."""
    check_page_size(request, maximum=settings.page_size_max)
    require_admin(caller)
    with unit_of_work(factory) as session:
        items, next_cursor = service.list_consultants(
            session=session,
            limit=limit,
            cursor=cursor,
            skill=skill,
            sector=sector,
            interest=interest,
        )
    return ConsultantPage(items=items, next_cursor=next_cursor)


@router.get(
    "/v1/consultants/{consultant_id:uuid}", response_model=ConsultantOut, responses=ONE_ERRORS
)
def get_consultant(consultant_id: uuid.UUID, factory: Factory, caller: Caller) -> ConsultantOut:
    """Read one consultant (staff, or that consultant)."""
    require_self(caller, consultant_id)
    with unit_of_work(factory) as session:
        return service.get_consultant(session=session, consultant_id=consultant_id)


@router.patch(
    "/v1/consultants/{consultant_id:uuid}",
    response_model=ConsultantOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422, 429),
)
def update_consultant(
    consultant_id: uuid.UUID, body: ConsultantPatch, caller: Caller, write: Write
) -> Response:
    """Change a consultant's profile; fields left out keep their value."""
    require_self(caller, consultant_id)
    return write.changes(
        body,
        lambda session: service.update_consultant(
            session=session, consultant_id=consultant_id, patch=body
        ),
    )


@router.delete("/v1/consultants/{consultant_id:uuid}", status_code=204, responses=ONE_ERRORS)
def erase_consultant(consultant_id: uuid.UUID, factory: Factory, caller: Caller) -> Response:
    """Erase a consultant and their interactions here, and tell every service (GDPR)."""
    require_self(caller, consultant_id)
    with unit_of_work(factory) as session:
        service.erase_consultant(session=session, consultant_id=consultant_id)
    return Response(status_code=204)


@router.get("/v1/consultants/{consultant_id:uuid}/export", responses=ONE_ERRORS)
def export_consultant(
    consultant_id: uuid.UUID, factory: Factory, settings: Settings, caller: Caller
) -> dict[str, Any]:
    """Return everything held about one consultant, as JSON (GDPR)."""
    require_self(caller, consultant_id)
    with unit_of_work(factory) as session:
        return service.export_consultant(
            session=session, settings=settings, consultant_id=consultant_id
        )
