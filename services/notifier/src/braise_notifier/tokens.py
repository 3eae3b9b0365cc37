"""Signed, single-purpose, expiring codes for the links in a digest (no login needed).

A code is a compact binary payload and a 64-bit HMAC, in base64url (63 characters for a
suggestion link, 42 for an unsubscribe link):

    header (1 byte)   purpose index (bits 0-2); other present (3); period present (4);
                      consultant, other, period written as text (5, 6, 7)
    issued (4 bytes)  epoch seconds, unsigned: expiry to the second, as before, until 2106
    consultant        a UUID as 16 bytes, or text: 1 length byte and UTF-8
    other             likewise, when present
    period            `2026-W48` or `2026-11` packed in 2 bytes, or text, when present
    mac (8 bytes)     HMAC-SHA256 of all the above, truncated, under the purpose's own key

The long itsdangerous tokens of earlier digests are still verified (their own timestamps
expire them one TTL after they were sent); no new one is made.
"""

import base64
import hashlib
import hmac
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

Purpose = Literal["unsubscribe", "done", "not_now", "never"]
# The pages' links: a consultant's own pages, and a staff member's sign-in (subject: an e-mail).
PagePurpose = Literal["preferences", "network", "staff"]
AnyPurpose = Purpose | PagePurpose

# A purpose's index in a code's header: append only, never reorder (codes in mailboxes).
PURPOSES: tuple[AnyPurpose, ...] = (*get_args(Purpose), *get_args(PagePurpose))
MAC_BYTES = 8
_OTHER, _PERIOD, _CONSULTANT_TEXT, _OTHER_TEXT, _PERIOD_TEXT = 8, 16, 32, 64, 128
_WEEK = 0x8000


class TokenError(ValueError):
    """A token that is forged, expired, or made for another purpose."""


@dataclass(frozen=True)
class LinkClaims:
    """What a link's token says: who, about whom, which period, to do what."""

    purpose: AnyPurpose
    consultant_id: str
    other_id: str | None = None
    period: str | None = None


class LinkSigner:
    """Signs link codes and verifies them (and the long tokens of earlier digests)."""

    def __init__(self, secret: str, ttl_s: int, *, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.ttl_s = ttl_s
        self.clock = clock
        self._keys: dict[str, bytes] = {}  # derived once per purpose: a digest signs 17 codes

    def _key(self, purpose: AnyPurpose) -> bytes:
        key = self._keys.get(purpose)
        if key is None:
            key = hmac.new(
                self.secret.encode(), f"braise-link-code:{purpose}".encode(), hashlib.sha256
            ).digest()
            self._keys[purpose] = key
        return key

    def _mac(self, purpose: AnyPurpose, payload: bytes) -> bytes:
        return hmac.new(self._key(purpose), payload, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, claims: LinkClaims) -> str:
        """Return the short code for these claims."""
        payload = _pack(claims, int(self.clock()))
        return _encode(payload + self._mac(claims.purpose, payload))

    def purpose_of(self, code: str) -> AnyPurpose:
        """Return the purpose a well-formed code claims (not yet verified), or raise TokenError."""
        raw = _decode(code)
        if (raw[0] & 7) >= len(PURPOSES):
            raise TokenError("invalid link")
        return PURPOSES[raw[0] & 7]

    def verify(
        self, purpose: AnyPurpose, token: str, *, max_age_s: int | None = None
    ) -> LinkClaims:
        """Return the claims of a code (or earlier token) made for purpose, or raise TokenError."""
        max_age = self.ttl_s if max_age_s is None else max_age_s
        if "." in token:  # the itsdangerous form: payload.timestamp.signature
            return self._verify_legacy(purpose, token, max_age)
        raw = _decode(token)
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        # The MAC is checked first and in constant time; nothing unsigned is trusted.
        if len(payload) < 1 or not hmac.compare_digest(mac, self._mac(purpose, payload)):
            raise TokenError("invalid link")
        claims, issued_s = _unpack(payload)
        if claims.purpose != purpose:
            raise TokenError("invalid link")
        if self.clock() - issued_s > max_age:
            raise TokenError("link expired")
        return claims

    def _verify_legacy(self, purpose: AnyPurpose, token: str, max_age: int) -> LinkClaims:
        serializer = URLSafeTimedSerializer(self.secret, salt=f"braise-link-{purpose}")
        try:
            payload = serializer.loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise TokenError("link expired") from exc
        except BadSignature as exc:
            raise TokenError("invalid link") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            raise TokenError("invalid link")
        return LinkClaims(purpose, payload["c"], payload.get("o"), payload.get("p"))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(code: str) -> bytes:
    """Return a code's bytes, or raise TokenError unless it is a code's canonical base64url."""
    try:
        raw = base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise TokenError("invalid link") from exc
    # One code, one spelling: no padding, no stray low bits in the last character.
    if len(raw) < 1 + 4 + 1 + MAC_BYTES or _encode(raw) != code:
        raise TokenError("invalid link")
    return raw


def _pack(claims: LinkClaims, now_s: int) -> bytes:
    """Return the payload of claims issued at now_s (epoch seconds)."""
    header = PURPOSES.index(claims.purpose)
    consultant, text = _pack_id(claims.consultant_id)
    header |= _CONSULTANT_TEXT if text else 0
    body = [struct.pack(">I", now_s), consultant]
    if claims.other_id is not None:
        other, text = _pack_id(claims.other_id)
        header |= _OTHER | (_OTHER_TEXT if text else 0)
        body.append(other)
    if claims.period is not None:
        period, text = _pack_period(claims.period)
        header |= _PERIOD | (_PERIOD_TEXT if text else 0)
        body.append(period)
    return bytes([header]) + b"".join(body)


def _unpack(payload: bytes) -> tuple[LinkClaims, int]:
    """Return the claims of a signed payload and when it was issued (epoch seconds)."""
    header, at = payload[0], 1
    if (header & 7) >= len(PURPOSES):
        raise TokenError("invalid link")
    purpose = PURPOSES[header & 7]
    try:
        (issued_s,) = struct.unpack(">I", payload[at : at + 4])
        consultant, at = _unpack_id(payload, at + 4, bool(header & _CONSULTANT_TEXT))
        other = period = None
        if header & _OTHER:
            other, at = _unpack_id(payload, at, bool(header & _OTHER_TEXT))
        if header & _PERIOD:
            period, at = _unpack_period(payload, at, bool(header & _PERIOD_TEXT))
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        raise TokenError("invalid link") from exc
    if at != len(payload):
        raise TokenError("invalid link")
    return LinkClaims(purpose, consultant, other, period), issued_s


def _pack_text(value: str) -> bytes:
    data = value.encode()
    if len(data) > 255:
        raise ValueError(f"{value[:20]!r}...: too long for a link code")
    return bytes([len(data)]) + data


def _unpack_text(payload: bytes, at: int) -> tuple[str, int]:
    end = at + 1 + payload[at]
    if end > len(payload):
        raise ValueError("truncated text")
    return payload[at + 1 : end].decode(), end


def _pack_id(value: str) -> tuple[bytes, bool]:
    """Return an id as 16 bytes when it is a UUID in canonical form, else as text."""
    try:
        if str(uuid.UUID(value)) == value:
            return uuid.UUID(value).bytes, False
    except ValueError:
        pass
    return _pack_text(value), True


def _unpack_id(payload: bytes, at: int, text: bool) -> tuple[str, int]:
    if text:
        return _unpack_text(payload, at)
    if at + 16 > len(payload):
        raise ValueError("truncated id")
    return str(uuid.UUID(bytes=payload[at : at + 16])), at + 16


def _pack_period(period: str) -> tuple[bytes, bool]:
    """Return `2026-W48` or `2026-11` in 2 bytes, anything else (a preview) as text."""
    year, sep, rest = period.partition("-")
    if len(year) == 4 and year.isdigit() and 2000 <= int(year) < 2512 and sep:
        offset = int(year) - 2000
        if len(rest) == 3 and rest[0] == "W" and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 53:
            return struct.pack(">H", _WEEK | offset << 6 | int(rest[1:])), False
        if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
            return struct.pack(">H", offset << 4 | int(rest)), False
    return _pack_text(period), True


def _unpack_period(payload: bytes, at: int, text: bool) -> tuple[str, int]:
    if text:
        return _unpack_text(payload, at)
    (packed,) = struct.unpack(">H", payload[at : at + 2])
    if packed & _WEEK:
        year, week = 2000 + ((packed & ~_WEEK) >> 6), packed & 63
        return f"{year}-W{week:02d}", at + 2
    return f"{2000 + (packed >> 4)}-{packed & 15:02d}", at + 2
