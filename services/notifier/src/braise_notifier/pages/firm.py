"""The firm's view for staff: signed in by an e-mailed link; aggregates only, no names."""

import logging
from datetime import UTC, datetime
from typing import Annotated

import redis
from fastapi import APIRouter, Cookie, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from kombu.exceptions import OperationalError

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.history import OTHER_SECTORS
from braise_notifier.pages.dashboard import Dashboard, dashboard
from braise_notifier.pages.occasions import upcoming_occasions
from braise_notifier.pages.picture import sector_matrix, stage_shares, thinning
from braise_notifier.pages.session import SessionsUnavailableError
from braise_notifier.pages.web import (
    NotifierDep,
    SessionsDep,
    StaffSession,
    page,
    refused_form,
)
from braise_notifier.staff_sign_in import MAIL_TASK, EnqueueSignIn, SignInLimits, consume_link
from braise_notifier.tasks import make_celery
from braise_shared.bearer import Staff
from braise_shared.locales import DEFAULT_LOCALE
from braise_shared.tags import Tag
from braise_shared.taxonomy import Taxonomy, load_taxonomy

router = APIRouter(tags=["pages"], include_in_schema=False)
api = APIRouter(tags=["dashboard"])
log = logging.getLogger(__name__)


def install(app: FastAPI, notifier: Notifier) -> None:
    """Hand sign-in addresses to the Celery worker (a test may set another enqueue_sign_in)."""
    celery = make_celery(notifier.settings)
    app.state.enqueue_sign_in = lambda address: celery.send_task(MAIL_TASK, args=(address,))


def _enqueue_sign_in(request: Request) -> EnqueueSignIn:
    enqueue: EnqueueSignIn = request.app.state.enqueue_sign_in
    return enqueue


def _limits(notifier: NotifierDep) -> SignInLimits:
    return SignInLimits(notifier.publisher.client, notifier.settings)


FormCookie = Annotated[str | None, Cookie(alias="braise_form")]


@router.get("/pages/staff", response_class=HTMLResponse)
def sign_in_page(sessions: SessionsDep, braise_form: FormCookie = None) -> Response:
    """Ask a staff member for their address (a form with its CSRF token)."""
    cookie = braise_form or sessions.new_form_cookie()
    answer = page(
        "staff_sign_in.html", texts(DEFAULT_LOCALE), sent=False, csrf=sessions.form_csrf(cookie)
    )
    sessions.keep_form_cookie(answer, cookie)
    return answer


@router.post("/pages/staff", response_class=HTMLResponse)
def send_sign_in_link(
    request: Request,
    sessions: SessionsDep,
    limits: Annotated[SignInLimits, Depends(_limits)],
    enqueue: Annotated[EnqueueSignIn, Depends(_enqueue_sign_in)],
    email: Annotated[str, Form(max_length=320)],
    csrf: Annotated[str, Form()] = "",
    braise_form: FormCookie = None,
) -> Response:
    """Hand any address to the worker, which mails a link only to staff: the same answer and
    the same work here whoever asks; past a limit, nothing is enqueued."""
    t = texts(DEFAULT_LOCALE)
    if not sessions.check_form_csrf(braise_form, csrf):
        return refused_form(t)
    client = request.client.host if request.client else "unknown"
    try:
        if not limits.client_allowed(client):
            answer = page("message.html", t, status=429, message_key="pages.staff.too_many")
            answer.headers["Retry-After"] = str(limits.client_window_s)
            return answer
        # Over its limit, an address gets the same answer: the limit tells nothing about it.
        if limits.address_allowed(email.strip().lower()):
            enqueue(email.strip().lower())
    except (redis.RedisError, OperationalError) as exc:
        log.warning("staff sign-in not enqueued: %s", exc)
        return page("message.html", t, status=503, message_key="pages.try_later")
    return page("staff_sign_in.html", t, sent=True)


@router.get("/pages/staff/open")
def open_staff(token: str, notifier: NotifierDep, sessions: SessionsDep) -> RedirectResponse:
    """Open the firm's view from the e-mailed link: once, within its 15 minutes."""
    try:
        claims = consume_link(notifier.signer, notifier.publisher.client, token)
    except redis.RedisError as exc:
        raise SessionsUnavailableError(str(exc)) from exc
    response = RedirectResponse("/pages/firm", status_code=303)
    sessions.open(response, "staff", claims.consultant_id)
    return response


@router.post("/pages/staff/logout", response_class=HTMLResponse)
def sign_out(
    sessions: SessionsDep, session: StaffSession, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Close the staff session: revoked on the server until it expires, its cookie cleared."""
    t = texts(DEFAULT_LOCALE)
    if not sessions.check_csrf(session, csrf):
        return refused_form(t)
    answer = page("message.html", t, message_key="pages.staff.signed_out")
    sessions.close(answer, session)
    return answer


@router.get("/pages/firm", response_class=HTMLResponse)
def firm_page(notifier: NotifierDep, sessions: SessionsDep, staff: StaffSession) -> Response:
    """Show the firm's network at a glance (live links between sectors, the share of each stage
    week after week, where it thins), then digests, answers and the closed loop."""
    t = texts(DEFAULT_LOCALE)
    taxonomy = load_taxonomy()
    figures = dashboard(notifier, now=datetime.now(UTC))
    matrix = (
        sector_matrix(
            figures.sectors,
            taxonomy,
            locale=t.locale,
            others=t.get("pages.firm.no_sector"),
            none=t.get("pages.firm.without_sector"),
        )
        if figures.sectors is not None
        else None
    )
    sector_weeks = [
        (
            w.week,
            {
                key: (_sector_label(t, taxonomy, key, w.labels.get(key, key)), n)
                for key, n in w.links_by_sector.items()
            },
        )
        for w in figures.sector_history
    ]
    return page(
        "firm.html",
        t,
        figures=figures,
        matrix=matrix,
        read_at=_when(figures.sectors.at) if figures.sectors is not None else None,
        shares=stage_shares(
            [(w.week, f"{w.recorded_at:%Y-%m-%d}", w.links_by_stage) for w in figures.history[-8:]]
        ),
        thinning=thinning(sector_weeks),
        word=lambda prefix, key: _word(t, prefix, key),
        csrf=sessions.csrf(staff),
        occasions=upcoming_occasions(notifier, t),
    )


def _when(at: datetime) -> str:
    """Return a time as staff read it on the page: the day and the hour, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _sector_label(t: Texts, taxonomy: Taxonomy, key: str, label: str) -> str:
    """Return a recorded sector's words in the page's language ("" is no sector; the small
    sectors folded together are "others")."""
    if not key:
        return t.get("pages.firm.without_sector")
    if key == OTHER_SECTORS:
        return t.get("pages.firm.no_sector")
    return taxonomy.label(Tag(key=key, label=label or key), t.locale)


def _word(t: Texts, prefix: str, key: str) -> str:
    """Return the words of a stage, gesture or reason code; the code itself when unknown."""
    return t.get(f"{prefix}.{key}") if t.has(f"{prefix}.{key}") else key


@api.get(
    "/v1/dashboard",
    response_model=Dashboard,
    responses={
        401: {"description": "No valid staff bearer token (missing, expired, forged)."},
        403: {"description": "The token is not a staff or service token."},
    },
)
def dashboard_json(notifier: NotifierDep, _staff: Staff) -> Dashboard:
    """The firm's view as JSON, for scripts (staff token): aggregates only, no names."""
    return dashboard(notifier, now=datetime.now(UTC))
