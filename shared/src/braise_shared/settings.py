"""Settings shared by every Braise process: where the servers are.

The variable names (`REDIS_URL`, `NEO4J_URI`, ...) are the ones every tool already knows,
so they carry no service prefix. Their defaults match the local stack's default ports
(`braise up`) and `docker-compose.yml`.
"""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
