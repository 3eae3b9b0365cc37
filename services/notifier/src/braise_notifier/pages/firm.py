"""The firm's view for staff: signed in by an e-mailed link; aggregates only, no names."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from braise_notifier.catalogs import Texts, texts
from braise_notifier.mailer import MAIL_POLICY, sender_domain
from braise_notifier.pages.dashboard import Dashboard, dashboard
from braise_notifier.pages.picture import drawing, sector_colours, weekly_chart
from braise_notifier.pages.web import NotifierDep, SessionsDep, StaffSession, page
from braise_notifier.tokens import LinkClaims
from braise_shared.auth import InvalidTokenError, verify_token
from braise_shared.taxonomy import load_taxonomy

router = APIRouter(tags=["pages"], include_in_schema=False)
api = APIRouter(tags=["dashboard"])
_bearer = HTTPBearer(auto_error=False)
STAFF_LINK_MAX_AGE_S = 15 * 60


@router.get("/pages/staff", response_class=HTMLResponse)
def sign_in_page() -> Response:
    """Ask a staff member for their address."""
    return page("staff_sign_in.html", texts("fr"), sent=False)


@router.post("/pages/staff", response_class=HTMLResponse)
def send_sign_in_link(notifier: NotifierDep, email: Annotated[str, Form()]) -> Response:
    """E-mail a short-lived sign-in link to a configured staff address (same answer for any)."""
    settings = notifier.settings
    address = email.strip().lower()
    if address in {e.lower() for e in settings.staff_emails}:
        token = notifier.signer.sign(LinkClaims("staff", address))
        message = EmailMessage(policy=MAIL_POLICY)
        message["Message-ID"] = make_msgid("staff-sign-in", domain=sender_domain(settings.sender))
        message["Date"] = format_datetime(datetime.now(UTC))
        message["From"] = settings.sender
        message["To"] = address
        message["Subject"] = texts("fr").get("pages.staff.mail_subject")
        message["Auto-Submitted"] = "auto-generated"
        link = f"{settings.public_url.rstrip('/')}/pages/staff/open?{urlencode({'token': token})}"
        message.set_content(f"{texts('fr').get('pages.staff.mail_body')}\n{link}\n")
        message["Content-Language"] = "fr"  # after the body: set_content clears Content-*
        notifier.digests.mailer.send(message, [address])
    return page("staff_sign_in.html", texts("fr"), sent=True)


@router.get("/pages/staff/open")
def open_staff(token: str, notifier: NotifierDep, sessions: SessionsDep) -> RedirectResponse:
    """Open the firm's view from the e-mailed link (valid 15 minutes)."""
    claims = notifier.signer.verify("staff", token, max_age_s=STAFF_LINK_MAX_AGE_S)
    response = RedirectResponse("/pages/firm", status_code=303)
    sessions.open(response, "staff", claims.consultant_id)
    return response


@router.get("/pages/firm", response_class=HTMLResponse)
def firm_page(notifier: NotifierDep, _staff: StaffSession) -> Response:
    """Show the firm's network (picture and health), digests, answers and the closed loop."""
    t = texts("fr")
    figures = dashboard(notifier, now=datetime.now(UTC))
    legend = (
        sector_colours(
            figures.network,
            load_taxonomy(),
            locale=t.locale,
            other_label=t.get("pages.firm.no_sector"),
        )
        if figures.network
        else []
    )
    return page(
        "firm.html",
        t,
        figures=figures,
        legend=legend,
        drawing=drawing(figures.network, legend) if figures.network else None,
        chart=weekly_chart(figures.history),
        word=lambda prefix, key: _word(t, prefix, key),
    )


def _word(t: Texts, prefix: str, key: str) -> str:
    """Return the words of a stage, gesture or reason code; the code itself when unknown."""
    return t.get(f"{prefix}.{key}") if t.has(f"{prefix}.{key}") else key


def _staff_token(
    notifier: NotifierDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is None:
        raise HTTPException(401, detail="missing bearer token")
    try:
        principal = verify_token(
            notifier.settings.jwt_secret.get_secret_value(), credentials.credentials
        )
    except InvalidTokenError as exc:
        raise HTTPException(401, detail=str(exc)) from exc
    if not principal.is_admin:
        raise HTTPException(403, detail="staff only")


@api.get(
    "/v1/dashboard",
    dependencies=[Depends(_staff_token)],
    response_model=Dashboard,
    responses={
        401: {"description": "No valid staff bearer token (missing, expired, forged)."},
        403: {"description": "The token is not a staff or service token."},
    },
)
def dashboard_json(notifier: NotifierDep) -> Dashboard:
    """The firm's view as JSON, for scripts (staff token): aggregates only, no names."""
    return dashboard(notifier, now=datetime.now(UTC))
