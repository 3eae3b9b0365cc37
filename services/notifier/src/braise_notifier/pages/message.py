"""Every confirmation, thank-you and refusal page: what happened, the undo where one exists,
and the way back to the reader's pages (one renderer, `message.html`)."""

from dataclasses import dataclass

from fastapi.responses import HTMLResponse

from braise_notifier.catalogs import Texts
from braise_notifier.pages.web import page
from braise_notifier.tokens import LinkClaims, LinkSigner


@dataclass(frozen=True)
class Button:
    """A form of one button: what it posts to, and what it says."""

    action: str
    label: str
    quiet: bool = False
    one_click: bool = False  # RFC 8058's List-Unsubscribe=One-Click field


def reader_links(
    signer: LinkSigner, consultant_id: str, t: Texts, *, resubscribe: bool = False
) -> list[tuple[str, str]]:
    """Return signed links (href, label) that open the reader's own pages from a digest's page."""
    network = signer.sign(LinkClaims("network", consultant_id))
    preferences = signer.sign(LinkClaims("preferences", consultant_id))
    links = [
        (f"/pages/open/network?token={network}", t.get("pages.back.network")),
        (f"/pages/open/preferences?token={preferences}", t.get("pages.back.preferences")),
    ]
    if resubscribe:
        href = f"/pages/open/preferences?token={preferences}#resubscribe"
        links.append((href, t.get("pages.back.resubscribe")))
    return links


SESSION_LINKS = (
    ("/pages/network", "pages.back.network"),
    ("/pages/preferences", "pages.back.preferences"),
)


def session_links(t: Texts) -> list[tuple[str, str]]:
    """Return the links (href, label) to the reader's pages, for a reader with a session."""
    return [(href, t.get(key)) for href, key in SESSION_LINKS]


def message_page(
    t: Texts,
    message: str,
    *,
    status: int = 200,
    detail: str | None = None,
    buttons: list[Button] | None = None,
    links: list[tuple[str, str]] | None = None,
) -> HTMLResponse:
    """Render a message page: a sentence, its buttons (confirm, undo), links back."""
    return page(
        "message.html",
        t,
        status=status,
        message=message,
        detail=detail,
        buttons=buttons or [],
        links=links or [],
    )
