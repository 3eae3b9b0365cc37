"""A short page session after a signed link: an HttpOnly cookie, and its CSRF token.

The cookie is signed, not stored; a session closed early (logout) is kept on a revocation
list in Redis, by its nonce, until the cookie would have expired anyway.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

import redis
from fastapi import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "braise_page"
# Before any session (the staff sign-in form): a random value the form's token is a MAC of.
FORM_COOKIE = "braise_form"
FORM_COOKIE_MAX_AGE_S = 60 * 60
Role = Literal["consultant", "staff"]


class NoSessionError(LookupError):
    """No valid page session: the cookie is missing, forged, expired or closed."""


class SessionsUnavailableError(RuntimeError):
    """The revocation list cannot be read: no session can be trusted for now."""


class Revocations(Protocol):
    """Where closed sessions are remembered until their cookies expire."""

    def revoke(self, nonce: str, *, for_s: int) -> None:
        """Remember a session as closed for for_s seconds."""

    def is_revoked(self, nonce: str) -> bool:
        """Tell whether a session was closed."""


class RedisRevocations:
    """Closed sessions as Redis keys that expire with the cookie (raise SessionsUnavailable)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def revoke(self, nonce: str, *, for_s: int) -> None:
        """Remember a session as closed for for_s seconds."""
        try:
            self._client.set(f"braise:page-session:revoked:{nonce}", b"1", ex=for_s)
        except redis.RedisError as exc:
            raise SessionsUnavailableError(str(exc)) from exc

    def is_revoked(self, nonce: str) -> bool:
        """Tell whether a session was closed."""
        try:
            return bool(self._client.exists(f"braise:page-session:revoked:{nonce}"))
        except redis.RedisError as exc:
            raise SessionsUnavailableError(str(exc)) from exc


@dataclass(frozen=True)
class PageSession:
    """Who a page session is for: a consultant (their id) or staff (their e-mail)."""

    role: Role
    subject: str
    nonce: str


class Sessions:
    """Signs and reads page-session cookies; derives each session's CSRF token."""

    def __init__(
        self, secret: str, *, max_age_s: int, secure: bool, revocations: Revocations
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="braise-page-session")
        self._csrf_key = hashlib.sha256(f"braise-page-csrf:{secret}".encode()).digest()
        self._form_key = hashlib.sha256(f"braise-form-csrf:{secret}".encode()).digest()
        self._revocations = revocations
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
        if not isinstance(data.get("s"), str) or not isinstance(data.get("n"), str):
            raise NoSessionError("session of another kind")
        if self._revocations.is_revoked(data["n"]):
            raise NoSessionError("session closed")
        return PageSession(role, data["s"], data["n"])

    def close(self, response: Response, session: PageSession) -> None:
        """End a session: revoke it server-side until its cookie expires, and clear the cookie."""
        self._revocations.revoke(session.nonce, for_s=self.max_age_s)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)

    def csrf(self, session: PageSession) -> str:
        """Return the CSRF token of a session (a MAC of its nonce: nothing stored)."""
        message = f"{session.role}:{session.subject}:{session.nonce}".encode()
        return hmac.new(self._csrf_key, message, hashlib.sha256).hexdigest()

    def check_csrf(self, session: PageSession, token: str) -> bool:
        """Tell whether a form's CSRF token belongs to this session."""
        return hmac.compare_digest(self.csrf(session), token)

    def new_form_cookie(self) -> str:
        """Return a new value for the cookie of forms shown before any session."""
        return secrets.token_urlsafe(16)

    def keep_form_cookie(self, response: Response, cookie: str) -> None:
        """Set (or refresh) the cookie of forms shown before any session on response."""
        response.set_cookie(
            FORM_COOKIE,
            cookie,
            max_age=FORM_COOKIE_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=self.secure,
            path="/pages/staff",
        )

    def form_csrf(self, cookie: str) -> str:
        """Return the CSRF token of a form shown before any session, bound to its cookie."""
        return hmac.new(self._form_key, cookie.encode(), hashlib.sha256).hexdigest()

    def check_form_csrf(self, cookie: str | None, token: str) -> bool:
        """Tell whether a form's token was made for the form cookie this browser holds."""
        return bool(cookie) and hmac.compare_digest(self.form_csrf(cookie or ""), token)
