"""How long a commit waits for the disk on SQLite, service by service (docs/operations.md):
profiles does not by default, the notifier's ledger always does."""

from pathlib import Path

from sqlalchemy.engine import Engine

from braise_notifier.db import make_engine as notifier_engine
from braise_profiles.bootstrap import bootstrap
from braise_profiles.config import ProfilesSettings

# SQLite's answers to `PRAGMA synchronous`.
NORMAL, FULL = 1, 2


def _synchronous(engine: Engine) -> int:
    with engine.connect() as connection:
        value = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    assert isinstance(value, int)
    return value


def test_profiles_commits_do_not_wait_for_the_disk_unless_asked(tmp_path: Path) -> None:
    default = bootstrap(ProfilesSettings(database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    asked = bootstrap(
        ProfilesSettings(database_url=f"sqlite:///{tmp_path / 'b.db'}", sqlite_synchronous="full")
    )
    try:
        assert _synchronous(default.engine) == NORMAL
        assert _synchronous(asked.engine) == FULL
    finally:
        default.close()
        asked.close()


def test_the_notifier_ledger_commits_wait_for_the_disk(tmp_path: Path) -> None:
    engine = notifier_engine(f"sqlite:///{tmp_path / 'notifier.db'}")
    try:
        assert _synchronous(engine) == FULL
    finally:
        engine.dispose()
