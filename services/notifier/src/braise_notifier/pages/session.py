"""A short page session after a signed link: an HttpOnly cookie, and its CSRF token."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "braise_page"
Role = Literal["consultant", "staff"]


class NoSessionError(LookupError):
    """No valid page session: the cookie is missing, forged or expired."""


@dataclass(frozen=True)
class PageSession:
    """Who a page session is for: a consultant (their id) or staff (their e-mail)."""

    role: Role
    subject: str
    nonce: str


class Sessions:
    """Signs and reads page-session cookies; derives each session's CSRF token."""

    def __init__(self, secret: str, *, max_age_s: int, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="braise-page-session")
        self._csrf_key = hashlib.sha256(f"braise-page-csrf:{secret}".encode()).digest()
        self.max_age_s = max_age_s
        self.secure = secure

    def open(self, response: Response, role: Role, subject: str) -> PageSession:
        """Start a session: set its cookie on response."""
        session = PageSession(role, subject, secrets.token_urlsafe(16))
        value = self._serializer.dumps({"r": role, "s": subject, "n": session.nonce})
        response.set_cookie(
            COOKIE,
            str(value),
            max_age=self.max_age_s,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )
        return session

    def read(self, cookie: str | None, role: Role) -> PageSession:
        """Return the session a cookie holds for role, or raise NoSessionError."""
        if not cookie:
            raise NoSessionError("no session")
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature as exc:
            raise NoSessionError("invalid or expired session") from exc
        if not isinstance(data, dict) or data.get("r") != role:
            raise NoSessionError("session of another kind")
        if not isinstance(data.get("s"), str):
            raise NoSessionError("session of another kind")
        return PageSession(role, data["s"], str(data.get("n", "")))

    def csrf(self, session: PageSession) -> str:
        """Return the CSRF token of a session (a MAC of its nonce: nothing stored)."""
        message = f"{session.role}:{session.subject}:{session.nonce}".encode()
        return hmac.new(self._csrf_key, message, hashlib.sha256).hexdigest()

    def check_csrf(self, session: PageSession, token: str) -> bool:
        """Tell whether a form's CSRF token belongs to this session."""
        return hmac.compare_digest(self.csrf(session), token)
