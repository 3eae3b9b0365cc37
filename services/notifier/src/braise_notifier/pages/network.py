"""My network: the links cooling or dormant, worded as in the digest, and a "we met" form."""

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.db import RecipientRow
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.pages.as_consultant import AccountGoneError, ProfilesRefusedError
from braise_notifier.pages.web import ConsultantSession, NotifierDep, ProfilesAs, SessionsDep, page
from braise_notifier.render import links_for
from braise_notifier.schedule import local_today, week_period

router = APIRouter(tags=["pages"], include_in_schema=False)

# How many people of each stage the page shows: more than a digest, it is asked for.
SHOWN_PER_STAGE = 10


def network_of(notifier: Notifier, consultant_id: str, today: date) -> Digest:
    """Compose the consultant's cooling and dormant links with the digest's own words."""
    with notifier.factory() as session:
        row = session.get(RecipientRow, consultant_id)
    if row is None:  # erased since the session opened (the directory forgets them)
        raise AccountGoneError(consultant_id)
    reader = Reader(row.id, row.name, row.email, row.locale)
    service = notifier.digests
    try:
        # The people of the last digest too: the page is asked for, it proposes nothing.
        candidates = service.graph.candidates(
            consultant_id, dormant=SHOWN_PER_STAGE, cooling=SHOWN_PER_STAGE, rested=False
        )
    except GraphUnavailableError as exc:
        raise HTTPException(503, detail=str(exc)) from exc
    return compose(
        reader,
        week_period(today),
        candidates,
        texts=texts(reader.locale),
        kinds=service.kinds,
        taxonomy=service.taxonomy,
        timezone=notifier.settings.timezone,
    )


@router.get("/pages/network", response_class=HTMLResponse)
def network_page(
    notifier: NotifierDep, sessions: SessionsDep, session: ConsultantSession, met: bool = False
) -> Response:
    """Show the links worth a sign, with done / not now / never, and the "we met" form."""
    today = local_today(datetime.now(UTC), notifier.settings.timezone)
    digest = network_of(notifier, session.subject, today)
    t = texts(digest.reader.locale)
    kinds = notifier.digests.kinds
    labels = {
        s.other_id: {
            "done": t.get("action.done"),
            "not_now": t.get("action.not_now"),
            "never": t.get("action.never", name=s.name),
        }
        for s in digest.suggestions
    }
    return page(
        "network.html",
        t,
        digest=digest,
        sections=[(t.get(f"section.{stage}"), items) for stage, items in digest.stages()],
        links=links_for(digest, notifier.signer, ""),
        labels=labels,
        idea=t.get("idea"),
        colon=t.get("punct.colon"),
        kinds=[(name, kinds.get(name).label(t.locale)) for name in kinds.names()],
        today=today.isoformat(),
        csrf=sessions.csrf(session),
        met=met,
    )


@router.post("/pages/network/met", response_class=HTMLResponse)
def we_met(
    notifier: NotifierDep,
    sessions: SessionsDep,
    session: ConsultantSession,
    profiles_as: ProfilesAs,
    csrf: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    other_id: Annotated[str, Form()],
    day: Annotated[date, Form()],
) -> Response:
    """Record "we met" through profiles, as the consultant, who reached out."""
    if not sessions.check_csrf(session, csrf):
        raise HTTPException(403, detail="invalid form: reload the page")
    now = datetime.now(UTC)
    occurred_at = min(now, datetime.combine(day, time(12), tzinfo=UTC))
    with profiles_as(session.subject) as profiles:
        try:
            profiles.record_meeting(kind=kind, other_id=other_id, occurred_at=occurred_at)
        except ProfilesRefusedError as exc:
            t = texts(_locale(notifier, session.subject))
            status = 422 if exc.status < 500 else 503
            return page("message.html", t, status=status, message_key="pages.network.refused")
    return RedirectResponse("/pages/network?met=1", status_code=303)


def _locale(notifier: Notifier, consultant_id: str) -> str:
    with notifier.factory() as session:
        row = session.get(RecipientRow, consultant_id)
    return row.locale if row else "fr"
