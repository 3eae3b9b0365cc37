"""Find or start the real Redis, Neo4j and SMTP servers the tests run against.

In order of preference:
1. servers named by `REDIS_URL`, `NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD`, `SMTP_HOST`,
   `SMTP_PORT` (and `SMTP_MAILDIR`, the folder where that SMTP server stores messages);
2. containers, where a Docker engine answers (testcontainers);
3. the project's local stack, on test ports under `var/test`, started once per session.

PostgreSQL comes the same way: `POSTGRES_URL` (a database the tests may empty), a container,
or the local stack's server, where the tests use a database of their own.
"""

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from braise_cli.stack import StackSettings, build_servers
from braise_cli.stack.caldav import CaldavAccount, RadicaleServer
from braise_cli.stack.servers import MailSink
from braise_shared.settings import ServerSettings
from tests.support.disposable import free_port
from tests.support.sql import ensure_database

ENDPOINT_VARIABLES = (
    "REDIS_URL",
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_PASSWORD",
    "SMTP_HOST",
    "SMTP_PORT",
)


class SessionStackSettings(StackSettings):
    """The local stack the tests start: its own folder and ports, beside a running demo."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_TEST_", frozen=True, extra="ignore")

    var_dir: Path = Path("var/test")
    redis_port: int = Field(default=16379, ge=1, le=65535)
    neo4j_bolt_port: int = Field(default=17687, ge=1, le=65535)
    neo4j_password: SecretStr = SecretStr("braise-test-password")
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "512m"
    smtp_port: int = Field(default=11025, ge=1, le=65535)
    smtp_faults: bool = True
    sql: Literal["sqlite", "postgres"] = "postgres"  # the session runs PostgreSQL
    postgres_port: int = Field(default=15432, ge=1, le=65535)
    postgres_password: SecretStr = SecretStr("braise-test-password")
    postgres_fsync: bool = False
    caldav_port: int = Field(default=15232, ge=1, le=65535)
    caldav_password: SecretStr = SecretStr("braise-test-caldav-password")


@dataclass(frozen=True)
class SessionServers:
    """The servers a test session uses, and where the SMTP server writes what it receives."""

    endpoints: ServerSettings
    maildir: Path
    origin: str
    postgres_url: str | None = None  # a PostgreSQL database the tests may empty
    caldav: CaldavAccount | None = None  # the session's Radicale (the project's own process)


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:  # noqa: BLE001 - no engine, no socket, no permission: all mean "no"
        return False
    return True


@contextmanager
def _from_environment() -> Iterator[SessionServers]:
    maildir = os.environ.get("SMTP_MAILDIR")
    if not maildir:
        raise RuntimeError("SMTP_HOST is set: set SMTP_MAILDIR to the folder its messages land in")
    with _radicale() as caldav:
        yield SessionServers(
            ServerSettings(),
            Path(maildir),
            origin="environment",
            postgres_url=os.environ.get("POSTGRES_URL"),
            caldav=caldav,
        )


@contextmanager
def _radicale() -> Iterator[CaldavAccount]:
    """Start the session's Radicale (a Python process of ours, like the mail sink)."""
    server = RadicaleServer(SessionStackSettings())
    was_running = server.process().pid() is not None
    server.start()
    try:
        yield server.account
    finally:
        if not was_running and os.environ.get("BRAISE_TEST_KEEP_SERVERS") != "1":
            server.stop()


@contextmanager
def _from_containers() -> Iterator[SessionServers]:
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.neo4j import Neo4jContainer
    from testcontainers.redis import RedisContainer

    local = SessionStackSettings()
    with ExitStack() as stack:
        redis_c = stack.enter_context(RedisContainer("redis:7"))
        neo4j_c = stack.enter_context(
            Neo4jContainer("neo4j:5.26-community", password=local.neo4j_password.get_secret_value())
        )
        postgres_c = stack.enter_context(PostgresContainer("postgres:15", driver="psycopg"))
        caldav = stack.enter_context(_radicale())
        # The SMTP sink is the project's own (a Python process), so tests can read its files.
        sink = MailSink(local)
        sink.start()
        stack.callback(sink.stop)
        endpoints = ServerSettings(
            redis_url=f"redis://{redis_c.get_container_host_ip()}:{redis_c.get_exposed_port(6379)}/0",
            neo4j_uri=neo4j_c.get_connection_url(),
            neo4j_user="neo4j",
            neo4j_password=local.neo4j_password,
            smtp_host="127.0.0.1",
            smtp_port=local.smtp_port,
        )
        yield SessionServers(
            endpoints,
            sink.maildir,
            origin="testcontainers",
            postgres_url=postgres_c.get_connection_url(),
            caldav=caldav,
        )


@contextmanager
def _from_local_stack() -> Iterator[SessionServers]:
    settings = SessionStackSettings()
    servers = build_servers(settings)
    started = []
    try:
        for server in servers:
            was_running = server.process().pid() is not None
            server.start()
            if not was_running:
                started.append(server)
        sink = next(s for s in servers if isinstance(s, MailSink))
        radicale = next(s for s in servers if isinstance(s, RadicaleServer))
        yield SessionServers(
            settings.server_settings(),
            sink.maildir,
            origin="local stack",
            postgres_url=ensure_database(settings.database_url("profiles")),
            caldav=radicale.account,
        )
    finally:
        if os.environ.get("BRAISE_TEST_KEEP_SERVERS") != "1":
            for server in reversed(started):
                server.stop()


def stack_settings_for(servers: SessionServers, var_dir: Path, **ports: int) -> StackSettings:
    """Return a stack whose servers are the session's and whose own state lives in var_dir.

    Each process's metrics port is a free one, so a test stack never answers for a running demo.
    """
    endpoints = servers.endpoints
    settings = StackSettings(
        var_dir=var_dir,
        sql="sqlite",  # the processes a test starts use SQLite unless it says otherwise
        redis_port=int(urlparse(endpoints.redis_url).port or 6379),
        neo4j_bolt_port=int(urlparse(endpoints.neo4j_uri).port or 7687),
        neo4j_password=endpoints.neo4j_password,
        smtp_port=endpoints.smtp_port,
    )
    metrics = {
        name: free_port()
        for name in StackSettings.model_fields
        if name.endswith("_metrics_port") or name == "prometheus_port"
    }
    return settings.model_copy(update={**metrics, **ports})


@contextmanager
def open_servers() -> Iterator[SessionServers]:
    """Yield the servers for this session, starting them if needed."""
    if any(name in os.environ for name in ENDPOINT_VARIABLES):
        missing = [name for name in ENDPOINT_VARIABLES if name not in os.environ]
        if missing:
            raise RuntimeError(f"set all of {ENDPOINT_VARIABLES} or none; missing {missing}")
        with _from_environment() as found:
            yield found
    elif _docker_answers():
        with _from_containers() as found:
            yield found
    else:
        with _from_local_stack() as found:
            yield found
