"""The digest's preferences link opens the pages with a signed token; page sessions and CSRF."""

from urllib.parse import parse_qs, urlparse

import pytest
from fastapi import Response

from braise_notifier.catalogs import texts
from braise_notifier.pages.session import NoSessionError, Sessions
from braise_notifier.render import render_parts
from braise_notifier.tokens import LinkSigner
from tests.support.digests import sample_digests


def test_the_digest_links_to_the_preferences_page_with_a_token_for_its_reader() -> None:
    digest = sample_digests()["fr-full"]
    signer = LinkSigner("secret-" * 6, ttl_s=3600)
    html, text = render_parts(
        digest,
        texts("fr"),
        signer,
        "https://braise.example.org",
        preferences_url="https://braise.example.org/pages/open/preferences?token={token}",
    )
    line = next(w for w in text.split() if "/pages/open/preferences" in w)
    token = parse_qs(urlparse(line).query)["token"][0]
    claims = signer.verify("preferences", token)
    assert claims.consultant_id == digest.reader.id
    assert "/pages/open/preferences?token=" in html


class Closed:
    """Revoked sessions in memory (Redis in production)."""

    def __init__(self) -> None:
        self.nonces: dict[str, int] = {}

    def revoke(self, nonce: str, *, for_s: int) -> None:
        self.nonces[nonce] = for_s

    def is_revoked(self, nonce: str) -> bool:
        return nonce in self.nonces


def _sessions(max_age_s: int = 60, closed: Closed | None = None) -> Sessions:
    revocations = Closed() if closed is None else closed
    return Sessions("secret-" * 6, max_age_s=max_age_s, secure=True, revocations=revocations)


def _cookie(response: Response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_a_session_is_for_one_role_and_its_csrf_token_for_one_session() -> None:
    sessions = _sessions()
    response = Response()
    opened = sessions.open(response, "consultant", "c-1")
    assert "Secure" in response.headers["set-cookie"]
    read = sessions.read(_cookie(response), "consultant")
    assert read == opened
    assert sessions.check_csrf(read, sessions.csrf(opened))
    other = sessions.open(Response(), "consultant", "c-1")
    assert not sessions.check_csrf(read, sessions.csrf(other))
    with pytest.raises(NoSessionError):
        sessions.read(_cookie(response), "staff")
    with pytest.raises(NoSessionError):
        sessions.read(_cookie(response)[:-2] + "xx", "consultant")
    with pytest.raises(NoSessionError):
        _sessions(max_age_s=-1).read(_cookie(response), "consultant")


def test_a_closed_session_is_revoked_until_its_cookie_expires_and_its_cookie_cleared() -> None:
    closed = Closed()
    sessions = _sessions(max_age_s=3600, closed=closed)
    response = Response()
    opened = sessions.open(response, "staff", "equipe@firm.example")
    cookie = _cookie(response)
    out = Response()
    sessions.close(out, opened)
    assert closed.nonces == {opened.nonce: 3600}
    assert 'braise_page=""' in out.headers["set-cookie"]
    with pytest.raises(NoSessionError):
        sessions.read(cookie, "staff")


def test_a_form_token_before_any_session_holds_only_with_its_own_cookie() -> None:
    sessions = _sessions()
    cookie = sessions.new_form_cookie()
    token = sessions.form_csrf(cookie)
    assert sessions.check_form_csrf(cookie, token)
    assert not sessions.check_form_csrf(sessions.new_form_cookie(), token)
    assert not sessions.check_form_csrf(None, token)
    assert not sessions.check_form_csrf(cookie, "")
