"""One log format for every Braise process: one JSON object per line.

Each line has `ts`, `level`, `service`, `logger`, `msg`, and whatever the call passed in
`extra` (`event_ids`, `correlation_id`, `consultant_id`...), so one interaction can be
followed from the HTTP request to the graph write and the digest (`braise logs --event ID`).
`BRAISE_LOG_FORMAT=text` gives the old one-line text format for a terminal.
"""

import json
import logging
import os
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The request (or task) being served; set by the HTTP middleware and read by every log line.
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as JSON, with its extras and any exception."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "pid": record.process,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        cid = correlation_id.get()
        if cid is not None:
            line["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# Signed link tokens are credentials: they never reach a log line (access logs included),
# whether in a `token=` query parameter or as the code of a short link (`/l/{code}`).
_TOKEN = re.compile(r"(token=|/l/)[^&\s\"'/?#]+")


class RedactTokens(logging.Filter):
    """Replace every `token=` value and short-link code in a log line by `[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drop it."""
        message = record.getMessage()
        if "token=" in message or "/l/" in message:
            record.msg, record.args = _TOKEN.sub(r"\1[redacted]", message), None
        return True


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class CorrelationMiddleware:
    """Pure ASGI middleware: take `X-Correlation-ID` (or make one) for the request's log lines."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        """Serve the request with its correlation id set, and echo it in the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-correlation-id", b"").decode("latin-1")
        cid = given if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", given) else uuid.uuid4().hex
        token = correlation_id.set(cid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", cid.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)


def configure_logging(service: str) -> None:
    """Log to stderr, level from $BRAISE_LOG_LEVEL, JSON unless $BRAISE_LOG_FORMAT is text."""
    handler = logging.StreamHandler()
    if os.environ.get("BRAISE_LOG_FORMAT", "json").lower() == "text":
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
        )
    else:
        handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("BRAISE_LOG_LEVEL", "INFO").upper())
