"""Settings of the graph service, read from `BRAISE_GRAPH_*` variables (servers: shared names)."""

import math

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from braise_graph.partition import SLOTS, Partition
from braise_shared.settings import (
    DEFAULT_NEO4J_BOLT_PORT,
    DEFAULT_NEO4J_PASSWORD,
    DEFAULT_NEO4J_USER,
    ServiceSettings,
)

DEFAULT_PORT = 8002
DAY_S = 86_400.0


class GraphSettings(ServiceSettings):
    """The link model's parameters, and where the graph service's servers are."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_GRAPH_", frozen=True, extra="ignore")

    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    neo4j_uri: str = Field(
        default=f"bolt://127.0.0.1:{DEFAULT_NEO4J_BOLT_PORT}", validation_alias="NEO4J_URI"
    )
    neo4j_user: str = Field(default=DEFAULT_NEO4J_USER, validation_alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(
        default=SecretStr(DEFAULT_NEO4J_PASSWORD), validation_alias="NEO4J_PASSWORD"
    )

    # The link model (docs/link-model.md explains each).
    half_life_days: float = Field(default=90.0, gt=0)
    strong_peak: float = Field(default=8.0, gt=0, description="A link this strong once was strong.")
    active_min: float = Field(
        default=3.0, gt=0, description="Strength from which a link is active."
    )
    dormant_ratio: float = Field(default=0.15, gt=0, lt=1)
    cooling_ratio: float = Field(default=0.5, gt=0, lt=1)
    faded_below: float = Field(default=1.0, gt=0)
    dormant_quiet_days: float = Field(default=120.0, gt=0)
    cooling_quiet_days: float = Field(default=30.0, gt=0)
    nascent_days: float = Field(default=60.0, gt=0)
    nascent_max_count: int = Field(default=2, ge=1)
    fatigue_days: float = Field(default=28.0, ge=0, description="No repeat suggestion within.")
    hook_days: float = Field(default=120.0, gt=0, description="How long news stays a hook.")
    occasion_horizon_days: float = Field(
        default=42.0, gt=0, description="How far ahead an occasion may be proposed."
    )

    # The consumer.
    consumer_group: str = "graph"
    consumer_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: no /metrics.")
    consumer_name: str = "graph-1"
    batch_size: int = Field(default=1000, gt=0)
    neo4j_retry_s: float = Field(default=10.0, ge=0, description="Driver retries, then back-off.")
    partitions: int = Field(default=1, ge=1, le=SLOTS, description="Consumer processes.")
    partition: int = Field(default=0, ge=0, description="This consumer's index, from 0.")

    @property
    def owned(self) -> Partition:
        """Return the partition (slots) this process applies."""
        return Partition(self.partition, self.partitions)

    @property
    def partition_group(self) -> str:
        """Return this partition's stream group: `graph` for the first, `graph-<i>` after."""
        if self.partition == 0:
            return self.consumer_group
        return f"{self.consumer_group}-{self.partition}"

    @property
    def decay_rate(self) -> float:
        """Return λ per second: ln 2 / half-life."""
        return math.log(2) / (self.half_life_days * DAY_S)

    def production_secrets(self) -> dict[str, SecretStr]:
        """Return the JWT secret and the Neo4j password, by their variable names."""
        return super().production_secrets() | {"NEO4J_PASSWORD": self.neo4j_password}

    @model_validator(mode="after")
    def _coherent(self) -> "GraphSettings":
        if self.dormant_ratio >= self.cooling_ratio:
            raise ValueError("dormant_ratio must be below cooling_ratio")
        if self.cooling_quiet_days >= self.dormant_quiet_days:
            raise ValueError("cooling_quiet_days must be below dormant_quiet_days")
        if self.partition >= self.partitions:
            raise ValueError("partition must be below partitions (it counts from 0)")
        return self
