"""What the notifier's routes depend on: the wired notifier, the Celery hand-offs, the errors."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from braise_shared.apidoc import error_responses

EnqueueDigests = Callable[[list[tuple[str, str]]], object]
EnqueueUnsubscribeSync = Callable[[str, str], object]


def _enqueue_digests(request: Request) -> EnqueueDigests:
    enqueue: EnqueueDigests = request.app.state.enqueue_digests
    return enqueue


def _enqueue_unsubscribe_sync(request: Request) -> EnqueueUnsubscribeSync:
    enqueue: EnqueueUnsubscribeSync = request.app.state.enqueue_unsubscribe_sync
    return enqueue


DigestQueue = Annotated[EnqueueDigests, Depends(_enqueue_digests)]
UnsubscribeQueue = Annotated[EnqueueUnsubscribeSync, Depends(_enqueue_unsubscribe_sync)]

_WHY = {
    401: "No valid staff bearer token (missing, expired, forged).",
    403: "The token is not a staff or service token.",
    404: "No such subscribed consultant, or no such link purpose.",
    503: "The graph did not answer; try again later.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI answers of these refusals."""
    return error_responses(_WHY, *statuses)
