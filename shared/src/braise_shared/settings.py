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


# The secrets this repository publishes (code, docker-compose.yml): none may guard production.
DEFAULT_LINK_SECRET = "braise-dev-link-secret-change-me-0123456789"  # noqa: S105
PUBLISHED_SECRETS = (DEFAULT_SECRET, DEFAULT_LINK_SECRET, DEFAULT_NEO4J_PASSWORD)
MIN_SECRET_LENGTH = 32
MIN_SECRET_VARIETY = 10  # distinct characters: `a` x 32 or `abab...` is not a secret
DEPLOYMENT_VARIABLE = "BRAISE_ENV"


def _comparable(secret: str) -> str:
    """Return secret as compared with the published ones: casing and surrounding spaces aside."""
    return secret.strip().casefold()


def secret_weaknesses(secrets: dict[str, str]) -> list[str]:
    """Return why each secret, by its variable name, is too weak for production (none: [])."""
    problems: list[str] = []
    for variable, value in secrets.items():
        comparable = _comparable(value)
        if any(_comparable(published) in comparable for published in PUBLISHED_SECRETS):
            problems.append(
                f"{variable} holds a default secret published with Braise (whatever its casing "
                "or surrounding spaces): set one of your own"
            )
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(
                f"{variable} must be at least {MIN_SECRET_LENGTH} characters long "
                f"(it has {len(value)})"
            )
        elif len(set(value)) < MIN_SECRET_VARIETY:
            problems.append(
                f"{variable} has too little variety: {len(set(value))} distinct characters, "
                f"at least {MIN_SECRET_VARIETY} needed"
            )
    by_value: dict[str, list[str]] = {}
    for variable, value in secrets.items():
        by_value.setdefault(_comparable(value), []).append(variable)
    problems += [
        f"{' and '.join(variables)} hold the same value: each secret must be its own"
        for variables in by_value.values()
        if len(variables) > 1
    ]
    return problems


class ServiceSettings(BaseSettings):
    """What every Braise service reads: its environment, Redis, the JWT secret, where it listens.

    Each service subclasses this with its own `env_prefix` (`BRAISE_GRAPH_`, ...). The shared
    server variables (`REDIS_URL`, `BRAISE_JWT_SECRET`) carry no prefix. Production is turned on
    for the whole deployment by `BRAISE_ENV=production`, or for one service by its own
    `<PREFIX>ENVIRONMENT`; both may be set, but must agree. Either is matched whatever its
    casing, so `Production` cannot slip past the guard. In production, every secret named by
    `production_secrets()` must be strong (`secret_weaknesses`).
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    environment: Environment | None = Field(
        default=None, description="This service's environment; unset: BRAISE_ENV decides."
    )
    deployment_environment: Environment | None = Field(
        default=None,
        validation_alias=DEPLOYMENT_VARIABLE,
        description="The whole deployment's environment, one switch for every service.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    redis_url: str = Field(
        default=f"redis://127.0.0.1:{DEFAULT_REDIS_PORT}/0", validation_alias="REDIS_URL"
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET), validation_alias="BRAISE_JWT_SECRET"
    )

    @field_validator("environment", "deployment_environment", mode="before")
    @classmethod
    def _any_casing(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def in_production(self) -> bool:
        """Tell whether the production guards apply."""
        chosen = self.environment or self.deployment_environment
        return chosen is Environment.PRODUCTION

    def production_secrets(self) -> dict[str, SecretStr]:
        """Return each secret the production guard checks, by its variable name."""
        return {"BRAISE_JWT_SECRET": self.jwt_secret}

    @model_validator(mode="after")
    def _one_environment(self) -> Self:
        own, deployment = self.environment, self.deployment_environment
        if own is not None and deployment is not None and own is not deployment:
            own_variable = f"{self.model_config.get('env_prefix', '')}ENVIRONMENT"
            raise ValueError(
                f"{DEPLOYMENT_VARIABLE}={deployment} contradicts {own_variable}={own}: "
                "set one, or both alike"
            )
        return self

    @model_validator(mode="after")
    def _production_guard(self) -> Self:
        if not self.in_production:
            return self
        secrets = {k: v.get_secret_value() for k, v in self.production_secrets().items()}
        problems = secret_weaknesses(secrets)
        if problems:
            raise ValueError("in production, " + "; ".join(problems))
        return self
