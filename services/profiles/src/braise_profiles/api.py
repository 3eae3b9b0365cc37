"""The profiles HTTP API under /v1: routes parse, check who is calling, call the service."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.bootstrap import Profiles, bootstrap
from braise_profiles.config import ProfilesSettings
from braise_profiles.consultants import service
from braise_profiles.consultants.schemas import (
    BulkConsultantsIn,
    ConsultantIn,
    ConsultantOut,
    ConsultantPage,
    ConsultantPatch,
)
from braise_profiles.csv_import.schemas import ImportReport
from braise_profiles.csv_import.service import import_interactions_csv
from braise_profiles.db import unit_of_work
from braise_profiles.errors import (
    ForbiddenError,
    InvalidError,
    NotFoundError,
    ProfilesError,
    bulk_item,
)
from braise_profiles.idempotency import request_fingerprint, run_once
from braise_profiles.interactions import service as interactions
from braise_profiles.interactions.schemas import BulkInteractionsIn, InteractionIn, InteractionOut
from braise_profiles.limits import BodySizeLimit
from braise_profiles.preferences import service as preferences
from braise_profiles.preferences.schemas import PreferencesIn, PreferencesOut
from braise_shared.auth import InvalidTokenError, Principal, verify_token

_bearer = HTTPBearer(auto_error=False, description="A signed JWT: admin, service or consultant.")


class AuthError(Exception):
    """No valid bearer token."""


def _profiles(request: Request) -> Profiles:
    profiles: Profiles = request.app.state.profiles
    return profiles


def _factory(request: Request) -> sessionmaker[Session]:
    return _profiles(request).session_factory


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AuthError("missing bearer token")
    settings = _profiles(request).settings
    try:
        return verify_token(settings.jwt_secret.get_secret_value(), credentials.credentials)
    except InvalidTokenError as exc:
        raise AuthError(str(exc)) from exc


Factory = Annotated[sessionmaker[Session], Depends(_factory)]
Caller = Annotated[Principal, Depends(_principal)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Send the same key again: recorded once."),
]


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise ForbiddenError(("header", "Authorization"), "this route is for the firm's staff")


def _require_self(principal: Principal, consultant_id: uuid.UUID) -> None:
    if not principal.may_act_for(consultant_id):
        raise ForbiddenError(
            ("path", "consultant_id"), "a consultant token reaches only that consultant's data"
        )


def _dump(value: BaseModel | list[Any]) -> Any:
    if isinstance(value, list):
        return [v.model_dump(mode="json") for v in value]
    return value.model_dump(mode="json")


def _write(
    request: Request,
    factory: sessionmaker[Session],
    principal: Principal,
    key: str | None,
    body: object,
    status_code: int,
    operation: Callable[[Session], Any],
) -> Response:
    status, payload = run_once(
        factory,
        principal=f"{principal.role}:{principal.subject}",
        key=key,
        fingerprint=request_fingerprint(request.method, request.url.path, body),
        status_code=status_code,
        operation=operation,
    )
    return Response(payload, status_code=status, media_type="application/json")


def create_app(settings: ProfilesSettings, *, engine: Engine | None = None) -> FastAPI:
    """Build the application on the service wired by `bootstrap`: migrations, then routes."""
    profiles = bootstrap(settings, engine=engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        profiles.migrate()
        yield
        profiles.close()

    app = FastAPI(
        title="Braise profiles",
        version="1",
        summary="Consultants, their affinities, consent and interactions.",
        lifespan=lifespan,
    )
    app.state.profiles = profiles
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(ProfilesError)
    async def _domain_error(_request: Request, exc: ProfilesError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code)

    @app.exception_handler(AuthError)
    async def _auth_error(_request: Request, exc: AuthError) -> JSONResponse:
        detail = [{"loc": ["header", "Authorization"], "msg": str(exc), "type": "unauthorized"}]
        return JSONResponse(
            {"detail": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        detail = [{"loc": ["body"], "msg": "conflicts with a concurrent write", "type": "conflict"}]
        return JSONResponse({"detail": detail}, status_code=409)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _consultant_routes(app, settings)
    _interaction_routes(app, settings)
    return app


def _consultant_routes(app: FastAPI, settings: ProfilesSettings) -> None:
    @app.post(
        "/v1/consultants", status_code=201, response_model=ConsultantOut, tags=["consultants"]
    )
    def register_consultant(
        body: ConsultantIn,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Register a consultant (staff only)."""
        _require_admin(caller)
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json"),
            201,
            lambda s: _dump(service.register_consultants(session=s, items=[body])[0]),
        )

    @app.post(
        "/v1/consultants/bulk",
        status_code=201,
        response_model=list[ConsultantOut],
        tags=["consultants"],
    )
    def register_consultants(
        body: BulkConsultantsIn,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Register many consultants at once: all of them, or none (staff only)."""
        _require_admin(caller)
        if len(body.items) > settings.max_bulk_items:
            raise InvalidError(("body", "items"), f"at most {settings.max_bulk_items} items")
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json"),
            201,
            lambda s: _dump(
                service.register_consultants(session=s, items=body.items, item_loc=bulk_item)
            ),
        )

    @app.get("/v1/consultants", response_model=ConsultantPage, tags=["consultants"])
    def list_consultants(
        factory: Factory,
        caller: Caller,
        limit: Annotated[int, Query(ge=1, le=settings.page_size_max)] = 50,
        cursor: uuid.UUID | None = None,
        skill: str | None = None,
        sector: str | None = None,
        interest: str | None = None,
    ) -> ConsultantPage:
        """List consultants, paginated, filtered by skill, sector or interest (staff only)."""
        _require_admin(caller)
        with unit_of_work(factory) as session:
            items, next_cursor = service.list_consultants(
                session=session,
                limit=limit,
                cursor=cursor,
                skill=skill,
                sector=sector,
                interest=interest,
            )
        return ConsultantPage(items=items, next_cursor=next_cursor)

    @app.get("/v1/consultants/{consultant_id}", response_model=ConsultantOut, tags=["consultants"])
    def get_consultant(consultant_id: uuid.UUID, factory: Factory, caller: Caller) -> ConsultantOut:
        """Read one consultant (staff, or that consultant)."""
        _require_self(caller, consultant_id)
        with unit_of_work(factory) as session:
            return service.get_consultant(session=session, consultant_id=consultant_id)

    @app.patch(
        "/v1/consultants/{consultant_id}", response_model=ConsultantOut, tags=["consultants"]
    )
    def update_consultant(
        consultant_id: uuid.UUID,
        body: ConsultantPatch,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Change a consultant's profile; fields left out keep their value."""
        _require_self(caller, consultant_id)
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json", exclude_unset=True),
            200,
            lambda s: _dump(
                service.update_consultant(session=s, consultant_id=consultant_id, patch=body)
            ),
        )

    @app.delete("/v1/consultants/{consultant_id}", status_code=204, tags=["consultants"])
    def erase_consultant(consultant_id: uuid.UUID, factory: Factory, caller: Caller) -> Response:
        """Erase a consultant and their interactions here, and tell every service (GDPR)."""
        _require_self(caller, consultant_id)
        with unit_of_work(factory) as session:
            service.erase_consultant(session=session, consultant_id=consultant_id)
        return Response(status_code=204)

    @app.get("/v1/consultants/{consultant_id}/export", tags=["consultants"])
    def export_consultant(
        consultant_id: uuid.UUID, factory: Factory, caller: Caller
    ) -> dict[str, Any]:
        """Return everything held about one consultant, as JSON (GDPR)."""
        _require_self(caller, consultant_id)
        with unit_of_work(factory) as session:
            return service.export_consultant(session=session, consultant_id=consultant_id)

    @app.get(
        "/v1/consultants/{consultant_id}/preferences",
        response_model=PreferencesOut,
        tags=["preferences"],
    )
    def get_preferences(
        consultant_id: uuid.UUID, factory: Factory, caller: Caller
    ) -> PreferencesOut:
        """Read a consultant's digest preferences and consent."""
        _require_self(caller, consultant_id)
        with unit_of_work(factory) as session:
            return preferences.get_preferences(session=session, consultant_id=consultant_id)

    @app.put(
        "/v1/consultants/{consultant_id}/preferences",
        response_model=PreferencesOut,
        tags=["preferences"],
    )
    def change_preferences(
        consultant_id: uuid.UUID,
        body: PreferencesIn,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Change digest frequency, day, language or consent; fields left out keep their value."""
        _require_self(caller, consultant_id)
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json", exclude_unset=True),
            200,
            lambda s: _dump(
                preferences.change_preferences(
                    session=s, consultant_id=consultant_id, preferences=body
                )
            ),
        )


def _interaction_routes(app: FastAPI, settings: ProfilesSettings) -> None:
    @app.post(
        "/v1/interactions", status_code=201, response_model=InteractionOut, tags=["interactions"]
    )
    def record_interaction(
        body: InteractionIn,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Record an interaction (staff, or a consultant who took part)."""
        if not caller.is_admin and uuid.UUID(caller.subject) not in body.participants:
            raise ForbiddenError(
                ("body", "participants"), "you can record only your own interactions"
            )
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json"),
            201,
            lambda s: _dump(interactions.record_interactions(session=s, items=[body])[0]),
        )

    @app.post(
        "/v1/interactions/bulk",
        status_code=201,
        response_model=list[InteractionOut],
        tags=["interactions"],
    )
    def record_interactions(
        body: BulkInteractionsIn,
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Record many interactions at once: all of them, or none (staff only)."""
        _require_admin(caller)
        if len(body.items) > settings.max_bulk_items:
            raise InvalidError(("body", "items"), f"at most {settings.max_bulk_items} items")
        return _write(
            request,
            factory,
            caller,
            key,
            body.model_dump(mode="json"),
            201,
            lambda s: _dump(
                interactions.record_interactions(session=s, items=body.items, item_loc=bulk_item)
            ),
        )

    @app.post("/v1/interactions/import", response_model=ImportReport, tags=["interactions"])
    async def import_interactions(
        file: Annotated[UploadFile, File(description="CSV: kind, participants, occurred_at, ...")],
        request: Request,
        factory: Factory,
        caller: Caller,
        key: IdempotencyKey = None,
    ) -> Response:
        """Import a CSV history: valid rows go in, each bad row is reported (staff only)."""
        _require_admin(caller)
        raw = await file.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidError(("body", "file"), "the file is not UTF-8 text") from exc
        return _write(
            request,
            factory,
            caller,
            key,
            {"file": text},
            200,
            lambda s: _dump(
                import_interactions_csv(session=s, text=text, max_rows=settings.max_bulk_items)
            ),
        )

    @app.get("/v1/interactions", response_model=list[InteractionOut], tags=["interactions"])
    def list_interactions(
        factory: Factory,
        caller: Caller,
        consultant_id: uuid.UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=settings.page_size_max)] = 50,
    ) -> list[InteractionOut]:
        """List interactions, newest first: staff see all, a consultant their own."""
        if not caller.is_admin:
            if consultant_id is None:
                consultant_id = uuid.UUID(caller.subject)
            _require_self(caller, consultant_id)
        with unit_of_work(factory) as session:
            return interactions.list_interactions(
                session=session, consultant_id=consultant_id, limit=limit
            )

    @app.get(
        "/v1/interactions/{interaction_id}", response_model=InteractionOut, tags=["interactions"]
    )
    def get_interaction(
        interaction_id: uuid.UUID, factory: Factory, caller: Caller
    ) -> InteractionOut:
        """Read one interaction (staff, or a consultant who took part)."""
        with unit_of_work(factory) as session:
            if not caller.is_admin and not interactions.takes_part(
                session=session,
                consultant_id=uuid.UUID(caller.subject),
                interaction_id=interaction_id,
            ):
                raise NotFoundError(("path", "interaction_id"), f"no interaction {interaction_id}")
            return interactions.get_interaction(session=session, interaction_id=interaction_id)
