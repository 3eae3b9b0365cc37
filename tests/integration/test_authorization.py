"""Every route by every kind of token: who gets in, who is refused, and that the spec says so.

Token cases: the owner (a consultant acting on their own data), another consultant, staff, a
service, no token, an expired token, a token signed with another secret, and `alg: none`.
A consultant where staff are expected gets 403; staff where a consultant is expected get in.
Refused writes stage no event. Every status seen is one the route declares.
"""

import base64
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_shared.auth import DEFAULT_SECRET, Role, issue_token
from tests.support import events as ev
from tests.support.apis import graph_api, notifier_api
from tests.support.profiles import ProfilesUnderTest, profiles_under_test
from tests.support.servers import SessionServers

OWNER, OTHER, STAFF, SERVICE = "owner", "other", "staff", "service"
NONE, EXPIRED, WRONG_SECRET, ALG_NONE = "none", "expired", "wrong secret", "alg none"
BAD_TOKENS = (NONE, EXPIRED, WRONG_SECRET, ALG_NONE)
WHEN = "2025-05-20T12:30:00Z"


def _alg_none(role: Role, subject: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"iss": "braise", "sub": subject, "role": role, "exp": 4_000_000_000}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def headers(case: str, *, owner: str, other: str) -> dict[str, str]:
    """Return the Authorization header of a token case (none for NONE)."""
    tokens = {
        OWNER: lambda: issue_token(DEFAULT_SECRET, "consultant", owner),
        OTHER: lambda: issue_token(DEFAULT_SECRET, "consultant", other),
        STAFF: lambda: issue_token(DEFAULT_SECRET, "admin", "staff@firm"),
        SERVICE: lambda: issue_token(DEFAULT_SECRET, "service", "notifier"),
        EXPIRED: lambda: issue_token(DEFAULT_SECRET, "consultant", owner, timedelta(seconds=-5)),
        WRONG_SECRET: lambda: issue_token("another-secret-" * 3, "admin", "staff@firm"),
        ALG_NONE: lambda: _alg_none("admin", "staff@firm"),
    }
    return {} if case == NONE else {"Authorization": f"Bearer {tokens[case]()}"}


@dataclass(frozen=True)
class Route:
    """A route, how to call it, and what each token case should get."""

    method: str
    path: str
    ok: int
    owner: int  # what the owner (a consultant) gets: ok, or 403 on staff routes
    other: int = 403
    body: Callable[["World"], dict[str, Any]] | None = None
    files: bool = False

    def expected(self, case: str) -> int:
        """Return the status this token case should get."""
        if case in BAD_TOKENS:
            return 401
        return {OWNER: self.owner, OTHER: self.other}.get(case, self.ok)


@dataclass
class World:
    """The people and records a profiles matrix runs against; fresh ones for each write."""

    profiles: ProfilesUnderTest
    owner: str
    other: str
    third: str
    interaction: str
    serial: Iterator[int]

    def fresh(self) -> str:
        """Register and return a new consultant (for routes that erase)."""
        n = next(self.serial)
        return str(self.profiles.register(f"fresh{n}@example.org", f"Fresh {n}")["id"])

    def email(self) -> str:
        """Return an e-mail no one has."""
        return f"new{next(self.serial)}@example.org"


def _person(w: World) -> dict[str, Any]:
    return {"email": w.email(), "display_name": "Nouvelle"}


def _pair(w: World) -> dict[str, Any]:
    return {"kind": "lunch", "participants": [w.owner, w.third], "occurred_at": WHEN}


PROFILES_ROUTES = [
    Route("POST", "/v1/consultants", 201, 403, body=_person),
    Route("POST", "/v1/consultants/bulk", 201, 403, body=lambda w: {"items": [_person(w)]}),
    Route("GET", "/v1/consultants", 200, 403),
    Route("GET", "/v1/consultants/{owner}", 200, 200),
    Route("PATCH", "/v1/consultants/{owner}", 200, 200, body=lambda w: {"city": "Lyon"}),
    Route("GET", "/v1/consultants/{owner}/export", 200, 200),
    Route("GET", "/v1/consultants/{owner}/preferences", 200, 200),
    Route("PUT", "/v1/consultants/{owner}/preferences", 200, 200, body=lambda w: {"locale": "en"}),
    Route("DELETE", "/v1/consultants/{fresh}", 204, 204),
    Route("POST", "/v1/interactions", 201, 201, body=_pair),
    Route("POST", "/v1/interactions/bulk", 201, 403, body=lambda w: {"items": [_pair(w)]}),
    Route("GET", "/v1/interactions?consultant_id={owner}", 200, 200),
    Route("GET", "/v1/interactions/{interaction}", 200, 200, other=404),
    Route("POST", "/v1/interactions/import", 200, 403, files=True),
]


def _call(client: TestClient, route: Route, path: str, auth: dict[str, str], w: World) -> Any:
    if route.files:
        csv_text = f"kind,participants,occurred_at\nlunch,{w.owner};{w.third},2025-01-02\n"
        return client.post(path, files={"file": ("h.csv", csv_text, "text/csv")}, headers=auth)
    body = route.body(w) if route.body else None
    return client.request(route.method, path, json=body, headers=auth)


def _declared(spec: dict[str, Any], method: str, path: str) -> set[int]:
    template = path.split("?")[0]
    for pattern, operations in spec["paths"].items():
        same = len(pattern.split("/")) == len(template.split("/")) and all(
            a == b or a.startswith("{")
            for a, b in zip(pattern.split("/"), template.split("/"), strict=True)
        )
        if same and method.lower() in operations:
            return {int(s) for s in operations[method.lower()]["responses"]}
    raise AssertionError(f"{method} {template} is not in the spec")


@pytest.fixture
def world(tmp_path: Path, servers: SessionServers, redis_client: redis.Redis) -> Iterator[World]:
    url = servers.endpoints.redis_url
    with profiles_under_test(tmp_path, url, consultant_write_burst=1000) as profiles:
        owner, other, third = (
            str(profiles.register(f"{n}@example.org", n)["id"]) for n in ("owner", "other", "third")
        )
        lunch = {"kind": "lunch", "participants": [owner, third], "occurred_at": WHEN}
        staff = headers(STAFF, owner=owner, other=other)
        recorded = profiles.client.post("/v1/interactions", json=lunch, headers=staff)
        profiles.drain()
        yield World(profiles, owner, other, third, recorded.json()["id"], itertools.count())


CASES = (OWNER, OTHER, STAFF, SERVICE, *BAD_TOKENS)


def test_every_profiles_route_answers_each_token_as_the_rules_say(world: World) -> None:
    client, spec = world.profiles.client, world.profiles.client.app.openapi()  # type: ignore[attr-defined]
    wrong: list[str] = []
    for route, case in itertools.product(PROFILES_ROUTES, CASES):
        ids = {"owner": world.owner, "interaction": world.interaction}
        if "{fresh}" in route.path:
            fresh = world.fresh()
            world.profiles.drain()
            ids["fresh"] = fresh
            auth = headers(case, owner=fresh, other=world.other)
        else:
            auth = headers(case, owner=world.owner, other=world.other)
        path = route.path.format(**ids)
        response = _call(client, route, path, auth, world)
        staged = world.profiles.drain()
        label = f"{route.method} {route.path} as {case}"
        if response.status_code != route.expected(case):
            wrong.append(f"{label}: {response.status_code} {response.text[:120]}")
        if response.status_code not in _declared(spec, route.method, path):
            wrong.append(f"{label}: {response.status_code} is not declared")
        if response.status_code >= 400 and staged:
            wrong.append(f"{label}: refused, yet {staged} event(s) staged")
        if response.status_code == 401 and response.headers.get("WWW-Authenticate") != "Bearer":
            wrong.append(f"{label}: 401 without WWW-Authenticate")
    assert wrong == []


def _assert_matrix(client: TestClient, routes: list[Route], *, owner: str, other: str) -> list[str]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    wrong = []
    for route, case in itertools.product(routes, CASES):
        path = route.path.format(owner=owner)
        response = client.request(
            route.method, path, headers=headers(case, owner=owner, other=other)
        )
        label = f"{route.method} {route.path} as {case}"
        if response.status_code != route.expected(case):
            wrong.append(f"{label}: {response.status_code} {response.text[:120]}")
        if response.status_code not in _declared(spec, route.method, path):
            wrong.append(f"{label}: {response.status_code} is not declared")
    return wrong


def test_graph_routes_answer_each_token_as_the_rules_say(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    routes = [
        Route("GET", "/v1/consultants/{owner}/links", 200, 200),
        Route("GET", "/v3/consultants/{owner}/revival-candidates?dormant=3&cooling=2", 200, 200),
        Route("GET", "/v1/stats", 200, 403),
    ]
    with graph_api(servers, neo4j_driver) as client:
        wrong = _assert_matrix(client, routes, owner=str(ev.cid(1)), other=str(ev.cid(2)))
    assert wrong == []


def test_notifier_staff_routes_answer_each_token_as_the_rules_say(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    routes = [
        Route("GET", "/v1/admin/preview/{owner}?period=2026-W48", 200, 403, other=403),
        Route("POST", "/v1/admin/periods/2026-W48/run", 200, 403),
        Route("GET", "/v1/admin/periods/2026-W48", 200, 403),
    ]
    with notifier_api(tmp_path, servers) as client:
        wrong = _assert_matrix(client, routes, owner=str(ev.cid(1)), other=str(ev.cid(2)))
    assert wrong == []
