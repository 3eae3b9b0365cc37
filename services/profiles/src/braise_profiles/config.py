"""Settings of the profiles service, read from `BRAISE_PROFILES_*` variables."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from braise_shared.auth import DEFAULT_SECRET

DEFAULT_PORT = 8001


class ProfilesSettings(BaseSettings):
    """Everything the profiles service and its outbox relay read at start-up."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_PROFILES_", frozen=True, extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///var/profiles.db"
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias="REDIS_URL",
        description="Shared with every service, hence no prefix.",
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET), validation_alias="BRAISE_JWT_SECRET"
    )
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="Request size limit.")
    max_bulk_items: int = Field(default=10_000, gt=0)
    page_size_max: int = Field(default=200, gt=0)
    relay_batch_size: int = Field(default=500, gt=0)
    relay_poll_s: float = Field(default=0.2, gt=0)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> "ProfilesSettings":
        if self.environment == "production" and (
            self.jwt_secret.get_secret_value() == DEFAULT_SECRET
            or len(self.jwt_secret.get_secret_value()) < 32
        ):
            raise ValueError(
                "BRAISE_JWT_SECRET must be set to a secret of 32+ characters in production"
            )
        return self
