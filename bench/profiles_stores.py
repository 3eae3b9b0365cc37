"""The stores the profiles benchmark writes to: a new SQLite file, or a new database on the
bench's own PostgreSQL (the project's stack server, under var/bench, on the bench's port)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.common import bench_settings
from braise_cli.stack.postgres import PostgresServer

STORES = ("sqlite", "postgresql")
BENCH_DATABASE = "braise_profiles_bench"


@dataclass(frozen=True)
class Store:
    """Where the service writes, and the pid of the database server (none for SQLite)."""

    name: str
    database_url: str
    server_pid: int | None


@contextmanager
def open_store(name: str, work: Path) -> Iterator[Store]:
    """Yield an empty store of that name; stop the PostgreSQL server afterwards."""
    if name == "sqlite":
        yield Store(name, f"sqlite:///{work / 'profiles.db'}", None)
        return
    settings = bench_settings().model_copy(update={"sql": "postgres"})
    server = PostgresServer(settings)
    print(f"  {server.name}: {server.start()}", file=sys.stderr)
    try:
        base = settings.database_url("profiles")
        libpq = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        url = make_url(base).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
        yield Store(name, url, server.process().pid())
    finally:
        server.stop()


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[int]:
    """Start a process, wait until its /healthz answers, yield its pid; stop it afterwards."""
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise SystemExit(f"{args} exited with {proc.returncode}; see {log}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{args} did not answer; see {log}")
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(30)
