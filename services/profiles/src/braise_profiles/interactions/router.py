"""The interaction routes under /v1/interactions (the CSV import has its own router)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from braise_profiles.db import unit_of_work
from braise_profiles.deps import Caller, Factory, Settings, Write, require_admin, require_self
from braise_profiles.errors import NotFoundError
from braise_profiles.http_errors import responses
from braise_profiles.interactions import service
from braise_profiles.interactions.rules import check_pair_rule
from braise_profiles.interactions.schemas import BulkInteractionsIn, InteractionIn, InteractionOut
from braise_profiles.limits import check_page_size

router = APIRouter(tags=["interactions"])
WRITE_ERRORS = responses(400, 401, 403, 409, 413, 422, 429)

RECORD_DESCRIPTION = """Record an interaction (staff, or a consultant who took part).

**Pair rule.** A consultant token records only a pair: its own id and one other participant,
with itself as `initiator` or no initiator; anything else is refused with 403 naming
`participants` or `initiator`. A group interaction moves the link of every pair among its
participants, so staff (or a service) record those. Consultant tokens are also rate-limited
on writes (429 with `Retry-After`).
"""


@router.post(
    "/v1/interactions",
    status_code=201,
    response_model=InteractionOut,
    description=RECORD_DESCRIPTION,
    responses=WRITE_ERRORS,
)
def record_interaction(body: InteractionIn, caller: Caller, write: Write) -> Response:
    """Record an interaction (staff, or a consultant who took part, under the pair rule)."""
    check_pair_rule(caller, body)
    return write.one(body, service.record_interactions)


@router.post(
    "/v1/interactions/bulk",
    status_code=201,
    response_model=list[InteractionOut],
    responses=WRITE_ERRORS,
)
def record_interactions(body: BulkInteractionsIn, caller: Caller, write: Write) -> Response:
    """Record many interactions at once: all of them, or none (staff only)."""
    require_admin(caller)
    return write.each(body, service.record_interactions)


@router.get(
    "/v1/interactions", response_model=list[InteractionOut], responses=responses(401, 403, 422)
)
def list_interactions(
    request: Request,
    factory: Factory,
    caller: Caller,
    settings: Settings,
    consultant_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> list[InteractionOut]:
    """List interactions, newest first: staff see all, a consultant their own."""
    check_page_size(request, maximum=settings.page_size_max)
    if not caller.is_admin:
        if consultant_id is None:
            consultant_id = uuid.UUID(caller.subject)
        require_self(caller, consultant_id, where="query")
    with unit_of_work(factory) as session:
        return service.list_interactions(session=session, consultant_id=consultant_id, limit=limit)


@router.get(
    "/v1/interactions/{interaction_id:uuid}",
    response_model=InteractionOut,
    responses=responses(401, 404, 422),
)
def get_interaction(interaction_id: uuid.UUID, factory: Factory, caller: Caller) -> InteractionOut:
    """Read one interaction (staff, or a consultant who took part)."""
    with unit_of_work(factory) as session:
        if not caller.is_admin and not service.takes_part(
            session=session, consultant_id=uuid.UUID(caller.subject), interaction_id=interaction_id
        ):
            raise NotFoundError(("path", "interaction_id"), f"no interaction {interaction_id}")
        return service.get_interaction(session=session, interaction_id=interaction_id)
