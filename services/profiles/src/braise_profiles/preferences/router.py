"""The preferences routes under /v1/consultants/{id}/preferences."""

import uuid

from fastapi import APIRouter, Response

from braise_profiles.db import unit_of_work
from braise_profiles.deps import Caller, Factory, Write, require_self
from braise_profiles.http_errors import responses
from braise_profiles.preferences import service
from braise_profiles.preferences.schemas import PreferencesIn, PreferencesOut

router = APIRouter(tags=["preferences"])


@router.get(
    "/v1/consultants/{consultant_id:uuid}/preferences",
    response_model=PreferencesOut,
    responses=responses(401, 403, 404, 422),
)
def get_preferences(consultant_id: uuid.UUID, factory: Factory, caller: Caller) -> PreferencesOut:
    """Read a consultant's digest preferences and consent."""
    require_self(caller, consultant_id)
    with unit_of_work(factory) as session:
        return service.get_preferences(session=session, consultant_id=consultant_id)


@router.put(
    "/v1/consultants/{consultant_id:uuid}/preferences",
    response_model=PreferencesOut,
    responses=responses(400, 401, 403, 404, 409, 413, 422, 429),
)
def change_preferences(
    consultant_id: uuid.UUID, body: PreferencesIn, caller: Caller, write: Write
) -> Response:
    """Change digest frequency, day, language or consent; fields left out keep their value."""
    require_self(caller, consultant_id)
    return write.changes(
        body,
        lambda session: service.change_preferences(
            session=session, consultant_id=consultant_id, preferences=body
        ),
    )
