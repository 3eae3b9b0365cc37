"""My network: everyone the reader has a link with, by stage, the digest's words where the
graph ranks them, "we met" for anyone, "not now" and "never" with its undo."""

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.db import RecipientRow
from braise_notifier.feedback import publish_feedback
from braise_notifier.graph_client import GraphContractError, GraphUnavailableError
from braise_notifier.pages import people
from braise_notifier.pages.as_consultant import AccountGoneError, ProfilesRefusedError
from braise_notifier.pages.message import message_page, session_links
from braise_notifier.pages.web import (
    ConsultantSession,
    NotifierDep,
    ProfilesAs,
    SessionsDep,
    page,
    refused_form,
)
from braise_notifier.schedule import local_today, week_period
from braise_notifier.wording import Words
from braise_shared.locales import DEFAULT_LOCALE

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


Answer = Literal["done", "not_now", "never", "undo_never"]


def _declined(notifier: Notifier, consultant_id: str) -> set[str]:
    try:
        return {p.other_id for p in notifier.graph.declined(consultant_id)}
    except GraphContractError:
        return set()


@router.get("/pages/network", response_class=HTMLResponse)
def network_page(
    notifier: NotifierDep,
    sessions: SessionsDep,
    session: ConsultantSession,
    q: Annotated[str, Query(max_length=120)] = "",
    met: str | None = None,
    day: date | None = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    answered: Answer | None = None,
    who: str | None = None,
) -> Response:
    """Show the reader's whole network by stage, each person with their last exchange and
    "we met", "not now", "never" (and its undo); a search box past 30 people."""
    today = local_today(datetime.now(UTC), notifier.settings.timezone)
    digest = network_of(notifier, session.subject, today)
    t = texts(digest.reader.locale)
    try:
        links = notifier.graph.links(session.subject)
        declined = _declined(notifier, session.subject)
    except GraphUnavailableError as exc:
        raise HTTPException(503, detail=str(exc)) from exc
    # What this page just did shows at once; the graph applies it a moment later.
    if who is not None and answered == "never":
        declined.add(who)
    if who is not None and answered == "undo_never":
        declined.discard(who)
    cards = people.network(
        links,
        {s.other_id: s for s in digest.suggestions},
        declined,
        met=(met, day) if met is not None and day is not None else None,
        met_kind=_kind_words(notifier, t, kind),
        query=q,
    )
    names = {link.other_id: link.other_name for link in links}
    kinds = notifier.digests.kinds
    return page(
        "network.html",
        t,
        network=cards,
        groups=[(g, cards.groups[g]) for g in people.GROUPS],
        folded=people.FOLDED,
        idea=t.get("idea"),
        colon=t.get("punct.colon"),
        kinds=[(name, kinds.get(name).label(t.locale)) for name in kinds.names()],
        today=today.isoformat(),
        csrf=sessions.csrf(session),
        met=met is not None,
        answered=answered,
        who=who,
        who_name=names.get(who or "", ""),
        choose=who if who in names else None,
    )


@router.post("/pages/network/answer", response_class=HTMLResponse)
def answer(
    notifier: NotifierDep,
    sessions: SessionsDep,
    session: ConsultantSession,
    csrf: Annotated[str, Form()],
    other_id: Annotated[uuid.UUID, Form()],
    action: Annotated[Answer, Form()],
) -> Response:
    """Publish the reader's answer about one person (as a digest's link does), then show the
    page again saying what happened, with the undo of a "never"."""
    if not sessions.check_csrf(session, csrf):
        return refused_form(texts(_locale(notifier, session.subject)))
    today = local_today(datetime.now(UTC), notifier.settings.timezone)
    other = str(other_id)
    publish_feedback(notifier.publisher, session.subject, other, action, week_period(today))
    query = urlencode({"answered": action, "who": other})
    return RedirectResponse(f"/pages/network?{query}#who-{other}", status_code=303)


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
            return message_page(
                t, t.get("pages.network.refused"), status=status, links=session_links(t)
            )
    said = {"met": other_id, "day": min(day, now.date()).isoformat(), "kind": kind}
    query = urlencode(said)
    return RedirectResponse(f"/pages/network?{query}#who-{other_id}", status_code=303)


def _kind_words(notifier: Notifier, t: Texts, kind: str | None) -> str | None:
    """Return one interaction of a known kind as the notice says it ("un appel"); None
    for an unknown kind or none (the notice then says "votre échange")."""
    service = notifier.digests
    if kind is None or kind not in service.kinds.names():
        return None
    return Words(t, service.kinds, service.taxonomy, notifier.settings.timezone).one(kind)


def _locale(notifier: Notifier, consultant_id: str) -> str:
    with notifier.factory() as session:
        row = session.get(RecipientRow, consultant_id)
    return row.locale if row else DEFAULT_LOCALE
