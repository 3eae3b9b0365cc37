"""The signed links that open a consultant's pages and start their session.

A link opens at once in a browser with no session, or with the session of the link's own
consultant. In a browser signed in as someone else, its GET only asks (a page elsewhere can
send a browser to any link it holds); the answer's button POSTs the token with the current
session's CSRF token, and only that POST switches.
"""

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import texts
from braise_notifier.db import RecipientRow
from braise_notifier.pages.gone import account_gone, is_erased
from braise_notifier.pages.session import NoSessionError, PageSession, Role, Sessions
from braise_notifier.pages.web import NotifierDep, SessionsDep, page
from braise_notifier.tokens import LinkClaims
from braise_notifier.typography import elides
from braise_notifier.wording import ELIDED
from braise_shared.locales import DEFAULT_LOCALE

router = APIRouter(tags=["pages"], include_in_schema=False)

ConsultantPage = Literal["preferences", "network"]
SessionCookie = Annotated[str | None, Cookie(alias="braise_page")]
# The question is not to be cached, framed (a hidden button), or sent on as a referrer.
_ASKING_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@router.get("/pages/open/{purpose}", response_class=HTMLResponse)
def open_page(
    purpose: ConsultantPage,
    token: str,
    notifier: NotifierDep,
    sessions: SessionsDep,
    braise_page: SessionCookie = None,
) -> Response:
    """Open a page from a digest's link: start a short session, then drop the token from the URL;
    in a browser signed in as someone else, ask first."""
    claims = notifier.signer.verify(purpose, token)
    if is_erased(notifier, claims.consultant_id):
        return account_gone(end_session=False)
    current = _current(sessions, braise_page)
    if current is None or _is_theirs(current, claims) or _is_gone(notifier, current):
        return _open(purpose, claims, sessions)
    return _ask_before_switching(notifier, sessions, current, purpose, token, claims)


@router.post("/pages/open/{purpose}", response_class=HTMLResponse)
def switch_and_open(
    purpose: ConsultantPage,
    token: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    notifier: NotifierDep,
    sessions: SessionsDep,
    braise_page: SessionCookie = None,
) -> Response:
    """Open the link's page in place of the current session, as its question's button asks."""
    claims = notifier.signer.verify(purpose, token)
    current = _current(sessions, braise_page)
    if current is None:
        # No cookie came: the session ended meanwhile, or the form was posted from another site
        # (SameSite=Lax keeps the cookie home). The link's GET sees which, and asks if need be.
        query = urlencode({"token": token})
        return RedirectResponse(f"/pages/open/{purpose}?{query}", status_code=303)
    if not sessions.check_csrf(current, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    if is_erased(notifier, claims.consultant_id):
        return account_gone(end_session=False)
    return _open(purpose, claims, sessions)


def _open(purpose: ConsultantPage, claims: LinkClaims, sessions: Sessions) -> Response:
    response = RedirectResponse(f"/pages/{purpose}", status_code=303)
    sessions.open(response, "consultant", claims.consultant_id)
    return response


def _current(sessions: Sessions, cookie: str | None) -> PageSession | None:
    """Return the browser's page session, a consultant's or staff's; None when it has none."""
    roles: tuple[Role, ...] = ("consultant", "staff")
    for role in roles:
        try:
            return sessions.read(cookie, role)
        except NoSessionError:
            continue
    return None


def _is_theirs(session: PageSession, claims: LinkClaims) -> bool:
    return session.role == "consultant" and session.subject == claims.consultant_id


def _is_gone(notifier: Notifier, session: PageSession) -> bool:
    """Tell whether a session is an erased consultant's: nobody is left to ask."""
    return session.role == "consultant" and is_erased(notifier, session.subject)


def _ask_before_switching(
    notifier: Notifier,
    sessions: Sessions,
    current: PageSession,
    purpose: ConsultantPage,
    token: str,
    claims: LinkClaims,
) -> HTMLResponse:
    """Ask, in the current reader's language, whether to leave their session for the link's."""
    me = _recipient(notifier, current.subject) if current.role == "consultant" else None
    other = _recipient(notifier, claims.consultant_id)
    t = texts(me.locale if me else DEFAULT_LOCALE)
    my_name = me.name if me else current.subject  # staff: their address
    their_name = other.name if other else t.get("pages.switch.someone")
    response = page(
        "switch.html",
        t,
        purpose=purpose,
        token=token,
        csrf=sessions.csrf(current),
        signed_in=t.get("pages.switch.signed_in", contexts=_elided(my_name), name=my_name),
        question=t.get("pages.switch.question", contexts=_elided(their_name), name=their_name),
        open_label=t.get("pages.switch.open", contexts=_elided(their_name), name=their_name),
        stay_url=f"/pages/{purpose}" if current.role == "consultant" else "/pages/firm",
    )
    response.headers.update(_ASKING_HEADERS)
    return response


def _elided(name: str) -> tuple[str, ...]:
    """Return the catalog context French needs before this name ("d'Inès", "de Karim")."""
    return (ELIDED,) if elides(name) else ()


def _recipient(notifier: Notifier, consultant_id: str) -> RecipientRow | None:
    with notifier.factory() as db:
        return db.get(RecipientRow, consultant_id)
