"""The signed links that open a consultant's pages and start their session."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from braise_notifier.pages.web import NotifierDep, SessionsDep

router = APIRouter(tags=["pages"], include_in_schema=False)

ConsultantPage = Literal["preferences", "network"]


@router.get("/pages/open/{purpose}")
def open_page(
    purpose: ConsultantPage, token: str, notifier: NotifierDep, sessions: SessionsDep
) -> RedirectResponse:
    """Open a page from a digest's link: start a short session, then drop the token from the URL."""
    claims = notifier.signer.verify(purpose, token)
    response = RedirectResponse(f"/pages/{purpose}", status_code=303)
    sessions.open(response, "consultant", claims.consultant_id)
    return response
