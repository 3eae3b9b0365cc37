"""What every page shares: its dependencies, its templates, and the refusal pages."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Cookie, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.pages.as_consultant import AsConsultant
from braise_notifier.pages.session import (
    COOKIE,
    NoSessionError,
    PageSession,
    RedisRevocations,
    Sessions,
    SessionsUnavailableError,
)
from braise_notifier.tokens import TokenError
from braise_shared.locales import DEFAULT_LOCALE

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "pages"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _notifier(request: Request) -> Notifier:
    notifier: Notifier = request.app.state.notifier
    return notifier


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.page_sessions
    return sessions


def _profiles_as(request: Request) -> Callable[[str], AsConsultant]:
    settings = _notifier(request).settings
    secret = settings.jwt_secret.get_secret_value()
    return lambda consultant_id: AsConsultant(settings.profiles_url, secret, consultant_id)


NotifierDep = Annotated[Notifier, Depends(_notifier)]
SessionsDep = Annotated[Sessions, Depends(_sessions)]
# Profiles, acting for a given consultant: `profiles_as(consultant_id)`.
ProfilesAs = Annotated[Callable[[str], AsConsultant], Depends(_profiles_as)]


def consultant_session(
    sessions: SessionsDep, braise_page: Annotated[str | None, Cookie()] = None
) -> PageSession:
    """Return the consultant's page session, or raise NoSessionError."""
    return sessions.read(braise_page, "consultant")


def staff_session(
    sessions: SessionsDep, braise_page: Annotated[str | None, Cookie()] = None
) -> PageSession:
    """Return the staff member's page session, or raise NoSessionError."""
    return sessions.read(braise_page, "staff")


ConsultantSession = Annotated[PageSession, Depends(consultant_session)]
StaffSession = Annotated[PageSession, Depends(staff_session)]


def page(template: str, t: Texts, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page template in a language; `t` words it."""
    html = _env.get_template(template).render(t=t, locale=t.locale, **context)
    return HTMLResponse(html, status_code=status)


def refused_form(t: Texts) -> HTMLResponse:
    """Answer a form posted without its CSRF token (or with another's): 403, reload the page."""
    return page("message.html", t, status=403, message_key="pages.form_refused")


def install(app: FastAPI, notifier: Notifier) -> None:
    """Give the app what the pages need, and readable pages for refused links and sessions."""
    settings = notifier.settings
    app.state.notifier = notifier
    app.state.page_sessions = Sessions(
        settings.link_secret.get_secret_value(),
        max_age_s=settings.page_session_minutes * 60,
        secure=settings.public_url.startswith("https://"),
        revocations=RedisRevocations(notifier.publisher.client),
    )

    @app.exception_handler(TokenError)
    async def _refused_link(_request: Request, _exc: TokenError) -> HTMLResponse:
        return page("message.html", texts(DEFAULT_LOCALE), status=400, message_key="page.invalid")

    @app.exception_handler(NoSessionError)
    async def _no_session(_request: Request, _exc: NoSessionError) -> HTMLResponse:
        response = page(
            "message.html", texts(DEFAULT_LOCALE), status=401, message_key="pages.no_session"
        )
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.exception_handler(SessionsUnavailableError)
    async def _sessions_unavailable(_request: Request, _exc: SessionsUnavailableError) -> Any:
        # The cookie is kept: the session may be valid again once Redis answers.
        return page(
            "message.html", texts(DEFAULT_LOCALE), status=503, message_key="pages.try_later"
        )
