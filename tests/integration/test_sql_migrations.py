"""Each service's Alembic migrations build exactly the schema its models declare."""

from collections.abc import Callable

import pytest
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Engine

from braise_notifier import db as notifier_db
from braise_notifier.migrate import upgrade_to_head as upgrade_notifier
from braise_profiles import db as profiles_db
from braise_profiles.migrate import upgrade_to_head as upgrade_profiles
from braise_shared.migrations import schema_drift
from braise_shared.sql import make_engine

# Columns the notifier's later revisions added to the tables of 0001.
LATER_COLUMNS = [
    ("recipients", "resume_on"),
    ("recipients", "resume_revision"),
    ("digests", "variant"),
    ("digests", "prepared"),
]
SERVICES: dict[str, tuple[Callable[[Engine], None], MetaData]] = {
    "profiles": (upgrade_profiles, profiles_db.Base.metadata),
    "notifier": (upgrade_notifier, notifier_db.Base.metadata),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_migrated_schema_equals_the_models(sql_url: str, service: str) -> None:
    upgrade, metadata = SERVICES[service]
    engine = make_engine(sql_url)
    try:
        upgrade(engine)
        assert schema_drift(engine, metadata) == []
        upgrade(engine)  # a second start finds nothing to do
        assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_notifier_adopts_a_database_that_create_all_made(sql_url: str) -> None:
    engine = make_engine(sql_url)
    try:
        # What create_all made before migrations existed: the tables of revision 0001.
        before_migrations = [
            t
            for t in notifier_db.Base.metadata.sorted_tables
            if t.name not in ("meetings", "feedback", "link_weeks", "sector_weeks")
        ]
        notifier_db.Base.metadata.create_all(engine, tables=before_migrations)
        with engine.begin() as connection:
            for table, column in LATER_COLUMNS:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        upgrade_notifier(engine)
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == "0007"
        assert schema_drift(engine, notifier_db.Base.metadata) == []
    finally:
        engine.dispose()
