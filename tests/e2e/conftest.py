"""The e2e tests' stack: every Braise process as `braise up` runs it, per test."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_cli.stack import StackSettings
from tests.support.servers import SessionServers
from tests.support.stack import running_braise


@pytest.fixture
def braise(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    neo4j_driver: Driver,
    maildir: Path,
) -> Iterator[StackSettings]:
    """Every process running, on a flushed Redis, an empty graph and an empty mail folder."""
    with running_braise(servers, tmp_path / "var") as settings:
        yield settings
