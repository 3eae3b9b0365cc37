"""Schemathesis on the three HTTP APIs: no server error, no status code the spec does not declare.

Each app runs in process on the test session's real Redis, Neo4j and SQLite, with a staff
token (the authorization matrix covers the other tokens); ids in paths are pinned to people
who exist, so requests reach past the 404.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from neo4j import Driver

from tests.support import events as ev
from tests.support.apis import graph_api, notifier_api
from tests.support.fuzz import Findings, fuzz
from tests.support.profiles import admin_headers, profiles_under_test
from tests.support.servers import SessionServers

# Examples per operation and generation mode (positive, negative): the three apps together
# stay well under two minutes.
EXAMPLES = 30


def _staff(_label: str) -> dict[str, str]:
    return admin_headers()


def _report(name: str, findings: Findings, started: float) -> str:
    statuses = {label: sorted(codes) for label, codes in findings.statuses.items()}
    return (
        f"{name}: {findings.requests} requests in {time.monotonic() - started:.1f} s, "
        f"statuses {statuses}, {len(findings.failures)} failures:\n"
        + "\n".join(findings.distinct())
        + "\nfirst:\n"
        + "\n".join(findings.failures[:5])
    )


def test_profiles_answers_only_what_its_spec_declares(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    started = time.monotonic()
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as profiles:
        someone = profiles.register("camille@example.org", "Camille")
        with TestClient(profiles.client.app, raise_server_exceptions=False) as client:
            findings = fuzz(
                client,
                profiles.client.app.openapi(),  # type: ignore[attr-defined]
                headers_for=_staff,
                path_parameters={"consultant_id": someone["id"]},
                max_examples=EXAMPLES,
            )
    assert findings.failures == [], _report("profiles", findings, started)
    assert findings.requests >= 14 * EXAMPLES


@pytest.fixture
def graph_client(neo4j_driver: Driver, servers: SessionServers) -> Iterator[TestClient]:
    with graph_api(servers, neo4j_driver) as client:
        yield client


def test_graph_answers_only_what_its_spec_declares(graph_client: TestClient) -> None:
    started = time.monotonic()
    findings = fuzz(
        graph_client,
        graph_client.app.openapi(),  # type: ignore[attr-defined]
        headers_for=_staff,
        path_parameters={"consultant_id": str(ev.cid(1))},
        max_examples=EXAMPLES,
    )
    assert findings.failures == [], _report("graph", findings, started)


@pytest.fixture
def notifier_client(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[TestClient]:
    with notifier_api(tmp_path, servers) as client:
        yield client


def test_notifier_answers_only_what_its_spec_declares(notifier_client: TestClient) -> None:
    started = time.monotonic()
    findings = fuzz(
        notifier_client,
        notifier_client.app.openapi(),  # type: ignore[attr-defined]
        headers_for=_staff,
        path_parameters={"consultant_id": str(ev.cid(1))},
        max_examples=EXAMPLES,
    )
    assert findings.failures == [], _report("notifier", findings, started)
