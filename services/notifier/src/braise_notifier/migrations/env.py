"""Alembic environment: migrations run on the connection the caller passes, or on the URL."""

from braise_notifier.db import Base
from braise_shared.migrations import run_migrations

run_migrations(Base.metadata)
