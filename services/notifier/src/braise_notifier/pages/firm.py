"""The firm's view for staff: signed in by an e-mailed link; aggregates only, no names."""

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import texts
from braise_notifier.db import DigestRow
from braise_notifier.mailer import MAIL_POLICY
from braise_notifier.pages.loop import meetings_of, revival_rates, sent_suggestions
from braise_notifier.pages.web import NotifierDep, SessionsDep, StaffSession, page
from braise_notifier.tokens import LinkClaims
from braise_shared.auth import InvalidTokenError, verify_token

router = APIRouter(tags=["pages"], include_in_schema=False)
api = APIRouter(tags=["dashboard"])
_bearer = HTTPBearer(auto_error=False)
STAFF_LINK_MAX_AGE_S = 15 * 60


def dashboard(notifier: Notifier, *, now: datetime) -> dict[str, Any]:
    """Return the firm's figures: links per stage, digests per period, the closed loop."""
    with notifier.factory() as session:
        rows = session.execute(
            select(DigestRow.period, DigestRow.state, func.count())
            .group_by(DigestRow.period, DigestRow.state)
            .order_by(DigestRow.period)
        ).all()
        rates = revival_rates(sent_suggestions(session), meetings_of(session), now=now)
    periods: dict[str, dict[str, int]] = {}
    for period, state, count in rows:
        periods.setdefault(str(period), {})[str(state)] = int(count)
    return {
        "links_by_stage": _links_by_stage(notifier),
        "digests_by_period": periods,
        "revival": {
            "window_weeks": 8,
            **{
                by: [
                    {
                        "key": r.key,
                        "suggestions": r.suggestions,
                        "revived": r.revived,
                        "rate": r.rate,
                    }
                    for r in figures
                ]
                for by, figures in rates.items()
            },
        },
    }


def _links_by_stage(notifier: Notifier) -> dict[str, int] | None:
    try:
        response = notifier.digests.graph.http.get("/v1/stats")  # type: ignore[attr-defined]
        response.raise_for_status()
    except httpx.HTTPError:
        return None  # the page still shows what the notifier knows
    figures: dict[str, int] = response.json().get("links_by_stage", {})
    return figures


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
        message["From"] = settings.mail_from
        message["To"] = address
        message["Subject"] = texts("fr").get("pages.staff.mail_subject")
        link = f"{settings.public_url.rstrip('/')}/pages/staff/open?{urlencode({'token': token})}"
        message.set_content(f"{texts('fr').get('pages.staff.mail_body')}\n{link}\n")
        notifier.digests.mailer.send(message)
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
    """Show the firm's network health, digests and the closed loop."""
    figures = dashboard(notifier, now=datetime.now(UTC))
    return page("firm.html", texts("fr"), figures=figures)


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


@api.get("/v1/dashboard", dependencies=[Depends(_staff_token)])
def dashboard_json(notifier: NotifierDep) -> dict[str, Any]:
    """The firm's view as JSON, for scripts (staff token)."""
    return dashboard(notifier, now=datetime.now(UTC))
