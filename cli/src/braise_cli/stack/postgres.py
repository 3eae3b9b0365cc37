"""PostgreSQL for the local stack: Debian's server, its own cluster under var/, on loopback.

The cluster is made once with `initdb`; the role `braise` (with the stack's password) and
one database per service that keeps SQL data are created in single-user mode before the
first start (to change the password later, delete var/postgres). It listens on TCP only.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user that Debian's
package creates, through `setpriv` (an exec, so the pid file holds the postmaster's pid).
"""

import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import psycopg

from braise_cli.stack import install
from braise_cli.stack.process import ManagedProcess
from braise_cli.stack.servers import Server, StackError
from braise_cli.stack.settings import POSTGRES_DATABASES, POSTGRES_USER, StackSettings

DEBIAN_LIB = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # who runs the server when the stack runs as root


def bin_dir() -> Path | None:
    """Return the folder of the newest installed PostgreSQL server's programs, if any."""
    versions = sorted(
        (p for p in DEBIAN_LIB.glob("*/bin") if (p / "postgres").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("postgres")
    return Path(found).resolve().parent if found else None


def _reachable_by(uid: int, gid: int, path: Path) -> bool:
    """Tell whether a user may walk down to path (search permission on every ancestor)."""
    for folder in reversed(path.parents):
        if not folder.exists():
            return True
        mode = folder.stat()
        if mode.st_uid == uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class PostgresServer(Server):
    """Debian's PostgreSQL with its own cluster, on loopback, password authentication over TCP."""

    name = "postgres"

    @property
    def _as_server_user(self) -> list[str]:
        """Return the command prefix that runs a program as the server's user."""
        if os.geteuid() != 0:
            return []
        user = SERVER_USER
        return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"]

    @property
    def home(self) -> Path:
        """Return the cluster's folder: var/postgres, or beside Debian's when var/ is closed.

        The server's user must be able to walk down to its data; a clone under a private
        folder (/root) is not reachable, so the cluster then lives under /var/lib/postgresql,
        named after the stack's folder.
        """
        preferred = self.root / "postgres"
        if os.geteuid() != 0:
            return preferred
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            return preferred
        if _reachable_by(account.pw_uid, account.pw_gid, preferred):
            return preferred
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(account.pw_dir) / f"braise-{digest}"

    @property
    def data_dir(self) -> Path:
        """Return PGDATA."""
        return self.home / "data"

    def _program(self, name: str) -> str:
        found = bin_dir()
        # Before the install, the bare name: `status` still works, a start installs first.
        return str(found / name) if found else name

    def install(self) -> None:
        """Install Debian's postgresql when no server is installed."""
        if bin_dir() is None:
            install.ensure_debian_packages({"postgres": "postgresql"})

    def prepare(self) -> None:
        """Make the cluster, its role and its databases on the first start."""
        prefix = self._as_server_user
        owner = pwd.getpwnam(SERVER_USER) if prefix else pwd.getpwuid(os.geteuid())
        home = self.home
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chown(home, owner.pw_uid, owner.pw_gid)
        if (self.data_dir / "PG_VERSION").exists():
            return
        # Build the cluster aside and swap it in whole: a failed start never looks initialised.
        staging = self.home / "data.partial"
        shutil.rmtree(staging, ignore_errors=True)
        self._run(
            [
                *prefix,
                self._program("initdb"),
                f"--pgdata={staging}",
                f"--username={SERVER_USER}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
            ],
            "initdb",
        )
        password = _quote_literal(self.settings.postgres_password.get_secret_value())
        statements = [f"CREATE ROLE {POSTGRES_USER} LOGIN CREATEDB PASSWORD {password};"]
        statements += [f"CREATE DATABASE {db} OWNER {POSTGRES_USER};" for db in POSTGRES_DATABASES]
        self._run(
            [*prefix, self._program("postgres"), "--single", "-D", str(staging), "postgres"],
            "creating the role and the databases",
            stdin="\n".join(statements) + "\n",
        )
        staging.rename(self.data_dir)

    def _run(self, command: list[str], what: str, stdin: str | None = None) -> None:
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, check=False, cwd=self.home
        )
        output = (result.stdout + result.stderr).strip()
        # Single-user mode reports a failed statement on its output and still exits 0.
        if result.returncode != 0 or "ERROR:" in output:
            raise StackError(f"postgres: {what} failed:\n{output[-3000:]}")

    def process(self) -> ManagedProcess:
        """Run the postmaster in the foreground, settings on the command line."""
        durable = "on" if self.settings.postgres_fsync else "off"
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.settings.postgres_port),
            # TCP only: nothing uses a socket, and a deep folder would make its path too long.
            "unix_socket_directories": "",
            "max_connections": "200",
            "fsync": durable,
            "synchronous_commit": durable,
            "full_page_writes": durable,
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        return ManagedProcess(
            name=self.name,
            command=[
                *self._as_server_user,
                self._program("postgres"),
                *("-D", str(self.data_dir)),
                *options,
            ],
            pid_file=self.root / "run" / "postgres.pid",
            log_file=self.log_file,
            signature=f"-D {self.data_dir}",
        )

    def probe(self) -> str:
        """Run `SELECT 1` as the services do: over TCP, as `braise`, with the password."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.settings.postgres_port,
            user=POSTGRES_USER,
            password=self.settings.postgres_password.get_secret_value(),
            dbname=POSTGRES_DATABASES[0],
            connect_timeout=2,
        ) as connection:
            row = connection.execute("SELECT 1").fetchone()
            version = connection.info.parameter_status("server_version")
        if row != (1,):
            raise StackError("SELECT 1 did not return 1")
        databases = ", ".join(POSTGRES_DATABASES)
        return f"SELECT 1 ok, PostgreSQL {version}, port {self.settings.postgres_port}, {databases}"

    def stop(self) -> bool:
        """Shut down fast (open sessions roll back, a checkpoint is written); True if it ran."""
        proc = self.process()
        pid = proc.pid()
        if pid is None:
            return proc.stop()
        # SIGTERM would be a "smart" shutdown that waits for every client to leave.
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.pid() is not None:
            proc.exited()  # reaps it when this process started it
            time.sleep(0.1)
        proc.stop()
        return True


def sql_servers(settings: StackSettings) -> list[Server]:
    """Return the SQL server the stack runs: PostgreSQL when the services use it, else none."""
    return [PostgresServer(settings)] if settings.sql == "postgres" else []
