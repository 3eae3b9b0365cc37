"""The SQL databases tests run on: a new SQLite file, or the session's PostgreSQL one emptied."""

import psycopg
from sqlalchemy.engine import make_url

TEST_DATABASE = "braise_test"


def libpq_url(url: str) -> str:
    """Return a SQLAlchemy PostgreSQL URL as libpq (psycopg) reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str, name: str = TEST_DATABASE) -> str:
    """Create database name on url's server unless it exists; return its SQLAlchemy URL."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')  # a name of ours, not input
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def empty_database(url: str) -> None:
    """Drop every table of a PostgreSQL database: what a test leaves, the next never sees."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        # Connections a previous test left open would hold locks the DROP waits for. Only
        # our role's clients: an autovacuum worker (a superuser's) may not be terminated,
        # and the lock timeout below covers the moment it holds a table.
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user AND backend_type = 'client backend'"
        )
        connection.execute("SET lock_timeout = '20s'")
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
