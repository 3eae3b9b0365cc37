"""An erased consultant's pages: their account no longer exists, and the page says so."""

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import texts
from braise_notifier.db import erased_among
from braise_notifier.pages.as_consultant import AccountGoneError
from braise_notifier.pages.session import COOKIE
from braise_notifier.pages.web import page
from braise_shared.locales import DEFAULT_LOCALE


def is_erased(notifier: Notifier, consultant_id: str) -> bool:
    """Tell whether the notifier knows this consultant as erased."""
    with notifier.factory() as session:
        return bool(erased_among(session, [consultant_id]))


def account_gone(*, end_session: bool) -> HTMLResponse:
    """Answer 410 with a page saying the account no longer exists; end_session drops the cookie
    of the session that was theirs."""
    # French: whoever erased the account took its language with it.
    response = page(
        "message.html", texts(DEFAULT_LOCALE), status=410, message_key="pages.account_gone"
    )
    if end_session:
        response.delete_cookie(COOKIE, path="/")
    return response


def install(app: FastAPI) -> None:
    """Answer a page whose session is an erased consultant's with the account-gone page."""

    @app.exception_handler(AccountGoneError)
    async def _account_gone(_request: Request, _exc: AccountGoneError) -> HTMLResponse:
        return account_gone(end_session=True)
