"""Idempotency-Key on writes: the same key twice records once and answers the same."""

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.db import IdempotencyRow, unit_of_work
from braise_profiles.errors import ConflictError
from braise_shared.sql import bytes_contain

MAX_KEY_LENGTH = 200

# What a key answers once the response it stored named a consultant who was erased since.
ERASED_RESPONSE = orjson.dumps(
    {"detail": "the response to this request named a consultant who has since been erased"}
)


def request_fingerprint(method: str, path: str, body: object) -> str:
    """Return a hash of what a request asks, to detect a key reused for another request."""
    canonical = orjson.dumps(
        {"method": method, "path": path, "body": body}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def run_once(
    factory: sessionmaker[Session],
    *,
    principal: str,
    key: str | None,
    fingerprint: str,
    status_code: int,
    operation: Callable[[Session], object],
    serialize: AbstractContextManager[Any] | None = None,
) -> tuple[int, bytes]:
    """Run operation in one transaction unless this key already ran; return status and body.

    The key's length (1 to MAX_KEY_LENGTH) is checked where the header is read.

    The stored response is written in the same transaction as the change, so a key is
    either fully used or not used at all. `serialize`, when given, is held around the
    transaction (the process's SQLite write lock, `bootstrap.Profiles.writes`).
    """
    for _attempt in range(2):
        try:
            with serialize or nullcontext(), unit_of_work(factory) as session:
                if key is not None:
                    stored = session.get(IdempotencyRow, (principal, key))
                    if stored is not None:
                        if stored.request_hash != fingerprint:
                            raise ConflictError(
                                ("header", "Idempotency-Key"),
                                "this key was already used for a different request",
                            )
                        return stored.status_code, stored.body
                result = operation(session)
                body = orjson.dumps(result)
                if key is not None:
                    session.add(
                        IdempotencyRow(
                            principal=principal,
                            key=key,
                            request_hash=fingerprint,
                            status_code=status_code,
                            body=body,
                            created_at=datetime.now(UTC),
                        )
                    )
                return status_code, body
        except IntegrityError:
            # A concurrent request with the same key committed first: answer what it stored.
            if key is None:
                raise
    raise ConflictError(("header", "Idempotency-Key"), "a request with this key is in flight")


def forget_responses_about(session: Session, *, consultant_id: str) -> None:
    """Drop the consultant's own keys; other keys whose answer names them now answer 410.

    Those keys are kept, so a retried request (a registration sent again by an HR tool)
    is still recognised and cannot bring the erased person back.
    """
    session.execute(
        delete(IdempotencyRow).where(IdempotencyRow.principal == f"consultant:{consultant_id}")
    )
    session.execute(
        update(IdempotencyRow)
        .where(bytes_contain(IdempotencyRow.body, consultant_id.encode()))
        .values(status_code=410, body=ERASED_RESPONSE)
    )
