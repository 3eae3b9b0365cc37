"""The links of a digest: its short links (`/l/{code}`) and the long-token routes of digests
sent before them, each a confirmation page on GET (mail scanners follow links) and the act
on POST: one-click unsubscribe (RFC 8058), done, not now, never and its undo."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts, texts
from braise_notifier.db import RecipientRow, erased_among, unit_of_work
from braise_notifier.feedback import publish_feedback
from braise_notifier.pages.message import Button, message_page, reader_links
from braise_notifier.pages.web import NotifierDep
from braise_notifier.routes.deps import EnqueueUnsubscribeSync, UnsubscribeQueue, errors
from braise_notifier.tokens import AnyPurpose, LinkClaims, Purpose, TokenError
from braise_shared.locales import DEFAULT_LOCALE

router = APIRouter()

# A link's code: base64url, as `tokens` writes it. Anything else is refused before it is read.
LinkCode = Annotated[str, FastAPIPath(pattern=r"^[A-Za-z0-9_-]{1,200}$")]
# Link routes answer a page, even to a link that does not verify.
BAD_LINK: dict[int | str, dict[str, Any]] = {
    400: {"description": "The link does not verify.", "content": {"text/html": {}}}
}
# The links of one suggested person (an unsubscribe link is not one).
SuggestionPurpose = Literal["done", "not_now", "never"]
SUGGESTION_PURPOSES: tuple[SuggestionPurpose, ...] = ("done", "not_now", "never")


def invalid_link_page() -> HTMLResponse:
    """Return the page of a link that does not verify (in the default language)."""
    t = texts(DEFAULT_LOCALE)
    return message_page(t, t.get("page.invalid"), status=400)


@dataclass(frozen=True)
class LinkActions:
    """What a digest's links do, for one request."""

    notifier: Notifier
    enqueue_unsubscribe_sync: EnqueueUnsubscribeSync

    def locale_of(self, consultant_id: str) -> str:
        with self.notifier.factory() as session:
            row = session.get(RecipientRow, consultant_id)
        return row.locale if row else DEFAULT_LOCALE

    def verify(self, purpose: Purpose, token: str) -> LinkClaims:
        """Return a link's claims; refuse it (400) when it does not verify or names someone
        erased (its reader or the person it is about): such a link opens and records nothing."""
        try:
            claims = self.notifier.signer.verify(purpose, token)
        except TokenError as exc:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": str(exc), "type": "token"}]
            ) from exc
        with self.notifier.factory() as session:
            erased = erased_among(session, (claims.consultant_id, claims.other_id))
        if erased:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": "erased", "type": "token"}]
            )
        return claims

    def back(
        self, consultant_id: str, t: Texts, *, resubscribe: bool = False
    ) -> list[tuple[str, str]]:
        return reader_links(self.notifier.signer, consultant_id, t, resubscribe=resubscribe)

    def confirm_unsubscribe(self, token: str, action: str) -> HTMLResponse:
        claims = self.verify("unsubscribe", token)
        t = texts(self.locale_of(claims.consultant_id))
        button = Button(action, t.get("page.unsubscribe.button"), one_click=True)
        return message_page(
            t,
            t.get("page.unsubscribe.question"),
            detail=t.get("page.unsubscribe.detail"),
            buttons=[button],
            links=self.back(claims.consultant_id, t),
        )

    def do_unsubscribe(self, token: str) -> HTMLResponse:
        claims = self.verify("unsubscribe", token)
        with unit_of_work(self.notifier.factory) as session:
            row = session.get(RecipientRow, claims.consultant_id)
            if row is not None:
                row.unsubscribed = True
        self.enqueue_unsubscribe_sync(claims.consultant_id, f"{claims.period}-{token[-12:]}")
        t = texts(self.locale_of(claims.consultant_id))
        links = self.back(claims.consultant_id, t, resubscribe=True)
        return message_page(t, t.get("page.unsubscribe.done"), links=links)

    def other_name(self, other_id: str | None) -> str:
        with self.notifier.factory() as session:
            row = session.get(RecipientRow, other_id) if other_id else None
        return row.name if row else "?"

    def confirm_feedback(self, purpose: SuggestionPurpose, token: str, action: str) -> HTMLResponse:
        claims = self.verify(purpose, token)
        t = texts(self.locale_of(claims.consultant_id))
        return message_page(
            t,
            t.get(f"page.feedback.{purpose}.question", name=self.other_name(claims.other_id)),
            buttons=[Button(action, t.get("page.feedback.button"))],
            links=self.back(claims.consultant_id, t),
        )

    def record_feedback(
        self,
        purpose: SuggestionPurpose | Literal["undo_never"],
        token: str,
        *,
        undo: str | None = None,
    ) -> HTMLResponse:
        """Publish the answer; say what happened, offer its undo (`undo`: where it posts)."""
        claims = self.verify("never" if purpose == "undo_never" else purpose, token)
        if claims.other_id is None or claims.period is None:
            raise HTTPException(
                400, detail=[{"loc": ["query", "token"], "msg": "invalid link", "type": "token"}]
            )
        publish_feedback(
            self.notifier.publisher, claims.consultant_id, claims.other_id, purpose, claims.period
        )
        t = texts(self.locale_of(claims.consultant_id))
        name = self.other_name(claims.other_id)
        buttons = []
        if undo is not None and purpose == "never":
            buttons = [Button(undo, t.get("page.feedback.undo_never", name=name), quiet=True)]
        return message_page(
            t,
            t.get(f"page.feedback.{purpose}.thanks", name=name),
            buttons=buttons,
            links=self.back(claims.consultant_id, t),
        )

    def purpose_of(self, code: str) -> AnyPurpose:
        try:
            return self.notifier.signer.purpose_of(code)
        except TokenError as exc:
            raise HTTPException(
                400, detail=[{"loc": ["path", "code"], "msg": str(exc), "type": "token"}]
            ) from exc


def _actions(notifier: NotifierDep, queue: UnsubscribeQueue) -> LinkActions:
    return LinkActions(notifier, queue)


Links = Annotated[LinkActions, Depends(_actions)]


@router.get("/l/{code}", response_class=HTMLResponse, responses=BAD_LINK)
def short_link_page(code: LinkCode, links: Links) -> Response:
    """Open a digest's short link: its confirmation page, or the page it opens."""
    purpose = links.purpose_of(code)
    if purpose == "unsubscribe":
        return links.confirm_unsubscribe(code, action=f"/l/{code}")
    if purpose in SUGGESTION_PURPOSES:
        return links.confirm_feedback(purpose, code, action=f"/l/{code}")
    if purpose in ("preferences", "network"):
        # The page's own route checks the code and opens the session.
        return RedirectResponse(f"/pages/open/{purpose}?token={code}", status_code=303)
    raise HTTPException(400, detail="this link opens nothing here")


@router.post("/l/{code}", response_class=HTMLResponse, responses=BAD_LINK)
def short_link(code: LinkCode, links: Links) -> HTMLResponse:
    """Act on a digest's short link: unsubscribe in one click (RFC 8058), or record feedback."""
    purpose = links.purpose_of(code)
    if purpose == "unsubscribe":
        return links.do_unsubscribe(code)
    if purpose in SUGGESTION_PURPOSES:
        return links.record_feedback(purpose, code, undo=f"/l/{code}/undo")
    raise HTTPException(400, detail="this link records nothing")


@router.post("/l/{code}/undo", response_class=HTMLResponse, responses=BAD_LINK)
def short_link_undo(code: LinkCode, links: Links) -> HTMLResponse:
    """Undo a "never" given by this digest link: the person may be suggested again."""
    if links.purpose_of(code) != "never":
        raise HTTPException(400, detail="only a never can be undone here")
    return links.record_feedback("undo_never", code, undo=None)


# The long-token routes of digests sent before the short codes (accepted one TTL more).
@router.get("/v1/unsubscribe", response_class=HTMLResponse, responses=BAD_LINK)
def unsubscribe_page(token: str, links: Links) -> HTMLResponse:
    """Show the unsubscribe confirmation (a GET changes nothing: mail scanners follow links)."""
    return links.confirm_unsubscribe(token, action=f"/v1/unsubscribe?token={token}")


@router.post("/v1/unsubscribe", response_class=HTMLResponse, responses=BAD_LINK)
def unsubscribe(token: str, links: Links) -> HTMLResponse:
    """Unsubscribe in one click (RFC 8058): no login, no further step."""
    return links.do_unsubscribe(token)


@router.get("/v1/feedback/{purpose}", response_class=HTMLResponse, responses=BAD_LINK | errors(404))
def feedback_page(purpose: Purpose, token: str, links: Links) -> HTMLResponse:
    """Ask to confirm a suggestion link (done, not now, never)."""
    if purpose == "unsubscribe":
        raise HTTPException(404)
    return links.confirm_feedback(purpose, token, action=f"/v1/feedback/{purpose}?token={token}")


@router.post(
    "/v1/feedback/{purpose}", response_class=HTMLResponse, responses=BAD_LINK | errors(404)
)
def feedback(purpose: Purpose, token: str, links: Links) -> HTMLResponse:
    """Record a suggestion link's click as `suggestion.feedback` (twice counts once)."""
    if purpose == "unsubscribe":
        raise HTTPException(404)
    return links.record_feedback(purpose, token)
