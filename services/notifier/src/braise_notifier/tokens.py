"""Signed, single-purpose, expiring tokens for the links in a digest (no login needed)."""

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

Purpose = Literal["unsubscribe", "done", "not_now", "never"]
# The pages' links: a consultant's own pages, and a staff member's sign-in (subject: an e-mail).
PagePurpose = Literal["preferences", "network", "staff"]


class TokenError(ValueError):
    """A token that is forged, expired, or made for another purpose."""


@dataclass(frozen=True)
class LinkClaims:
    """What a link's token says: who, about whom, which period, to do what."""

    purpose: Purpose | PagePurpose
    consultant_id: str
    other_id: str | None = None
    period: str | None = None


class LinkSigner:
    """Signs and verifies link tokens; each purpose has its own salt."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self.secret = secret
        self.ttl_s = ttl_s

    def _serializer(self, purpose: Purpose | PagePurpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"braise-link-{purpose}")

    def sign(self, claims: LinkClaims) -> str:
        """Return the token for these claims."""
        payload = {"c": claims.consultant_id, "o": claims.other_id, "p": claims.period}
        return str(self._serializer(claims.purpose).dumps(payload))

    def verify(
        self, purpose: Purpose | PagePurpose, token: str, *, max_age_s: int | None = None
    ) -> LinkClaims:
        """Return the claims of a token made for purpose, or raise TokenError saying why."""
        try:
            max_age = self.ttl_s if max_age_s is None else max_age_s
            payload = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise TokenError("link expired") from exc
        except BadSignature as exc:
            raise TokenError("invalid link") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            raise TokenError("invalid link")
        return LinkClaims(purpose, payload["c"], payload.get("o"), payload.get("p"))
