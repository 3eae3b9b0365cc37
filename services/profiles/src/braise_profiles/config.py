"""Settings of the profiles service, read from `BRAISE_PROFILES_*` variables."""

from typing import Self

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from braise_shared.settings import ServiceSettings
from braise_shared.sql import SqliteSynchronous

DEFAULT_PORT = 8001
# The key calendar credentials are encrypted with when none is set: published here, so only
# for development and tests; production refuses to start without a key of its own.
DEVELOPMENT_CALENDAR_KEY = "YnJhaXNlLWRldi1jYWxlbmRhci1rZXktMDEyMzQ1Njc="


class ProfilesSettings(ServiceSettings):
    """Everything the profiles service and its outbox relay read at start-up."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_PROFILES_", frozen=True, extra="ignore")

    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="uvicorn worker processes. More than one suits PostgreSQL only (SQLite "
        "writes one at a time, and the process's write lock no longer spans them); each "
        "worker answers /metrics for itself. docs/operations.md says more.",
    )
    database_url: str = "sqlite:///var/profiles.db"
    sqlite_synchronous: SqliteSynchronous = Field(
        default="normal",
        description="On SQLite, `normal`: a commit does not wait for the disk (a power loss "
        "may undo the last writes, a dead process loses none); `full`: every commit waits "
        "for it. PostgreSQL keeps its own setting. docs/operations.md says more.",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        description="On PostgreSQL, connections each process keeps open (as many again for "
        "a burst). At least the number of requests a process serves at once, or each "
        "request beyond opens a connection of its own.",
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
    # Calendars (docs/calendars.md): the key their credentials are encrypted with, the sync.
    calendar_key: SecretStr | None = Field(
        default=None,
        description="A Fernet key (`braise_profiles.calendars.secrets.new_key()`); required "
        "in production.",
    )
    calendar_sync_minutes: float = Field(default=15.0, gt=0, description="How often to sync.")
    calendar_past_days: int = Field(default=180, ge=0, description="How far back to read.")
    calendar_future_days: int = Field(default=120, ge=1, description="How far ahead to read.")
    calendar_full_sync_hours: float = Field(
        default=24.0,
        gt=0,
        description="Read every event again this often (the window moves, series grow).",
    )
    calendar_timezone: str = Field(
        default="Europe/Paris", description="The zone of floating times and all-day events."
    )
    calendar_default_city: str | None = Field(
        default=None, max_length=120, description="The city of an event whose place names none."
    )
    calendar_max_bytes: int = Field(
        default=5 * 1024 * 1024, gt=0, description="The largest calendar document read."
    )
    calendar_timeout_s: float = Field(default=20.0, gt=0, description="Per request to a server.")
    calendar_allow_private_hosts: bool = Field(
        default=False,
        description="Read calendars from loopback, private or link-local addresses too (the "
        "local stack's Radicale); off, only public addresses are read.",
    )
    calendar_sync_lock_s: float = Field(
        default=120.0,
        gt=0,
        description="The sync's lock lasts this long unless renewed: a killed sync's is free "
        "again after it. Longer than the slowest calendar's sync.",
    )
    calendar_sync_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: none.")

    @field_validator("calendar_key")
    @classmethod
    def _a_fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                Fernet(value.get_secret_value().encode())
            except ValueError as exc:
                raise ValueError(
                    "BRAISE_PROFILES_CALENDAR_KEY must be a Fernet key: 32 bytes, url-safe "
                    "base64 (44 characters)"
                ) from exc
        return value

    def production_secrets(self) -> dict[str, SecretStr]:
        """Return the JWT secret and the calendar key, by their variable names."""
        secrets = super().production_secrets()
        if self.calendar_key is not None:
            secrets["BRAISE_PROFILES_CALENDAR_KEY"] = self.calendar_key
        return secrets

    @model_validator(mode="after")
    def _calendar_key_in_production(self) -> Self:
        if self.in_production and self.calendar_key is None:
            raise ValueError(
                "in production, BRAISE_PROFILES_CALENDAR_KEY must be set: calendar passwords "
                "are encrypted with it"
            )
        key = self.calendar_key
        if self.in_production and key and key.get_secret_value() == DEVELOPMENT_CALENDAR_KEY:
            raise ValueError(
                "in production, BRAISE_PROFILES_CALENDAR_KEY holds the development key "
                "published with Braise: set one of your own"
            )
        return self

    def calendar_fernet_key(self) -> bytes:
        """Return the key calendar credentials are encrypted with (development's if unset)."""
        key = self.calendar_key.get_secret_value() if self.calendar_key else None
        return (key or DEVELOPMENT_CALENDAR_KEY).encode()
