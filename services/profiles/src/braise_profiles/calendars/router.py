"""The calendar routes: the firm's events calendars (staff) and a consultant's own (theirs)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from braise_profiles.calendars import service
from braise_profiles.calendars.schemas import (
    CalendarOut,
    ConnectionIn,
    FirmCalendarIn,
    OwnCalendarOut,
    SyncOut,
)
from braise_profiles.db import unit_of_work
from braise_profiles.deps import Caller, Factory, Settings, require_admin, require_self
from braise_profiles.fields import Name
from braise_profiles.http_errors import responses

router = APIRouter(tags=["calendars"])
STAFF_ERRORS = responses(401, 403, 404, 422)
ICS_MEDIA = {"text/calendar": {"schema": {"type": "string", "format": "binary"}}}

UPLOAD_DESCRIPTION = """Import an iCalendar document (`Content-Type: text/calendar`) as a firm
events calendar (staff only). It is refused whole, nothing written, when it is larger than
`BRAISE_PROFILES_CALENDAR_MAX_BYTES` (413, before it is read) or cannot be read (422 naming
the problem). Events without a UID are set aside and counted (`skipped.no_uid`)."""


@router.post(
    "/v1/calendars",
    status_code=201,
    response_model=SyncOut,
    responses=responses(400, 401, 403, 422),
)
def register_calendar(
    body: FirmCalendarIn, caller: Caller, factory: Factory, settings: Settings
) -> SyncOut:
    """Register the firm's events calendar (an ICS address or CalDAV) and sync it (staff)."""
    require_admin(caller)
    return service.register_firm_calendar(factory, settings, name=body.name, body=body)


async def _document(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/v1/calendars/ics",
    status_code=201,
    response_model=SyncOut,
    description=UPLOAD_DESCRIPTION,
    responses=responses(401, 403, 413, 422),
    openapi_extra={"requestBody": {"content": ICS_MEDIA, "required": True}},
)
async def upload_calendar(
    request: Request,
    caller: Caller,
    factory: Factory,
    settings: Settings,
    name: Annotated[Name, Query(description="How staff call it.")] = "Événements du cabinet",
) -> SyncOut:
    """Import an uploaded ICS document as a new firm calendar (staff)."""
    require_admin(caller)
    data = await _document(request)
    return service.upload_firm_calendar(factory, settings, data=data, name=name)


@router.put(
    "/v1/calendars/{calendar_id:uuid}/ics",
    response_model=SyncOut,
    responses=responses(401, 403, 404, 413, 422),
    openapi_extra={"requestBody": {"content": ICS_MEDIA, "required": True}},
)
async def upload_calendar_again(
    calendar_id: uuid.UUID, request: Request, caller: Caller, factory: Factory, settings: Settings
) -> SyncOut:
    """Import a new version of an uploaded firm calendar: what changed, and only that (staff)."""
    require_admin(caller)
    data = await _document(request)
    return service.upload_firm_calendar(factory, settings, data=data, calendar_id=calendar_id)


@router.get("/v1/calendars", response_model=list[CalendarOut], responses=STAFF_ERRORS)
def list_calendars(
    caller: Caller, factory: Factory, settings: Settings, firm_only: bool = False
) -> list[CalendarOut]:
    """List the calendars with each one's last sync, last error and counts (staff)."""
    require_admin(caller)
    with factory() as session:
        return service.list_calendars(session, settings, firm_only=firm_only)


@router.get("/v1/calendars/{calendar_id:uuid}", response_model=CalendarOut, responses=STAFF_ERRORS)
def get_calendar(
    calendar_id: uuid.UUID, caller: Caller, factory: Factory, settings: Settings
) -> CalendarOut:
    """Show one calendar's status (staff)."""
    require_admin(caller)
    with factory() as session:
        return service.get_calendar(session, settings, calendar_id)


@router.post(
    "/v1/calendars/{calendar_id:uuid}/sync", response_model=SyncOut, responses=STAFF_ERRORS
)
def sync_calendar_now(
    calendar_id: uuid.UUID, caller: Caller, factory: Factory, settings: Settings
) -> SyncOut:
    """Sync one calendar now; a failure is in `error` and the calendar's last error (staff)."""
    require_admin(caller)
    return service.sync_now(factory, settings, calendar_id)


@router.get(
    "/v1/consultants/{consultant_id:uuid}/calendar",
    response_model=OwnCalendarOut,
    responses=responses(401, 403, 404, 422),
)
def own_calendar(
    consultant_id: uuid.UUID, caller: Caller, factory: Factory, settings: Settings
) -> OwnCalendarOut:
    """Show whether a consultant's calendar is connected, its last sync and last error."""
    require_self(caller, consultant_id)
    with factory() as session:
        found = service.own_calendar(session, settings, consultant_id)
    return OwnCalendarOut(connected=found is not None, calendar=found)


@router.put(
    "/v1/consultants/{consultant_id:uuid}/calendar",
    response_model=SyncOut,
    responses=responses(400, 401, 403, 404, 422),
)
def connect_own_calendar(
    consultant_id: uuid.UUID,
    body: ConnectionIn,
    caller: Caller,
    factory: Factory,
    settings: Settings,
) -> SyncOut:
    """Connect a consultant's own calendar, by their consent, and sync it a first time.

    Only meetings with another consultant count, and only their times and participants are
    kept: never a title, a description, a place or anyone who is not a consultant.
    """
    require_self(caller, consultant_id)
    return service.connect_own_calendar(factory, settings, consultant_id=consultant_id, body=body)


@router.delete(
    "/v1/consultants/{consultant_id:uuid}/calendar",
    status_code=204,
    responses=responses(401, 403, 404, 422),
)
def disconnect_own_calendar(consultant_id: uuid.UUID, caller: Caller, factory: Factory) -> Response:
    """Stop reading a consultant's calendar; its credentials and occurrences are deleted."""
    require_self(caller, consultant_id)
    with unit_of_work(factory) as session:
        service.disconnect_own_calendar(session=session, consultant_id=consultant_id)
    return Response(status_code=204)
