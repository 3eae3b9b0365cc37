"""Settings of the profiles service, read from `BRAISE_PROFILES_*` variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from braise_shared.settings import ServiceSettings
from braise_shared.sql import SqliteSynchronous

DEFAULT_PORT = 8001


class ProfilesSettings(ServiceSettings):
    """Everything the profiles service and its outbox relay read at start-up."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_PROFILES_", frozen=True, extra="ignore")

    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    database_url: str = "sqlite:///var/profiles.db"
    sqlite_synchronous: SqliteSynchronous = Field(
        default="normal",
        description="On SQLite, `normal`: a commit does not wait for the disk (a power loss "
        "may undo the last writes, a dead process loses none); `full`: every commit waits "
        "for it. PostgreSQL keeps its own setting. docs/operations.md says more.",
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="Request size limit.")
    max_bulk_items: int = Field(default=10_000, gt=0)
    page_size_max: int = Field(default=200, gt=0)
    relay_batch_size: int = Field(default=500, gt=0)
    relay_poll_s: float = Field(default=0.2, gt=0)
    relay_housekeeping_s: float = Field(
        default=60.0, gt=0, description="How often the relay trims the stream and scrubs erasures."
    )
    relay_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: no /metrics.")
    # A consultant token's writes: a burst of this many, refilled at this rate (staff unlimited).
    consultant_write_burst: int = Field(default=30, gt=0)
    consultant_writes_per_minute: float = Field(default=30.0, gt=0)
    # The rate limit's Redis calls give up quickly: a slow Redis must not slow every write.
    throttle_timeout_s: float = Field(default=0.5, gt=0)
