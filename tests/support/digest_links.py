"""A digest's links as a reader meets them: found in the sink's mail, opened and confirmed.

A link's code says its purpose and whom it is about only to the notifier's signer, so the test
reads them with the same signer (the stack's default secret): nothing depends on the wording.
"""

import email
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx

from braise_notifier.config import DEFAULT_LINK_SECRET
from braise_notifier.tokens import AnyPurpose, LinkSigner, TokenError
from tests.support.mail import raw_mails

SIGNER = LinkSigner(DEFAULT_LINK_SECRET, ttl_s=30 * 86_400)
_SHORT_LINK = re.compile(r"https?://[^\s<>\"]+/l/[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DigestLink:
    """One short link of a digest: where it goes, what it does, about whom."""

    url: str
    purpose: AnyPurpose
    other_id: str | None


def digest_of(maildir: Path, address: str) -> EmailMessage:
    """Return the digest the sink holds for an address (the first, if several)."""
    for raw in raw_mails(maildir):
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            return message
    raise AssertionError(f"no digest for {address} in {maildir}")


def links_of(message: EmailMessage) -> list[DigestLink]:
    """Return the short links of a digest's plain-text part, each read by the signer."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = []
    for url in dict.fromkeys(_SHORT_LINK.findall(part.get_content())):
        code = url.rsplit("/", 1)[1]
        purpose = SIGNER.purpose_of(code)
        try:
            claims = SIGNER.verify(purpose, code)
        except TokenError as exc:
            raise AssertionError(f"{url} does not verify: {exc}") from exc
        found.append(DigestLink(url, purpose, claims.other_id))
    return found


def link_about(message: EmailMessage, purpose: str, other_id: str) -> str:
    """Return the URL of the digest's link of one purpose about one person."""
    [url] = [
        link.url
        for link in links_of(message)
        if link.purpose == purpose and link.other_id == other_id
    ]
    return url


def click(url: str) -> httpx.Response:
    """Open a link as a reader does (GET), then press the confirmation page's first button
    (the POST of its form) when it has one; return the last page."""
    with httpx.Client(follow_redirects=True) as browser:
        page = browser.get(url)
        page.raise_for_status()
        form = re.search(r'<form method="post" action="([^"]+)"', page.text)
        if form is None:
            return page
        action = httpx.URL(str(page.url)).join(form[1].replace("&amp;", "&"))
        answer = browser.post(action)
        answer.raise_for_status()
        return answer
