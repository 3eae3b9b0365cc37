"""The notifier's small HTTP app: one-click unsubscribe, suggestion links, admin preview and run."""

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator
from sqlalchemy import func, select

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.db import DigestRow, RecipientRow, erased_among, unit_of_work
from braise_notifier.feedback import publish_feedback
from braise_notifier.pages.message import Button, message_page, reader_links
from braise_notifier.pages.routes import include_pages
from braise_notifier.planning import EnqueueError, everyone_for, plan
from braise_notifier.render import render_parts
from braise_notifier.schedule import PERIOD_FORMAT, local_today, parse_period
from braise_notifier.service import RetryLaterError
from braise_notifier.tokens import AnyPurpose, LinkClaims, LinkSigner, Purpose, TokenError
from braise_shared.apidoc import error_responses
from braise_shared.auth import InvalidTokenError, Principal, verify_token
from braise_shared.observability import observe
from braise_shared.sql import ping_sql

_bearer = HTTPBearer(auto_error=False)
_WHY = {
    401: "No valid staff bearer token (missing, expired, forged).",
    403: "The token is not a staff or service token.",
    404: "No such subscribed consultant, or no such link purpose.",
    503: "The graph did not answer; try again later.",
}
# Link routes answer a page, even to a link that does not verify.
# A link's code: base64url, as `tokens` writes it. Anything else is refused before it is read.
LinkCode = Annotated[str, FastAPIPath(pattern=r"^[A-Za-z0-9_-]{1,200}$")]

_BAD_LINK: dict[int | str, dict[str, Any]] = {
    400: {"description": "The link does not verify.", "content": {"text/html": {}}}
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_WHY, *statuses)


def _invalid_link() -> HTMLResponse:
    t = texts("fr")
    return message_page(t, t.get("page.invalid"), status=400)


# The links of one suggested person (an unsubscribe link is not one).
SuggestionPurpose = Literal["done", "not_now", "never"]
SUGGESTION_PURPOSES: tuple[SuggestionPurpose, ...] = ("done", "not_now", "never")

Period = Annotated[
    str,
    AfterValidator(parse_period),
    FastAPIPath(description=f"The period: {PERIOD_FORMAT}.", examples=["2026-W48"]),
]


def create_app(
    notifier: Notifier,
    enqueue_digests: Callable[[list[tuple[str, str]]], object],
    enqueue_unsubscribe_sync: Any,
) -> FastAPI:
    """Build the app; the enqueue callables hand work to Celery (injected for tests)."""
    settings = notifier.settings
    app = FastAPI(title="Braise notifier", version="1")
    observe(
        app,
        service="notifier",
        checks={"sql": lambda: ping_sql(notifier.engine), "redis": notifier.publisher.client.ping},
    )
    include_pages(app, notifier)

    def locale_of(consultant_id: str) -> str:
        with notifier.factory() as session:
            row = session.get(RecipientRow, consultant_id)
        return row.locale if row else "fr"

    def verify(purpose: Purpose, token: str) -> LinkClaims:
        """Return a link's claims; refuse it (400) when it does not verify or names someone
        erased (its reader or the person it is about): such a link opens and records nothing."""
        try:
            claims = notifier.signer.verify(purpose, token)
        except TokenError as exc:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": str(exc), "type": "token"}]
            ) from exc
        with notifier.factory() as session:
            erased = erased_among(session, (claims.consultant_id, claims.other_id))
        if erased:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": "erased", "type": "token"}]
            )
        return claims

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(
                401, detail="missing bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            principal = verify_token(
                settings.jwt_secret.get_secret_value(), credentials.credentials
            )
        except InvalidTokenError as exc:
            raise HTTPException(
                401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
            ) from exc
        if not principal.is_admin:
            raise HTTPException(403, detail="staff only")
        return principal

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Any:
        if (
            request.url.path.startswith(("/l/", "/v1/unsubscribe", "/v1/feedback"))
            and exc.status_code == 400
        ):
            return _invalid_link()

        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Any:
        # A short link's code that is not even base64url: the page of a link that does not verify.
        if request.url.path.startswith("/l/"):
            return _invalid_link()
        return await request_validation_exception_handler(request, exc)

    def back(consultant_id: str, t: Texts, *, resubscribe: bool = False) -> list[tuple[str, str]]:
        return reader_links(notifier.signer, consultant_id, t, resubscribe=resubscribe)

    def confirm_unsubscribe(token: str, action: str) -> HTMLResponse:
        claims = verify("unsubscribe", token)
        t = texts(locale_of(claims.consultant_id))
        button = Button(action, t.get("page.unsubscribe.button"), one_click=True)
        return message_page(
            t,
            t.get("page.unsubscribe.question"),
            detail=t.get("page.unsubscribe.detail"),
            buttons=[button],
            links=back(claims.consultant_id, t),
        )

    def do_unsubscribe(token: str) -> HTMLResponse:
        claims = verify("unsubscribe", token)
        with unit_of_work(notifier.factory) as session:
            row = session.get(RecipientRow, claims.consultant_id)
            if row is not None:
                row.unsubscribed = True
        enqueue_unsubscribe_sync(claims.consultant_id, f"{claims.period}-{token[-12:]}")
        t = texts(locale_of(claims.consultant_id))
        links = back(claims.consultant_id, t, resubscribe=True)
        return message_page(t, t.get("page.unsubscribe.done"), links=links)

    def other_name(other_id: str | None) -> str:
        with notifier.factory() as session:
            row = session.get(RecipientRow, other_id) if other_id else None
        return row.name if row else "?"

    def confirm_feedback(purpose: SuggestionPurpose, token: str, action: str) -> HTMLResponse:
        claims = verify(purpose, token)
        t = texts(locale_of(claims.consultant_id))
        return message_page(
            t,
            t.get(f"page.feedback.{purpose}.question", name=other_name(claims.other_id)),
            buttons=[Button(action, t.get("page.feedback.button"))],
            links=back(claims.consultant_id, t),
        )

    def record_feedback(
        purpose: SuggestionPurpose | Literal["undo_never"],
        token: str,
        *,
        undo: str | None = None,
    ) -> HTMLResponse:
        """Publish the answer; say what happened, offer its undo (`undo`: where it posts)."""
        claims = verify("never" if purpose == "undo_never" else purpose, token)
        if claims.other_id is None or claims.period is None:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": "invalid link", "type": "token"}]
            )
        publish_feedback(
            notifier.publisher, claims.consultant_id, claims.other_id, purpose, claims.period
        )
        t = texts(locale_of(claims.consultant_id))
        name = other_name(claims.other_id)
        buttons = []
        if undo is not None and purpose == "never":
            buttons = [Button(undo, t.get("page.feedback.undo_never", name=name), quiet=True)]
        return message_page(
            t,
            t.get(f"page.feedback.{purpose}.thanks", name=name),
            buttons=buttons,
            links=back(claims.consultant_id, t),
        )

    def purpose_of(code: str) -> AnyPurpose:
        try:
            return notifier.signer.purpose_of(code)
        except TokenError as exc:
            raise HTTPException(
                400, detail=[{"loc": ["path", "code"], "msg": str(exc), "type": "token"}]
            ) from exc

    @app.get("/l/{code}", response_class=HTMLResponse, responses=_BAD_LINK)
    def short_link_page(code: LinkCode) -> Response:
        """Open a digest's short link: its confirmation page, or the page it opens."""
        purpose = purpose_of(code)
        if purpose == "unsubscribe":
            return confirm_unsubscribe(code, action=f"/l/{code}")
        if purpose in SUGGESTION_PURPOSES:
            return confirm_feedback(purpose, code, action=f"/l/{code}")
        if purpose in ("preferences", "network"):
            # The page's own route checks the code and opens the session.
            return RedirectResponse(f"/pages/open/{purpose}?token={code}", status_code=303)
        raise HTTPException(400, detail="this link opens nothing here")

    @app.post("/l/{code}", response_class=HTMLResponse, responses=_BAD_LINK)
    def short_link(code: LinkCode) -> HTMLResponse:
        """Act on a digest's short link: unsubscribe in one click (RFC 8058), or record feedback."""
        purpose = purpose_of(code)
        if purpose == "unsubscribe":
            return do_unsubscribe(code)
        if purpose in SUGGESTION_PURPOSES:
            return record_feedback(purpose, code, undo=f"/l/{code}/undo")
        raise HTTPException(400, detail="this link records nothing")

    @app.post("/l/{code}/undo", response_class=HTMLResponse, responses=_BAD_LINK)
    def short_link_undo(code: LinkCode) -> HTMLResponse:
        """Undo a "never" given by this digest link: the person may be suggested again."""
        if purpose_of(code) != "never":
            raise HTTPException(400, detail="only a never can be undone here")
        return record_feedback("undo_never", code, undo=None)

    # The long-token routes of digests sent before the short codes (accepted one TTL more).
    @app.get("/v1/unsubscribe", response_class=HTMLResponse, responses=_BAD_LINK)
    def unsubscribe_page(token: str) -> HTMLResponse:
        """Show the unsubscribe confirmation (a GET changes nothing: mail scanners follow links)."""
        return confirm_unsubscribe(token, action=f"/v1/unsubscribe?token={token}")

    @app.post("/v1/unsubscribe", response_class=HTMLResponse, responses=_BAD_LINK)
    def unsubscribe(token: str) -> HTMLResponse:
        """Unsubscribe in one click (RFC 8058): no login, no further step."""
        return do_unsubscribe(token)

    @app.get(
        "/v1/feedback/{purpose}", response_class=HTMLResponse, responses=_BAD_LINK | _errors(404)
    )
    def feedback_page(purpose: Purpose, token: str) -> HTMLResponse:
        """Ask to confirm a suggestion link (done, not now, never)."""
        if purpose == "unsubscribe":
            raise HTTPException(404)
        return confirm_feedback(purpose, token, action=f"/v1/feedback/{purpose}?token={token}")

    @app.post(
        "/v1/feedback/{purpose}", response_class=HTMLResponse, responses=_BAD_LINK | _errors(404)
    )
    def feedback(purpose: Purpose, token: str) -> HTMLResponse:
        """Record a suggestion link's click as `suggestion.feedback` (twice counts once)."""
        if purpose == "unsubscribe":
            raise HTTPException(404)
        return record_feedback(purpose, token)

    @app.get(
        "/v1/admin/preview/{consultant_id}",
        response_class=HTMLResponse,
        responses=_errors(401, 403, 404, 503),
    )
    def preview(
        consultant_id: uuid.UUID,
        _caller: Annotated[Principal, Depends(admin)],
        period: Annotated[str, Query(min_length=1)] = "preview",
    ) -> HTMLResponse:
        """Show a consultant's digest as it would be sent now (nothing is sent or recorded)."""
        try:
            digest = notifier.digests.compose_for(period, str(consultant_id))
        except RetryLaterError as exc:
            raise HTTPException(503, detail=str(exc)) from exc
        if digest is None:
            raise HTTPException(404, detail="no such subscribed consultant")
        if digest.is_empty():
            return HTMLResponse("<p>Nothing worth suggesting: no digest would be sent.</p>")
        # Links of a preview are signed with a key thrown away at once: they look real and
        # open nothing, so a preview shared by mistake cannot unsubscribe anyone.
        inert = LinkSigner(secrets.token_urlsafe(32), ttl_s=1)
        html, _text = render_parts(
            digest,
            texts(digest.reader.locale),
            inert,
            settings.public_url,
            preferences_url=settings.preferences_url,
        )
        return HTMLResponse(html)

    @app.post(
        "/v1/admin/periods/{period}/run",
        responses={
            **_errors(401, 403),
            503: {"description": "The broker refused; the planned digests wait for a new run."},
        },
    )
    def run_period(period: Period, _caller: Annotated[Principal, Depends(admin)]) -> dict[str, Any]:
        """Plan a digest of this period for every subscribed consultant and enqueue them."""
        today = local_today(datetime.now(UTC), settings.timezone)
        keys = plan(notifier.factory, everyone_for(notifier.factory, period, today))
        try:
            enqueue_digests(keys)
        except EnqueueError as exc:
            # The rows stay planned: running the period again enqueues them, as does the
            # beat's next planning run.
            raise HTTPException(
                503, detail=f"{exc}; run the period again once Redis answers"
            ) from exc
        return {"period": period, "enqueued": len(keys)}

    @app.get("/v1/admin/periods/{period}", responses=_errors(401, 403))
    def period_report(
        period: Period, _caller: Annotated[Principal, Depends(admin)]
    ) -> dict[str, Any]:
        """Count the digests of a period by state (planned, sending, sent, failed, empty...)."""
        with notifier.factory() as session:
            rows = session.execute(
                select(DigestRow.state, func.count())
                .where(DigestRow.period == period)
                .group_by(DigestRow.state)
            ).all()
        by_state = {str(row[0]): int(row[1]) for row in rows}
        return {"period": period, "by_state": by_state}

    return app
