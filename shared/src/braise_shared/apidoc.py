"""OpenAPI entries for the error answers a route can give, so the spec declares every status."""

from collections.abc import Mapping
from typing import Any

# Every error answer is a JSON object with a `detail` (a message, or a list of field errors).
ERROR_JSON = {"application/json": {"schema": {"type": "object", "required": ["detail"]}}}


def error_responses(why: Mapping[int, str], *statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return a route's `responses=` for these statuses, each described by why[status]."""
    return {status: {"description": why[status], "content": ERROR_JSON} for status in statuses}
