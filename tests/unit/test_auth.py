"""Bearer tokens and who may act for whom: the authorization helpers every service uses."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from braise_shared.auth import (
    InvalidTokenError,
    Principal,
    Role,
    issue_token,
    verify_token,
)

SECRET = "a-test-secret-of-more-than-32-characters!"
ME = uuid.UUID(int=1)
SOMEONE_ELSE = uuid.UUID(int=2)


def _raw(claims: dict[str, Any], *, secret: str = SECRET, algorithm: str = "HS256") -> str:
    """Return a token signed by hand, with exactly these claims."""
    return jwt.encode(claims, secret, algorithm=algorithm)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base = {"iss": "braise", "sub": str(ME), "role": "consultant", "iat": now}
    return base | {"exp": now + timedelta(hours=1)} | overrides


@pytest.mark.parametrize(
    ("role", "subject"),
    [("admin", "staff@firm"), ("service", "notifier"), ("consultant", str(ME))],
)
def test_an_issued_token_names_its_role_and_subject(role: Role, subject: str) -> None:
    assert verify_token(SECRET, issue_token(SECRET, role, subject)) == Principal(role, subject)


def test_a_token_lives_thirty_days_by_default_and_says_who_issued_it() -> None:
    claims = jwt.decode(issue_token(SECRET, "admin", "staff"), SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert (claims["iss"], claims["sub"], claims["role"]) == ("braise", "staff", "admin")
    short = issue_token(SECRET, "admin", "staff", ttl=timedelta(minutes=5))
    claims = jwt.decode(short, SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 300


def test_an_expired_token_is_refused_as_expired() -> None:
    stale = issue_token(SECRET, "admin", "staff", ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidTokenError, match=r"^token expired$"):
        verify_token(SECRET, stale)


def test_a_token_verified_before_is_refused_once_it_has_expired() -> None:
    # Verified tokens are remembered (a service token comes with every request); the
    # remembered answer still ends with the token's expiry. Expiry is in whole seconds.
    token = issue_token(SECRET, "admin", "staff", ttl=timedelta(seconds=1))
    assert verify_token(SECRET, token) == Principal("admin", "staff")
    assert verify_token(SECRET, token) == Principal("admin", "staff")
    expires = jwt.decode(token, SECRET, algorithms=["HS256"])["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(InvalidTokenError, match=r"^token expired$"):
        verify_token(SECRET, token)
    # Remembered under its secret only: another service's secret still refuses it.
    other = issue_token(SECRET, "admin", "x")
    assert verify_token(SECRET, other) == Principal("admin", "x")
    with pytest.raises(InvalidTokenError, match=r"^invalid token: Signature"):
        verify_token("another-secret-of-more-than-32-characters", other)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (issue_token("another-secret-of-more-than-32-characters", "admin", "x"), "Signature"),
        (_raw(_claims(), secret=SECRET * 2, algorithm="HS512"), "alg value"),
        (_raw(_claims(iss="someone-else")), "issuer"),
        (_raw({k: v for k, v in _claims().items() if k != "exp"}), "exp"),
        (_raw({k: v for k, v in _claims().items() if k != "sub"}), "sub"),
        (_raw({k: v for k, v in _claims().items() if k != "iss"}), "iss"),
        ("not-a-token", "segments"),
    ],
)
def test_a_forged_or_malformed_token_is_refused_saying_why(token: str, why: str) -> None:
    with pytest.raises(InvalidTokenError, match=f"^invalid token: .*{why}"):
        verify_token(SECRET, token)


@pytest.mark.parametrize("role", ["root", None, "ADMIN"])
def test_an_unknown_role_is_refused(role: str | None) -> None:
    claims = _claims(role=role) if role else {k: v for k, v in _claims().items() if k != "role"}
    with pytest.raises(InvalidTokenError, match=r"^invalid token: unknown role$"):
        verify_token(SECRET, _raw(claims))


def test_a_consultant_token_must_name_a_consultant_id() -> None:
    with pytest.raises(InvalidTokenError, match=r"^invalid token: consultant subject is not"):
        verify_token(SECRET, _raw(_claims(sub="camille")))
    # Staff and services are named by anything.
    assert verify_token(SECRET, _raw(_claims(role="admin", sub="camille"))).subject == "camille"


@pytest.mark.parametrize(
    ("principal", "is_admin", "for_me", "for_someone_else"),
    [
        (Principal("admin", "staff@firm"), True, True, True),
        (Principal("service", "notifier"), True, True, True),
        (Principal("consultant", str(ME)), False, True, False),
        # A consultant named like an id they are not, or a non-consultant role, gets nothing.
        (Principal("consultant", str(SOMEONE_ELSE)), False, False, True),
    ],
)
def test_who_may_act_for_whom(
    principal: Principal, is_admin: bool, for_me: bool, for_someone_else: bool
) -> None:
    assert principal.is_admin is is_admin
    assert principal.may_act_for(ME) is for_me
    assert principal.may_act_for(SOMEONE_ELSE) is for_someone_else


@pytest.mark.usefixtures("far_east")
def test_tokens_are_dated_in_utc_whatever_the_server_zone() -> None:
    claims = jwt.decode(issue_token(SECRET, "admin", "staff"), SECRET, algorithms=["HS256"])
    assert abs(claims["iat"] - time.time()) < 60
