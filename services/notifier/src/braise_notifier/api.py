"""The notifier's HTTP app: the digests' links, staff's admin routes, the reader's pages and
the firm's view. Routes live on the routers of `braise_notifier.routes` and `pages`."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError

from braise_notifier.bootstrap import Notifier
from braise_notifier.pages.routes import include_pages
from braise_notifier.routes import admin, links
from braise_notifier.routes.deps import EnqueueDigests, EnqueueUnsubscribeSync
from braise_shared.observability import observe
from braise_shared.sql import ping_sql

# Answered with the page of a link that does not verify, never with JSON.
_LINK_PATHS = ("/l/", "/v1/unsubscribe", "/v1/feedback")


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(_LINK_PATHS) and exc.status_code == 400:
        return links.invalid_link_page()
    return await http_exception_handler(request, exc)


async def _invalid_request(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    # A short link's code that is not even base64url: the page of a link that does not verify.
    if request.url.path.startswith("/l/"):
        return links.invalid_link_page()
    return await request_validation_exception_handler(request, exc)


def create_app(
    notifier: Notifier,
    enqueue_digests: EnqueueDigests,
    enqueue_unsubscribe_sync: EnqueueUnsubscribeSync,
) -> FastAPI:
    """Build the app; the enqueue callables hand work to Celery (injected for tests)."""
    app = FastAPI(title="Braise notifier", version="1")
    checks: dict[str, Callable[[], object]] = {
        "sql": lambda: ping_sql(notifier.engine),
        "redis": notifier.publisher.client.ping,
    }
    observe(app, service="notifier", checks=checks)
    app.state.enqueue_digests = enqueue_digests
    app.state.enqueue_unsubscribe_sync = enqueue_unsubscribe_sync
    include_pages(app, notifier)  # sets app.state.notifier, jwt_secret, the pages' sessions
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for router in (links.router, admin.router):
        app.include_router(router)
    return app
