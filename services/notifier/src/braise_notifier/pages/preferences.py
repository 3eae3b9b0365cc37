"""My preferences: frequency, day, language and consent, changed through profiles."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.catalogs import texts
from braise_notifier.pages.as_consultant import ProfilesRefusedError
from braise_notifier.pages.web import ConsultantSession, ProfilesAs, SessionsDep, page
from braise_shared.events import DayOfWeek, Frequency, Locale

router = APIRouter(tags=["pages"], include_in_schema=False)

FREQUENCIES: tuple[Frequency, ...] = ("weekly", "biweekly", "monthly", "paused")
DAYS: tuple[DayOfWeek, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
LOCALES: tuple[Locale, ...] = ("fr", "en")


@router.get("/pages/preferences", response_class=HTMLResponse)
def preferences_page(
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    saved: bool = False,
) -> Response:
    """Show the consultant's preferences as a form."""
    with profiles_as(session.subject) as profiles:
        current = profiles.preferences()
    return page(
        "preferences.html",
        texts(current.locale),
        prefs=current,
        csrf=sessions.csrf(session),
        frequencies=FREQUENCIES,
        days=DAYS,
        locales=LOCALES,
        saved=saved,
        error=None,
    )


@router.post("/pages/preferences", response_class=HTMLResponse)
def change_preferences(
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
    frequency: Annotated[Frequency, Form()],
    day_of_week: Annotated[DayOfWeek, Form()],
    locale: Annotated[Locale, Form()],
    suggestable: Annotated[bool, Form()] = False,
) -> Response:
    """Change the preferences through profiles, then show them again (post, redirect, get)."""
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    changes: dict[str, Any] = {
        "frequency": frequency,
        "day_of_week": day_of_week,
        "locale": locale,
        "suggestable": suggestable,
    }
    with profiles_as(session.subject) as profiles:
        try:
            profiles.change_preferences(changes)
        except ProfilesRefusedError as exc:
            current = profiles.preferences()
            return page(
                "preferences.html",
                texts(current.locale),
                status=422 if exc.status < 500 else 503,
                prefs=current,
                csrf=sessions.csrf(session),
                frequencies=FREQUENCIES,
                days=DAYS,
                locales=LOCALES,
                saved=False,
                error=exc.field,
            )
    return RedirectResponse("/pages/preferences?saved=1", status_code=303)
