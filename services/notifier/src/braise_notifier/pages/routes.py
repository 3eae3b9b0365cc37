"""Mount the pages on the notifier's app."""

from fastapi import FastAPI

from braise_notifier.bootstrap import Notifier
from braise_notifier.pages import firm, links, network, preferences, web


def include_pages(app: FastAPI, notifier: Notifier) -> None:
    """Add the pages' routes, their session machinery and their refusal pages to app."""
    web.install(app, notifier)
    for router in (links.router, preferences.router, network.router, firm.router, firm.api):
        app.include_router(router)
