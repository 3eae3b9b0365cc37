"""Where the local stack keeps its state and which ports it listens on."""

from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from braise_shared.settings import (
    DEFAULT_NEO4J_BOLT_PORT,
    DEFAULT_NEO4J_PASSWORD,
    DEFAULT_NEO4J_USER,
    DEFAULT_REDIS_PORT,
    DEFAULT_SMTP_PORT,
    ServerSettings,
)

NEO4J_VERSION = "5.26.30"
# The role and the databases of the stack's PostgreSQL: one database per service with SQL data.
POSTGRES_USER = "braise"
POSTGRES_DATABASES = ("braise_profiles", "braise_notifier")
DEFAULT_POSTGRES_PASSWORD = "braise-dev-password"  # noqa: S105 - the local stack's only
# The local Radicale's one account: it holds the firm's events calendar and the demo's others.
DEFAULT_CALDAV_PORT = 5232
DEFAULT_CALDAV_USER = "braise"
DEFAULT_CALDAV_PASSWORD = "braise-dev-caldav-password"  # noqa: S105 - the local stack's only


class StackSettings(BaseSettings):
    """Settings of the local stack, read from `BRAISE_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_", frozen=True, extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="All state: data, logs, pids, mail.")
    cache_dir: Path = Field(
        default=Path("var/cache"),
        description="Downloads (Neo4j jars, Maven cache), shared by every stack on the machine.",
    )
    redis_port: int = Field(default=DEFAULT_REDIS_PORT, ge=1, le=65535)
    neo4j_bolt_port: int = Field(default=DEFAULT_NEO4J_BOLT_PORT, ge=1, le=65535)
    neo4j_password: SecretStr = SecretStr(DEFAULT_NEO4J_PASSWORD)
    # 2 cores and 24 GiB are shared with Redis, three services and Celery: 2 GiB of heap
    # and 1 GiB of page cache hold a firm of thousands of consultants with room to spare.
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "1g"
    smtp_port: int = Field(default=DEFAULT_SMTP_PORT, ge=1, le=65535)
    smtp_faults: bool = Field(default=False, description="Test-only misbehaving addresses.")
    sql: Literal["sqlite", "postgres"] = Field(
        default="sqlite", description="What profiles and the notifier keep their data in."
    )
    postgres_port: int = Field(default=5432, ge=1, le=65535)
    postgres_password: SecretStr = SecretStr(DEFAULT_POSTGRES_PASSWORD)
    postgres_fsync: bool = Field(default=True, description="Off only for throw-away clusters.")
    caldav_port: int = Field(default=DEFAULT_CALDAV_PORT, ge=1, le=65535)
    caldav_user: str = DEFAULT_CALDAV_USER
    caldav_password: SecretStr = SecretStr(DEFAULT_CALDAV_PASSWORD)
    profiles_port: int = Field(default=8001, ge=1, le=65535)
    graph_port: int = Field(default=8002, ge=1, le=65535)
    notifier_port: int = Field(default=8003, ge=1, le=65535)
    start_timeout_s: float = Field(default=90.0, gt=0)
    prometheus_port: int = Field(default=9090, ge=1, le=65535)
    # Processes without an HTTP app serve /metrics on a port of their own.
    relay_metrics_port: int = Field(default=9101, ge=1, le=65535)
    graph_consumer_metrics_port: int = Field(default=9102, ge=1, le=65535)
    notifier_consumer_metrics_port: int = Field(default=9103, ge=1, le=65535)
    worker_metrics_port: int = Field(default=9104, ge=1, le=65535)
    beat_metrics_port: int = Field(default=9105, ge=1, le=65535)
    calendar_sync_metrics_port: int = Field(default=9106, ge=1, le=65535)

    def metrics_targets(self) -> dict[str, int]:
        """Return every Braise process Prometheus scrapes, by job name, with its port."""
        return {
            "profiles": self.profiles_port,
            "relay": self.relay_metrics_port,
            "graph": self.graph_port,
            "graph-consumer": self.graph_consumer_metrics_port,
            "notifier": self.notifier_port,
            "notifier-consumer": self.notifier_consumer_metrics_port,
            "worker": self.worker_metrics_port,
            "beat": self.beat_metrics_port,
        }

    @property
    def root(self) -> Path:
        """Return the absolute state folder."""
        return self.var_dir.resolve()

    def database_url(self, service: Literal["profiles", "notifier"]) -> str:
        """Return the SQLAlchemy URL of a service's database on this stack."""
        if self.sql == "sqlite":
            return f"sqlite:///{self.root / f'{service}.db'}"
        password = quote(self.postgres_password.get_secret_value(), safe="")
        return (
            f"postgresql+psycopg://{POSTGRES_USER}:{password}@127.0.0.1:{self.postgres_port}"
            f"/braise_{service}"
        )

    @property
    def caldav_url(self) -> str:
        """Return the local Radicale's root URL (collections live under /<user>/)."""
        return f"http://127.0.0.1:{self.caldav_port}/"

    def server_settings(self) -> ServerSettings:
        """Return the endpoints of this stack as every service reads them."""
        return ServerSettings(
            redis_url=f"redis://127.0.0.1:{self.redis_port}/0",
            neo4j_uri=f"bolt://127.0.0.1:{self.neo4j_bolt_port}",
            neo4j_user=DEFAULT_NEO4J_USER,
            neo4j_password=self.neo4j_password,
            smtp_host="127.0.0.1",
            smtp_port=self.smtp_port,
        )
