"""Where a calendar is read from, encrypted at rest with the service's calendar key (Fernet)."""

from dataclasses import dataclass

import orjson
from cryptography.fernet import Fernet, InvalidToken


class UnreadableSecretError(RuntimeError):
    """A stored connection cannot be decrypted: the calendar key changed since it was stored."""


@dataclass(frozen=True)
class Connection:
    """How to reach a calendar: its URL and, for CalDAV or a protected URL, an account."""

    url: str
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"Connection(url=<hidden>, user={'set' if self.user else None}, password=<hidden>)"


def new_key() -> str:
    """Return a new calendar key, as BRAISE_PROFILES_CALENDAR_KEY takes it."""
    return Fernet.generate_key().decode()


def seal(connection: Connection, key: bytes) -> bytes:
    """Return the connection encrypted (and authenticated) with key."""
    plain = orjson.dumps(
        {"url": connection.url, "user": connection.user, "password": connection.password}
    )
    return Fernet(key).encrypt(plain)


def unseal(sealed: bytes, key: bytes) -> Connection:
    """Return the connection sealed with key, or raise UnreadableSecretError."""
    try:
        fields = orjson.loads(Fernet(key).decrypt(sealed))
    except InvalidToken as exc:
        raise UnreadableSecretError(
            "the calendar's credentials cannot be decrypted with the current calendar key: "
            "connect it again"
        ) from exc
    return Connection(url=fields["url"], user=fields["user"], password=fields["password"])
