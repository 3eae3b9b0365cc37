"""Every error answer in one shape, `{"detail": [{"loc", "msg", "type"}]}`, and its OpenAPI entry.

The handlers never fail themselves: what a request sent is echoed back only after any text
that cannot be encoded as UTF-8 (a lone surrogate) is escaped.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from braise_profiles.errors import ProfilesError


class ErrorItem(BaseModel):
    """One reason a request was refused: where (`loc`), why (`msg`), what kind (`type`)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """A refused request: every reason found."""

    detail: list[ErrorItem]


_WHY = {
    400: "The body could not be read (not UTF-8, or not the declared type).",
    401: "No valid bearer token (missing, expired, forged, or `alg: none`).",
    403: "The token may not do this (another consultant's data, a staff route, a pair of others).",
    404: "No such consultant or interaction (or not one this token may know of).",
    409: "Clashes with what is stored: an e-mail taken, an Idempotency-Key reused.",
    413: "The request body is larger than the service accepts.",
    422: "A value is not acceptable; `loc` names the field, `msg` says why.",
    429: "Too many writes from this consultant; retry after `Retry-After` seconds.",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next write is accepted.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI entries of these error statuses, for a route's `responses=`."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _WHY[status]}
        if status == 429:
            entry["headers"] = _RETRY_AFTER
        declared[status] = entry
    return declared


def _encodable(value: Any) -> Any:
    """Return value with every string made encodable as UTF-8 (lone surrogates escaped)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


def error_response(
    status_code: int, detail: list[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Answer status_code with detail in the one error shape, whatever text it echoes."""
    content = {"detail": _encodable(jsonable_encoder(detail, custom_encoder=_LENIENT))}
    return JSONResponse(content, status_code=status_code, headers=headers)


# Bytes a client sent may not be UTF-8; show them escaped rather than fail on them.
_LENIENT: dict[Any, Any] = {bytes: lambda b: b.decode("utf-8", "backslashreplace")}


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """Answer 422 naming each field at fault."""
    return error_response(422, list(exc.errors()))


async def domain_error(_request: Request, exc: ProfilesError) -> JSONResponse:
    """Answer a domain error with its status, naming the field."""
    return error_response(exc.status_code, exc.detail(), exc.headers())


async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    """Answer Starlette's errors (no route, wrong method, unreadable body) in the one shape."""
    if isinstance(exc.detail, list):
        return error_response(exc.status_code, exc.detail, exc.headers)
    where: list[str] = ["path"] if exc.status_code in (404, 405) else ["body"]
    item = {"loc": where, "msg": str(exc.detail), "type": f"http_{exc.status_code}"}
    return error_response(exc.status_code, [item], exc.headers)


async def integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
    """Answer 409 to a write that lost a race with a concurrent one."""
    return error_response(
        409, [{"loc": ["body"], "msg": "conflicts with a concurrent write", "type": "conflict"}]
    )
