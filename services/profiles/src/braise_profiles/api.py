"""The profiles HTTP API under /v1: one router per feature on the service `bootstrap` wires."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from braise_profiles import http_errors
from braise_profiles.bootstrap import Profiles, bootstrap
from braise_profiles.calendars.router import router as calendars
from braise_profiles.config import ProfilesSettings
from braise_profiles.consultants.router import router as consultants
from braise_profiles.csv_import.router import router as csv_import
from braise_profiles.errors import ProfilesError
from braise_profiles.interactions.router import router as interactions
from braise_profiles.limits import BodySizeLimit, document_page_size
from braise_profiles.preferences.router import router as preferences
from braise_shared.observability import observe
from braise_shared.sql import ping_sql


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    profiles: Profiles = app.state.profiles
    profiles.migrate()
    yield
    profiles.close()


def create_app(settings: ProfilesSettings, *, engine: Engine | None = None) -> FastAPI:
    """Build the application on the service `bootstrap` wires; pass an engine to share one."""
    app = FastAPI(
        title="Braise profiles",
        version="1",
        summary="Consultants, their affinities, consent and interactions.",
        lifespan=_lifespan,
        exception_handlers={
            RequestValidationError: http_errors.validation_error,
            HTTPException: http_errors.http_error,
            ProfilesError: http_errors.domain_error,
            IntegrityError: http_errors.integrity_error,
        },
    )
    profiles = app.state.profiles = bootstrap(settings, engine=engine)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    observe(app, service="profiles", checks={"sql": lambda: ping_sql(profiles.engine)})
    for router in (consultants, preferences, interactions, csv_import, calendars):
        app.include_router(router)
    document_page_size(app, maximum=settings.page_size_max)
    return app
