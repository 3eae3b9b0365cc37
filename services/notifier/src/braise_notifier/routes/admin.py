"""Staff's admin routes: preview a digest, run a period, count a period's digests."""

import secrets
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator
from sqlalchemy import func, select

from braise_notifier.catalogs import texts
from braise_notifier.db import DigestRow
from braise_notifier.pages.web import NotifierDep
from braise_notifier.planning import EnqueueError, everyone_for, plan
from braise_notifier.render import render_parts
from braise_notifier.routes.deps import DigestQueue, errors
from braise_notifier.schedule import PERIOD_FORMAT, local_today, parse_period
from braise_notifier.service import RetryLaterError
from braise_notifier.tokens import LinkSigner
from braise_shared.bearer import Staff

router = APIRouter()

Period = Annotated[
    str,
    AfterValidator(parse_period),
    FastAPIPath(description=f"The period: {PERIOD_FORMAT}.", examples=["2026-W48"]),
]


@router.get(
    "/v1/admin/preview/{consultant_id}",
    response_class=HTMLResponse,
    responses=errors(401, 403, 404, 503),
)
def preview(
    consultant_id: uuid.UUID,
    notifier: NotifierDep,
    _staff: Staff,
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
        notifier.settings.public_url,
        preferences_url=notifier.settings.preferences_url,
    )
    return HTMLResponse(html)


@router.post(
    "/v1/admin/periods/{period}/run",
    responses={
        **errors(401, 403),
        503: {"description": "The broker refused; the planned digests wait for a new run."},
    },
)
def run_period(
    period: Period, _staff: Staff, notifier: NotifierDep, enqueue_digests: DigestQueue
) -> dict[str, Any]:
    """Plan a digest of this period for every subscribed consultant and enqueue them."""
    today = local_today(datetime.now(UTC), notifier.settings.timezone)
    keys = plan(notifier.factory, everyone_for(notifier.factory, period, today))
    try:
        enqueue_digests(keys)
    except EnqueueError as exc:
        # The rows stay planned: running the period again enqueues them, as does the
        # beat's next planning run.
        raise HTTPException(503, detail=f"{exc}; run the period again once Redis answers") from exc
    return {"period": period, "enqueued": len(keys)}


@router.get("/v1/admin/periods/{period}", responses=errors(401, 403))
def period_report(period: Period, _staff: Staff, notifier: NotifierDep) -> dict[str, Any]:
    """Count the digests of a period by state (planned, sending, sent, failed, empty...)."""
    with notifier.factory() as session:
        rows = session.execute(
            select(DigestRow.state, func.count())
            .where(DigestRow.period == period)
            .group_by(DigestRow.state)
        ).all()
    by_state = {str(row[0]): int(row[1]) for row in rows}
    return {"period": period, "by_state": by_state}
