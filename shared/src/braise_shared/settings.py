"""Settings shared by every Braise process: where the servers are.

The variable names (`REDIS_URL`, `NEO4J_URI`, ...) are the ones every tool already knows,
so they carry no service prefix. Their defaults match the local stack's default ports
(`braise up`) and `docker-compose.yml`.
"""

from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from braise_shared.auth import DEFAULT_SECRET

DEFAULT_REDIS_PORT = 6379
DEFAULT_NEO4J_BOLT_PORT = 7687
DEFAULT_SMTP_PORT = 1025
DEFAULT_NEO4J_USER = "neo4j"
# A development password: the local stack and docker-compose set it; production overrides it.
DEFAULT_NEO4J_PASSWORD = "braise-dev-password"  # noqa: S105


class ServerSettings(BaseSettings):
    """Where Redis, Neo4j and the SMTP server answer."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    redis_url: str = f"redis://127.0.0.1:{DEFAULT_REDIS_PORT}/0"
    neo4j_uri: str = f"bolt://127.0.0.1:{DEFAULT_NEO4J_BOLT_PORT}"
    neo4j_user: str = DEFAULT_NEO4J_USER
    neo4j_password: SecretStr = SecretStr(DEFAULT_NEO4J_PASSWORD)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = DEFAULT_SMTP_PORT


class Environment(StrEnum):
    """Where a process runs; production turns on every guard."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


MIN_SECRET_LENGTH = 32


class ServiceSettings(BaseSettings):
    """What every Braise service reads: its environment, Redis, the JWT secret, where it listens.

    Each service subclasses this with its own `env_prefix` (`BRAISE_GRAPH_`, ...). The shared
    server variables (`REDIS_URL`, `BRAISE_JWT_SECRET`) carry no prefix. In production, every
    secret named by `production_secrets()` must be set and at least 32 characters long; the
    environment is matched whatever its casing, so `Production` cannot slip past the guard.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    redis_url: str = Field(
        default=f"redis://127.0.0.1:{DEFAULT_REDIS_PORT}/0", validation_alias="REDIS_URL"
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET), validation_alias="BRAISE_JWT_SECRET"
    )

    @field_validator("environment", mode="before")
    @classmethod
    def _any_casing(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def in_production(self) -> bool:
        """Tell whether the production guards apply."""
        return self.environment is Environment.PRODUCTION

    def production_secrets(self) -> dict[str, tuple[SecretStr, str]]:
        """Return each secret by its variable name, with its development default."""
        return {"BRAISE_JWT_SECRET": (self.jwt_secret, DEFAULT_SECRET)}

    @model_validator(mode="after")
    def _production_guard(self) -> Self:
        if not self.in_production:
            return self
        for variable, (secret, default) in self.production_secrets().items():
            value = secret.get_secret_value()
            if value == default or len(value) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{variable} must be set to a secret of {MIN_SECRET_LENGTH}+ characters "
                    "in production"
                )
        return self
