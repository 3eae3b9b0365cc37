"""Mount the pages on the notifier's app."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from braise_notifier.bootstrap import Notifier
from braise_notifier.pages import calendar, firm, gone, links, network, preferences, web

STATIC = Path(__file__).resolve().parent.parent / "static"


def include_pages(app: FastAPI, notifier: Notifier) -> None:
    """Add the pages' routes, their session machinery and their refusal pages to app."""
    app.state.jwt_secret = notifier.settings.jwt_secret.get_secret_value()  # braise_shared.bearer
    web.install(app, notifier)
    firm.install(app, notifier)
    gone.install(app)
    for router in (
        links.router,
        preferences.router,
        calendar.router,
        network.router,
        firm.router,
        firm.api,
    ):
        app.include_router(router)
    # The pages' scripts, and the libraries `make install` vendors from npm into static/vendor.
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
