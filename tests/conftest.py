"""Fixtures for tests against the real servers: each test starts from a clean slate."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import settings
from neo4j import Driver, GraphDatabase

from braise_cli.stack.caldav import CaldavAccount
from tests.support.servers import SessionServers, open_servers
from tests.support.sql import empty_database

# Hypothesis fails an example that takes over 200 ms by default: on a loaded machine that is a
# timed assertion, failing sound code (and counting equivalent mutants as killed).
settings.register_profile("braise", deadline=None)
settings.load_profile("braise")


@pytest.fixture(scope="session")
def servers() -> Iterator[SessionServers]:
    """Yield the real Redis, Neo4j and SMTP servers of this test session."""
    with open_servers() as found:
        yield found


@pytest.fixture
def redis_client(servers: SessionServers) -> Iterator["redis.Redis"]:
    """Yield a client on an emptied Redis database."""
    client = redis.Redis.from_url(servers.endpoints.redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture(scope="session")
def neo4j_session_driver(servers: SessionServers) -> Iterator[Driver]:
    """Yield one driver for the session (opening one per test costs a handshake each)."""
    endpoints = servers.endpoints
    auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
    with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        yield driver


@pytest.fixture
def neo4j_driver(neo4j_session_driver: Driver) -> Driver:
    """Return the driver on an emptied graph."""
    neo4j_session_driver.execute_query("MATCH (n) DETACH DELETE n")
    return neo4j_session_driver


@pytest.fixture
def maildir(servers: SessionServers) -> Path:
    """Yield the SMTP sink's folder, emptied."""
    shutil.rmtree(servers.maildir, ignore_errors=True)
    servers.maildir.mkdir(parents=True, exist_ok=True)
    return servers.maildir


@pytest.fixture(scope="session")
def caldav_account(servers: SessionServers) -> CaldavAccount:
    """Return the session's Radicale: its URL and the account tests create calendars in."""
    assert servers.caldav is not None, f"no Radicale among the {servers.origin} servers"
    return servers.caldav


@pytest.fixture(scope="session")
def postgres_database(servers: SessionServers) -> str:
    """Return the URL of the session's PostgreSQL test database."""
    if servers.postgres_url is None:
        pytest.skip(f"no PostgreSQL among the {servers.origin} servers: set POSTGRES_URL")
    return servers.postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty database: a new SQLite file, then PostgreSQL's, emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'braise.db'}"
    url: str = request.getfixturevalue("postgres_database")
    empty_database(url)
    return url
