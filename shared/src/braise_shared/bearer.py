"""The one bearer check of every service's HTTP API: who calls, and what they may reach.

A route declares `Caller` (any valid token) or `Staff` (an admin or service token) as an
`Annotated` parameter. The token's secret is the app's `state.jwt_secret`, set by each
service's `create_app`. Every refusal has one shape: 401 with `WWW-Authenticate: Bearer`, or
403, each naming `header.Authorization` and the reason.
"""

import uuid
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from braise_shared.auth import InvalidTokenError, Principal, verify_token

SCHEME = HTTPBearer(auto_error=False, description="A signed JWT: admin, service or consultant.")
_AUTHORIZATION = ["header", "Authorization"]


def refusal(loc: list[str], msg: str, kind: str) -> list[dict[str, Any]]:
    """Return the one body shape of a refusal: where, why, what kind."""
    return [{"loc": loc, "msg": msg, "type": kind}]


def unauthorized(reason: str) -> HTTPException:
    """Return the 401 of a missing or invalid token."""
    return HTTPException(
        401,
        detail=refusal(_AUTHORIZATION, reason, "unauthorized"),
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden(msg: str, loc: list[str] | None = None) -> HTTPException:
    """Return the 403 of a valid token that may not do this."""
    return HTTPException(403, detail=refusal(loc or _AUTHORIZATION, msg, "forbidden"))


def principal_of(secret: str, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """Return who a bearer token names, or raise the 401 saying why not."""
    if credentials is None:
        raise unauthorized("missing bearer token")
    try:
        return verify_token(secret, credentials.credentials)
    except InvalidTokenError as exc:
        raise unauthorized(str(exc)) from exc


# Coroutines, though they do no I/O: FastAPI runs a plain function's dependency in a worker
# thread, a hop of threads per request for an HMAC check of microseconds.
async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(SCHEME)],
) -> Principal:
    secret: str = request.app.state.jwt_secret
    return principal_of(secret, credentials)


async def _staff(caller: Annotated[Principal, Depends(_caller)]) -> Principal:
    if not caller.is_admin:
        raise forbidden("staff only")
    return caller


Caller = Annotated[Principal, Depends(_caller)]
Staff = Annotated[Principal, Depends(_staff)]


def acting_for(caller: Principal, consultant_id: uuid.UUID, loc: list[str] | None = None) -> str:
    """Return the consultant's id if the caller may act for them, or raise the 403."""
    if not caller.may_act_for(consultant_id):
        raise forbidden(
            "a consultant token reaches only that consultant", loc or ["path", "consultant_id"]
        )
    return str(consultant_id)
