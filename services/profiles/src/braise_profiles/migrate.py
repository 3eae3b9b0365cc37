"""Bring the profiles database to the latest Alembic revision."""

from pathlib import Path

from sqlalchemy.engine import Engine

from braise_shared import migrations

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration on the engine's database."""
    migrations.upgrade_to_head(engine, MIGRATIONS)
