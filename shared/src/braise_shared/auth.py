"""Bearer tokens shared by the services: signed JWTs naming an admin or one consultant."""

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

Role = Literal["admin", "consultant", "service"]
ALGORITHM = "HS256"
# The development secret: every service refuses to start in production mode with it.
DEFAULT_SECRET = "braise-dev-secret-change-me-in-production-0123456789"  # noqa: S105
ISSUER = "braise"


class InvalidTokenError(ValueError):
    """A token that is missing, forged, expired or malformed."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: an admin, a service, or one consultant."""

    role: Role
    subject: str

    @property
    def is_admin(self) -> bool:
        """Tell whether the caller may see and change everything."""
        return self.role in ("admin", "service")

    def may_act_for(self, consultant_id: uuid.UUID) -> bool:
        """Tell whether the caller may read or change this consultant's own data."""
        return self.is_admin or (self.role == "consultant" and self.subject == str(consultant_id))


def issue_token(secret: str, role: Role, subject: str, ttl: timedelta = timedelta(days=30)) -> str:
    """Return a signed token for role and subject, valid for ttl."""
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": subject, "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Tokens already verified, with the principal they name and their expiry (seconds since the
# epoch). A service token is sent with every request; checking its signature and claims again
# each time cost a tenth of a millisecond a request. Only a token that passed every check
# is kept, and its expiry is checked again at each use: the answer is the same as verifying.
_VERIFIED: dict[tuple[str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 4096


def verify_token(secret: str, token: str) -> Principal:
    """Return the principal a token names, or raise InvalidTokenError saying why."""
    known = _VERIFIED.get((secret, token))
    if known is not None:
        principal, expires = known
        if time.time() < expires:
            return principal
        _VERIFIED.pop((secret, token), None)
    principal, expires = _verify(secret, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = (principal, expires)
    return principal


def _verify(secret: str, token: str) -> tuple[Principal, float]:
    """Check a token's signature and claims; return its principal and its expiry."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"invalid token: {exc}") from exc
    role = claims.get("role")
    if role not in ("admin", "consultant", "service"):
        raise InvalidTokenError("invalid token: unknown role")
    subject = str(claims["sub"])
    if role == "consultant":
        try:
            uuid.UUID(subject)
        except ValueError as exc:
            raise InvalidTokenError("invalid token: consultant subject is not an id") from exc
    return Principal(role=role, subject=subject), float(claims["exp"])
