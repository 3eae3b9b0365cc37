"""What one request may ask: its size in bytes, its number of items, the size of a page.

The byte limit is a pure ASGI middleware, so oversized bodies are never buffered. A body that
declares its length is refused before it is read; a chunked one when it passes the limit.
"""

from collections.abc import Sized
from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from braise_profiles.errors import InvalidError


def check_bulk_size(items: Sized, *, maximum: int) -> None:
    """Refuse a bulk request of more than maximum items."""
    if len(items) > maximum:
        raise InvalidError(("body", "items"), f"at most {maximum} items")


@cache
def _at_most(maximum: int) -> TypeAdapter[int]:
    return TypeAdapter(Annotated[int, Field(le=maximum)])


def check_page_size(request: Request, *, maximum: int) -> None:
    """Refuse a `limit` query value above maximum, in the words FastAPI uses for any range.

    The maximum is a setting, so it cannot sit in the route's `Query(le=...)`, which is fixed
    when the module is imported; `document_page_size` shows it in the OpenAPI schema.
    """
    raw = request.query_params.get("limit")
    if raw is None:
        return
    try:
        _at_most(maximum).validate_python(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", "limit")} for e in errors]) from exc


def document_page_size(app: FastAPI, *, maximum: int) -> None:
    """Show maximum on every `limit` query parameter of the app's OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for operation in (op for path in schema["paths"].values() for op in path.values()):
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] == "limit":
                    parameter["schema"]["maximum"] = maximum
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodySizeLimit:
    """Answer 413 to any request whose body exceeds max_bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length up front, and count the bytes of bodies that do not declare it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLargeError(_too_large(self.max_bytes))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = orjson.dumps({"detail": _too_large(self.max_bytes)})
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _too_large(max_bytes: int) -> list[dict[str, Any]]:
    return [
        {"loc": ["body"], "msg": f"request body larger than {max_bytes} bytes", "type": "too_large"}
    ]


class _TooLargeError(HTTPException):
    """A streamed body passed the limit while the app read it.

    An HTTPException, so FastAPI's body parsing lets it through (it turns any other error
    into a 400) and the app's handler answers 413.
    """

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(413, detail=detail)
