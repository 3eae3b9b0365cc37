"""What every router depends on: the wired service, the caller, and the one way to write.

Each route declares these as `Annotated` parameters; FastAPI resolves them per request.
They are `async def`: FastAPI runs a plain `def` dependency in its thread pool, a hop from the
event loop to a thread and back that cost more CPU than the dependency itself (four hops a
write). None of them waits on anything but the rate limit's Redis call, which still runs in
the thread pool.
"""

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session, sessionmaker

from braise_profiles.bootstrap import Profiles
from braise_profiles.config import ProfilesSettings
from braise_profiles.errors import ForbiddenError, ItemLoc, bulk_item
from braise_profiles.fields import BulkIn
from braise_profiles.idempotency import MAX_KEY_LENGTH, request_fingerprint, run_once
from braise_profiles.limits import check_bulk_size
from braise_shared.auth import Principal
from braise_shared.bearer import SCHEME, principal_of
from braise_shared.text import ONE_LINE

IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_KEY_LENGTH), ONE_LINE
]


def _profiles(request: Request) -> Profiles:
    profiles: Profiles = request.app.state.profiles
    return profiles


async def _settings(request: Request) -> ProfilesSettings:
    return _profiles(request).settings


async def _factory(request: Request) -> sessionmaker[Session]:
    return _profiles(request).session_factory


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(SCHEME)],
) -> Principal:
    return principal_of(_profiles(request).settings.jwt_secret.get_secret_value(), credentials)


Settings = Annotated[ProfilesSettings, Depends(_settings)]
Factory = Annotated[sessionmaker[Session], Depends(_factory)]
Caller = Annotated[Principal, Depends(_principal)]


def require_admin(principal: Principal) -> None:
    """Refuse anyone but the firm's staff (and services)."""
    if not principal.is_admin:
        raise ForbiddenError(("header", "Authorization"), "this route is for the firm's staff")


def require_self(principal: Principal, consultant_id: uuid.UUID, *, where: str = "path") -> None:
    """Refuse a consultant token that names another consultant (in the path, or the query)."""
    if not principal.may_act_for(consultant_id):
        raise ForbiddenError(
            (where, "consultant_id"), "a consultant token reaches only that consultant's data"
        )


def _jsonable(value: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return [v.model_dump(mode="json") for v in value]


Item = TypeVar("Item", bound=BaseModel)
Item_contra = TypeVar("Item_contra", bound=BaseModel, contravariant=True)
# A use case run in the write's transaction; what it returns is the answer's body.
Operation = Callable[[Session], BaseModel | Sequence[BaseModel]]


class RecordMany(Protocol[Item_contra]):
    """A use case that records items, all or none, and answers with what it recorded."""

    def __call__(
        self, *, session: Session, items: Sequence[Item_contra], item_loc: ItemLoc = ...
    ) -> Sequence[BaseModel]: ...


@dataclass(frozen=True)
class WriteOnce:
    """The one way a route changes data: once per Idempotency-Key, in one transaction.

    The operation runs in a unit of work and stages its events in the outbox of that same
    transaction; the answer, with the route's declared status code, is stored with the key
    so a retry gets the same answer. A domain error rolls everything back and becomes a 4xx.
    """

    factory: sessionmaker[Session]
    principal: Principal
    key: str | None
    method: str
    path: str
    status_code: int
    max_bulk_items: int
    writes: AbstractContextManager[Any]

    def __call__(self, request_body: object, operation: Operation) -> Response:
        """Run operation unless this key already ran with request_body; answer with its result."""
        status, payload = run_once(
            self.factory,
            principal=f"{self.principal.role}:{self.principal.subject}",
            key=self.key,
            fingerprint=request_fingerprint(self.method, self.path, request_body),
            status_code=self.status_code,
            operation=lambda session: _jsonable(operation(session)),
            serialize=self.writes,
        )
        return Response(payload, status_code=status, media_type="application/json")

    def changes(self, body: BaseModel, operation: Operation) -> Response:
        """Apply a partial change: the request is the fields sent; the others keep their value."""
        return self(body.model_dump(mode="json", exclude_unset=True), operation)

    def one(self, body: Item, record: RecordMany[Item]) -> Response:
        """Record the one item a request carries; answer with it."""
        return self(
            body.model_dump(mode="json"), lambda session: record(session=session, items=[body])[0]
        )

    def each(self, body: BulkIn[Item], record: RecordMany[Item]) -> Response:
        """Record every item of a bulk request, all or none; an error names the item at fault."""
        check_bulk_size(body.items, maximum=self.max_bulk_items)
        return self(
            body.model_dump(mode="json"),
            lambda session: record(session=session, items=body.items, item_loc=bulk_item),
        )


async def _write_once(
    request: Request,
    factory: Factory,
    caller: Caller,
    key: Annotated[
        IdempotencyKey | None,
        Header(alias="Idempotency-Key", description="Send the same key again: recorded once."),
    ] = None,
) -> WriteOnce:
    profiles = _profiles(request)
    if not caller.is_admin:  # staff pass freely, without a call to Redis
        await run_in_threadpool(profiles.throttle.take, caller)
    return WriteOnce(
        factory=factory,
        principal=caller,
        key=key,
        method=request.method,
        path=request.url.path,
        status_code=request.scope["route"].status_code or 200,
        max_bulk_items=profiles.settings.max_bulk_items,
        writes=profiles.writes,
    )


Write = Annotated[WriteOnce, Depends(_write_once)]
