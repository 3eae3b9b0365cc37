"""Settings of the notifier, read from `BRAISE_NOTIFIER_*` variables (servers: shared names)."""

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from braise_shared.auth import DEFAULT_SECRET
from braise_shared.candidates import MAX_PER_STAGE
from braise_shared.settings import DEFAULT_REDIS_PORT, DEFAULT_SMTP_PORT

DEFAULT_PORT = 8003
DEFAULT_LINK_SECRET = "braise-dev-link-secret-change-me-0123456789"  # noqa: S105


class NotifierSettings(BaseSettings):
    """Everything the notifier's API, worker, beat and consumer read at start-up."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_NOTIFIER_", frozen=True, extra="ignore")

    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    database_url: str = "sqlite:///var/notifier.db"
    redis_url: str = Field(
        default=f"redis://127.0.0.1:{DEFAULT_REDIS_PORT}/0", validation_alias="REDIS_URL"
    )
    broker_db: int = Field(default=1, ge=0, description="Redis database of Celery's broker.")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=DEFAULT_SMTP_PORT, validation_alias="SMTP_PORT")
    smtp_timeout_s: float = 20.0
    mail_from: str = "Braise <reseau@braise.example.org>"
    reply_to: str = "equipe@braise.example.org"
    public_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        description="Where the notifier's links point (HTTPS in production).",
    )
    graph_url: str = "http://127.0.0.1:8002"
    profiles_url: str = "http://127.0.0.1:8001"
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET), validation_alias="BRAISE_JWT_SECRET"
    )
    link_secret: SecretStr = SecretStr(DEFAULT_LINK_SECRET)
    link_ttl_days: int = Field(default=30, gt=0)
    timezone: str = "Europe/Paris"
    send_hour: int = Field(default=8, ge=0, le=23, description="Local hour of the planning run.")
    # How many people a digest proposes: set here only; the graph is asked for that many.
    max_dormant: int = Field(
        default=3, ge=0, le=MAX_PER_STAGE, description="Dormant people a digest holds, at most."
    )
    max_cooling: int = Field(
        default=2, ge=0, le=MAX_PER_STAGE, description="Cooling people a digest holds, at most."
    )
    max_retries: int = Field(default=8, ge=0, description="Retries of one task.")
    max_attempts: int = Field(default=24, gt=0, description="Attempts of one digest, in all.")
    retry_backoff_s: float = 30.0
    retry_backoff_max_s: float = 3600.0
    lease_s: float = Field(default=300.0, gt=0, description="A 'sending' row older is retaken.")
    visibility_timeout_s: int = Field(default=600, gt=0)

    @property
    def broker_url(self) -> str:
        """Return Celery's broker URL: the same Redis, its own database."""
        base = self.redis_url.rsplit("/", 1)[0] if self.redis_url.count("/") > 2 else self.redis_url
        return f"{base}/{self.broker_db}"

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> "NotifierSettings":
        if self.environment == "production":
            if self.jwt_secret.get_secret_value() == DEFAULT_SECRET:
                raise ValueError("BRAISE_JWT_SECRET must be set in production")
            if self.link_secret.get_secret_value() == DEFAULT_LINK_SECRET:
                raise ValueError("BRAISE_NOTIFIER_LINK_SECRET must be set in production")
            if not self.public_url.startswith("https://"):
                raise ValueError("BRAISE_NOTIFIER_PUBLIC_URL must be HTTPS in production")
        return self
