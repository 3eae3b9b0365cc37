"""My calendar: connect a calendar by consent, see its last read, disconnect it; every change
through profiles, which keeps the credentials encrypted and reads only times and consultants."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.catalogs import texts
from braise_notifier.pages.as_consultant import ProfilesRefusedError
from braise_notifier.pages.session import PageSession, Sessions
from braise_notifier.pages.web import ConsultantSession, ProfilesAs, SessionsDep, page

router = APIRouter(tags=["pages"], include_in_schema=False)


def _page(
    profiles_as: ProfilesAs,
    sessions: Sessions,
    session: PageSession,
    *,
    status: int = 200,
    **notices: Any,
) -> HTMLResponse:
    with profiles_as(session.subject) as profiles:
        locale = profiles.preferences().locale
        calendar = profiles.calendar()
    t = texts(locale)
    last_sync = None
    if calendar and calendar.get("last_synced_at"):
        last_sync = t.day(datetime.fromisoformat(calendar["last_synced_at"]).date())
    context: dict[str, Any] = {"disconnected": False, "refused": None} | notices
    return page(
        "calendar.html",
        t,
        status=status,
        calendar=calendar,
        last_sync=last_sync,
        csrf=sessions.csrf(session),
        **context,
    )


@router.get("/pages/calendar", response_class=HTMLResponse)
def calendar_page(
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    disconnected: bool = False,
) -> Response:
    """Show the consultant's calendar: connected or not, its last read, and the form."""
    return _page(profiles_as, sessions, session, disconnected=disconnected)


@router.post("/pages/calendar", response_class=HTMLResponse)
def connect_calendar(
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
    source: Annotated[Literal["caldav", "ics_url"], Form()],
    url: Annotated[str, Form(max_length=1000)],
    user: Annotated[str, Form(max_length=500)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Connect the calendar through profiles (it reads it a first time), then show it."""
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    connection = {"source": source, "url": url, "user": user or None, "password": password or None}
    with profiles_as(session.subject) as profiles:
        try:
            profiles.connect_calendar(connection)
        except ProfilesRefusedError as exc:
            status = 422 if exc.status < 500 else 503
            return _page(
                profiles_as, sessions, session, status=status, refused=f"{exc.field}: {exc.reason}"
            )
    return RedirectResponse("/pages/calendar", status_code=303)


@router.post("/pages/calendar/disconnect", response_class=HTMLResponse)
def disconnect_calendar(
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
) -> Response:
    """Stop reading the consultant's calendar; profiles deletes its credentials."""
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    with profiles_as(session.subject) as profiles:
        profiles.disconnect_calendar()
    return RedirectResponse("/pages/calendar?disconnected=1", status_code=303)
