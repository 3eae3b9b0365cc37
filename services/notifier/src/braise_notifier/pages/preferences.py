"""My preferences: a rhythm, a break apart from it, day, language, consent, and the people I
said never to; every change through profiles or the stream, as from the API and the digest's
links.

One idea of a break: the rhythm is weekly, every two weeks or monthly; a break runs until a day
(`resume_on`: from that day the rhythm applies again by itself) or, with no end, until the
reader resumes (frequency `paused`). "Resume now" ends either, at the rhythm the form shows.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.db import RecipientRow, unit_of_work
from braise_notifier.feedback import publish_feedback
from braise_notifier.graph_client import GraphContractError, GraphUnavailableError
from braise_notifier.pages.as_consultant import Preferences, ProfilesRefusedError
from braise_notifier.pages.session import PageSession, Sessions
from braise_notifier.pages.web import ConsultantSession, NotifierDep, ProfilesAs, SessionsDep, page
from braise_notifier.schedule import local_today, paused_on, week_period
from braise_shared.candidates import DeclinedPerson
from braise_shared.events import DayOfWeek, Frequency
from braise_shared.locales import LOCALES, Locale

router = APIRouter(tags=["pages"], include_in_schema=False)

# The rhythms offered; `paused` is the break with no end, chosen among the breaks.
RHYTHMS: tuple[Frequency, ...] = ("weekly", "biweekly", "monthly")
DAYS: tuple[DayOfWeek, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
# The breaks offered: until the day N weeks ahead, or "open" (until the reader resumes);
# "keep" leaves a running one as it is, "none" ends it.
PAUSE_WEEKS = (1, 2, 4, 8, 12)
Pause = Literal["keep", "none", "open", "1", "2", "4", "8", "12"]


def resume_day(pause: Pause, today: date) -> date | Literal["keep"] | None:
    """Return the day digests resume after the break chosen on the form (None: no dated break)."""
    if pause == "keep":
        return "keep"
    if pause in ("none", "open"):
        return None
    return today + timedelta(weeks=int(pause))


def _break_words(t: Texts, prefs: Preferences, today: date) -> str | None:
    """Say until when nothing is sent, or None when digests follow the rhythm."""
    if prefs.frequency == "paused":
        return t.get("pages.preferences.paused_open")
    if prefs.resume_on is not None and paused_on(today, prefs.resume_on):
        last = prefs.resume_on - timedelta(days=1)
        return t.get(
            "pages.preferences.paused_until",
            last=t.near_day(last, today),
            resume=t.near_day(prefs.resume_on, today),
        )
    return None


def _today(notifier: Notifier) -> date:
    return local_today(datetime.now(UTC), notifier.settings.timezone)


def _signed_in(notifier: Notifier, consultant_id: str) -> tuple[str, str] | None:
    """Return the name and address of the consultant whose page this is."""
    with notifier.factory() as session:
        row = session.get(RecipientRow, consultant_id)
    return (row.name, row.email) if row else None


def _declined(notifier: Notifier, consultant_id: str) -> list[DeclinedPerson] | None:
    """Return the people the consultant said never to; None when the graph cannot tell."""
    try:
        return notifier.graph.declined(consultant_id)
    except (GraphUnavailableError, GraphContractError):
        return None


def _form(
    notifier: Notifier,
    sessions: Sessions,
    session: PageSession,
    prefs: Preferences,
    *,
    status: int = 200,
    **notices: Any,
) -> HTMLResponse:
    t = texts(prefs.locale)
    today = _today(notifier)
    unsubscribed = _unsubscribed(notifier, session.subject)
    # An unsubscribed reader's `paused` is no break: the page says they unsubscribed instead.
    on_break = None if unsubscribed else _break_words(t, prefs, today)
    first = ("keep", t.get("pages.preferences.pause_keep")) if on_break else None
    pauses = [first or ("none", t.get("pages.preferences.pause_none"))]
    pauses += [
        (
            str(n),
            t.get(
                "pages.preferences.pause_until",
                when=t.near_day(today + timedelta(weeks=n) - timedelta(days=1), today),
            ),
        )
        for n in PAUSE_WEEKS
    ]
    if not (on_break and prefs.frequency == "paused"):
        pauses.append(("open", t.get("pages.preferences.pause_open")))
    context: dict[str, Any] = {"saved": False, "error": None, "undone": None} | notices
    if prefs.frequency == "paused":
        # The rhythm shown is the one a re-subscription, or the end of the break, would take.
        prefs = prefs.model_copy(update={"frequency": "weekly"})
    return page(
        "preferences.html",
        t,
        status=status,
        prefs=prefs,
        csrf=sessions.csrf(session),
        unsubscribed=unsubscribed,
        frequencies=RHYTHMS,
        days=DAYS,
        locales=LOCALES,
        pauses=pauses,
        on_break=on_break,
        declined=_declined(notifier, session.subject),
        signed_in=_signed_in(notifier, session.subject),
        **context,
    )


def _unsubscribed(notifier: Notifier, consultant_id: str) -> bool:
    """Tell whether the consultant unsubscribed (a digest's link) and has not come back since."""
    with notifier.factory() as db:
        row = db.get(RecipientRow, consultant_id)
    return row is not None and row.unsubscribed


def _resubscribed(notifier: Notifier, consultant_id: str) -> None:
    """Record in the notifier's directory that the consultant chose to receive digests again."""
    with unit_of_work(notifier.factory) as db:
        row = db.get(RecipientRow, consultant_id)
        if row is not None:
            row.unsubscribed = False


def _name(notifier: Notifier, person_id: str) -> str:
    with notifier.factory() as db:
        row = db.get(RecipientRow, person_id)
    return row.name if row else "?"


@router.get("/pages/preferences", response_class=HTMLResponse)
def preferences_page(
    notifier: NotifierDep,
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    saved: bool = False,
    undone: uuid.UUID | None = None,
) -> Response:
    """Show the consultant's preferences as a form, and the people they said never to."""
    with profiles_as(session.subject) as profiles:
        current = profiles.preferences()
    name = _name(notifier, str(undone)) if undone else None
    return _form(notifier, sessions, session, current, saved=saved, undone=name)


@router.post("/pages/preferences", response_class=HTMLResponse)
def change_preferences(
    notifier: NotifierDep,
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
    frequency: Annotated[Frequency, Form()],
    day_of_week: Annotated[DayOfWeek, Form()],
    locale: Annotated[Locale, Form()],
    suggestable: Annotated[bool, Form()] = False,
    pause: Annotated[Pause, Form()] = "keep",
    resume: Annotated[bool, Form()] = False,
    resubscribe: Annotated[bool, Form()] = False,
) -> Response:
    """Change the preferences through profiles, then show them again (post, redirect, get).

    A consultant who unsubscribed stays so (frequency paused) unless they tick "resubscribe".
    "Resume now" (`resume`) ends a break, dated or not, at the rhythm the form shows; a break
    kept as it is keeps an open one open (frequency paused), whatever rhythm the form shows.
    """
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    pause = "none" if resume else pause
    coming_back = False
    unsubscribed = _unsubscribed(notifier, session.subject)
    if unsubscribed:
        if resubscribe and (frequency == "paused" or pause == "open"):
            with profiles_as(session.subject) as profiles:
                current = profiles.preferences()
            return _form(notifier, sessions, session, current, status=422, error="frequency")
        coming_back = resubscribe
        frequency = frequency if resubscribe else "paused"
    elif pause == "open":
        frequency = "paused"
    changes: dict[str, Any] = {
        "frequency": frequency,
        "day_of_week": day_of_week,
        "locale": locale,
        "suggestable": suggestable,
    }
    resume_on = resume_day(pause, _today(notifier))
    if resume_on != "keep":
        changes["resume_on"] = resume_on.isoformat() if resume_on else None
    with profiles_as(session.subject) as profiles:
        try:
            if (
                pause == "keep"
                and not unsubscribed
                and profiles.preferences().frequency == "paused"
            ):
                changes["frequency"] = "paused"  # an open break, kept
            profiles.change_preferences(changes)
        except ProfilesRefusedError as exc:
            status = 422 if exc.status < 500 else 503
            current = profiles.preferences()
            return _form(notifier, sessions, session, current, status=status, error=exc.field)
    if coming_back:  # as the unsubscribe link does, at once: the event follows
        _resubscribed(notifier, session.subject)
    return RedirectResponse("/pages/preferences?saved=1", status_code=303)


@router.post("/pages/preferences/undo-never", response_class=HTMLResponse)
def undo_never(
    notifier: NotifierDep,
    profiles_as: ProfilesAs,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
    other_id: Annotated[uuid.UUID, Form()],
) -> Response:
    """Let someone the consultant said never to be suggested again (`suggestion.feedback`)."""
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    declined = _declined(notifier, session.subject)
    if declined is None or str(other_id) not in {p.other_id for p in declined}:
        with profiles_as(session.subject) as profiles:
            current = profiles.preferences()
        status = 503 if declined is None else 422
        return _form(notifier, sessions, session, current, status=status, error="other_id")
    period = week_period(_today(notifier))
    publish_feedback(notifier.publisher, session.subject, str(other_id), "undo_never", period)
    return RedirectResponse(f"/pages/preferences?undone={other_id}", status_code=303)
