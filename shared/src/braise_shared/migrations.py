"""Alembic for the services that keep SQL data: upgrade at start-up, the same env, drift checks.

Each service keeps its own `migrations/` folder (its env.py calls `run_migrations`) and
brings its database to the head revision when a process starts. Several processes of one
service may start at once (the API, its consumer, Celery workers, each Kubernetes replica):
on PostgreSQL they take an advisory lock so one migrates while the others wait and then
find nothing to do; on SQLite the stack starts them one after the other.
"""

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, engine_from_config, pool, text
from sqlalchemy.engine import Connection, Engine

# Any fixed number: advisory locks are per database, and only migrations take this one.
MIGRATION_LOCK = 0x62726169  # "brai"


def alembic_config(script_location: Path, database_url: str) -> Config:
    """Return the Alembic configuration of one service's migrations on one database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine, script_location: Path) -> None:
    """Apply every pending migration on the engine's database, one process at a time."""
    config = alembic_config(script_location, engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: PostgreSQL's DDL is transactional.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _configure(connection: Connection, target_metadata: MetaData) -> None:
    # Batch mode lets a later ALTER run on SQLite, which rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(target_metadata: MetaData) -> None:
    """Run a service's migrations from its env.py: on the caller's connection, or on the URL."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection, target_metadata)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as own:
        _configure(own, target_metadata)


def schema_drift(engine: Engine, target_metadata: MetaData) -> list[Any]:
    """Return how the database's schema differs from the models (empty when they agree)."""
    with engine.connect() as connection:
        migration_context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(migration_context, target_metadata))
