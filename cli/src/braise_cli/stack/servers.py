"""The servers of the local stack: how each is installed, configured, started and probed."""

import smtplib
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import redis
from neo4j import GraphDatabase

from braise_cli.stack import install
from braise_cli.stack.process import ManagedProcess, tail
from braise_cli.stack.settings import NEO4J_VERSION, StackSettings


class StackError(RuntimeError):
    """A server failed to install, start or answer."""


@dataclass(frozen=True)
class Status:
    """What `status` reports for one server."""

    name: str
    pid: int | None
    ready: bool
    detail: str


class Server(ABC):
    """One server of the stack."""

    name: str

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.root = settings.root

    @property
    def log_file(self) -> Path:
        """Return the file the server's output goes to."""
        return self.root / "log" / f"{self.name}.log"

    @abstractmethod
    def process(self) -> ManagedProcess:
        """Return how to run the server."""

    @abstractmethod
    def probe(self) -> str:
        """Ask the server a real question; return a short answer or raise."""

    def install(self) -> None:  # noqa: B027 - most servers need nothing installed
        """Install what the server needs (idempotent)."""

    def prepare(self) -> None:  # noqa: B027 - most servers need no configuration
        """Write configuration and initialise state before a start (idempotent)."""

    def start(self) -> str:
        """Start the server unless it already answers; wait until it does."""
        proc = self.process()
        if proc.pid() is not None:
            try:
                return f"already running ({self.probe()})"
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
                return self._wait_ready(proc, first_error=exc)
        self.install()
        self.prepare()
        proc.spawn()
        return self._wait_ready(proc, first_error=None)

    def _wait_ready(self, proc: ManagedProcess, first_error: Exception | None) -> str:
        deadline = time.monotonic() + self.settings.start_timeout_s
        started = time.monotonic()
        last: Exception | None = first_error
        while time.monotonic() < deadline:
            if proc.exited():
                raise StackError(
                    f"{self.name} exited during start-up (last probe error: {last}).\n"
                    f"Tail of {self.log_file}:\n{tail(self.log_file)}"
                )
            try:
                answer = self.probe()
            except Exception as exc:  # noqa: BLE001 - retried until the deadline
                last = exc
                time.sleep(0.25)
                continue
            return f"started in {time.monotonic() - started:.1f}s ({answer})"
        proc.stop()
        raise StackError(
            f"{self.name} did not answer within {self.settings.start_timeout_s:.0f}s: {last}\n"
            f"Tail of {self.log_file}:\n{tail(self.log_file)}"
        )

    def stop(self) -> bool:
        """Stop the server; return True if it was running."""
        return self.process().stop()

    def status(self) -> Status:
        """Report whether the server runs and answers."""
        pid = self.process().pid()
        try:
            answer = self.probe()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            detail = "not running" if pid is None else f"running but not answering: {exc}"
            return Status(self.name, pid, ready=False, detail=detail)
        if pid is None:
            return Status(self.name, None, ready=True, detail=f"answers ({answer}) but not ours")
        return Status(self.name, pid, ready=True, detail=answer)


class RedisServer(Server):
    """Debian's redis-server on loopback, append-only file on, fsync every second."""

    name = "redis"

    @property
    def data_dir(self) -> Path:
        """Return Redis's own data folder."""
        return self.root / "redis"

    def install(self) -> None:
        """Install redis-server from Debian when it is missing."""
        install.ensure_debian_packages({"redis-server": "redis-server"})

    def prepare(self) -> None:
        """Write redis.conf."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "redis.conf").write_text(
            "\n".join(
                [
                    "bind 127.0.0.1 -::1",
                    f"port {self.settings.redis_port}",
                    "protected-mode yes",
                    "daemonize no",
                    f'dir "{self.data_dir}"',
                    "appendonly yes",
                    "appendfsync everysec",
                    'appendfilename "appendonly.aof"',
                    "save 900 1",
                    "loglevel notice",
                    'logfile ""',
                    "",
                ]
            )
        )

    def process(self) -> ManagedProcess:
        """Run redis-server in the foreground on its config file."""
        conf = self.data_dir / "redis.conf"
        return ManagedProcess(
            name=self.name,
            command=["redis-server", str(conf)],
            pid_file=self.root / "run" / "redis.pid",
            log_file=self.log_file,
            signature=f":{self.settings.redis_port}",
        )

    def probe(self) -> str:
        """Send PING."""
        port = self.settings.redis_port
        client = redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)
        try:
            if not client.ping():
                raise StackError("PING did not answer PONG")
            version = client.info("server")["redis_version"]
        finally:
            client.close()
        return f"PING ok, redis {version}, port {self.settings.redis_port}"


class Neo4jServer(Server):
    """Neo4j Community from Maven Central's jars, Bolt on loopback, authentication on."""

    name = "neo4j"

    @property
    def home(self) -> Path:
        """Return NEO4J_HOME."""
        return self.root / "neo4j"

    @property
    def lib_dir(self) -> Path:
        """Return the folder of the server's jars (downloaded once per machine)."""
        return self.settings.cache_dir.resolve() / f"neo4j-{NEO4J_VERSION}" / "lib"

    def install(self) -> None:
        """Fetch the server's jars once."""
        install.ensure_debian_packages({"java": "openjdk-17-jre-headless"})
        install.ensure_neo4j_jars(self.lib_dir, maven_repo=self.settings.cache_dir.resolve() / "m2")

    def prepare(self) -> None:
        """Write neo4j.conf and set the initial password before the first start."""
        conf_dir = self.home / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "neo4j.conf").write_text(
            "\n".join(
                [
                    "server.default_listen_address=127.0.0.1",
                    f"server.bolt.listen_address=:{self.settings.neo4j_bolt_port}",
                    "server.bolt.enabled=true",
                    "server.http.enabled=false",
                    "server.https.enabled=false",
                    "dbms.security.auth_enabled=true",
                    "dbms.usage_report.enabled=false",
                    f"server.memory.heap.initial_size={self.settings.neo4j_heap}",
                    f"server.memory.heap.max_size={self.settings.neo4j_heap}",
                    f"server.memory.pagecache.size={self.settings.neo4j_pagecache}",
                    "db.tx_log.rotation.retention_policy=1 days",
                    "",
                ]
            )
        )
        if not (self.home / "data" / "dbms" / "auth.ini").exists():
            result = install.run_java_tool(
                home=self.home,
                lib_dir=self.lib_dir,
                main_class="org.neo4j.server.startup.Neo4jAdminCommand",
                args=[
                    "dbms",
                    "set-initial-password",
                    self.settings.neo4j_password.get_secret_value(),
                ],
            )
            if result.returncode != 0:
                raise StackError(f"neo4j: setting the initial password failed:\n{result.output}")

    def process(self) -> ManagedProcess:
        """Run the Community entry point in the foreground, as `neo4j console` would."""
        heap = self.settings.neo4j_heap
        return ManagedProcess(
            name=self.name,
            command=[
                "java",
                "-cp",
                f"{self.home / 'conf'}/*:{self.lib_dir}/*",
                "-Dfile.encoding=UTF-8",
                f"-Xms{heap}",
                f"-Xmx{heap}",
                "-XX:+UseG1GC",
                "-XX:-OmitStackTraceInFastThrow",
                "org.neo4j.server.CommunityEntryPoint",
                f"--home-dir={self.home}",
                f"--config-dir={self.home / 'conf'}",
                "--console-mode",
            ],
            pid_file=self.root / "run" / "neo4j.pid",
            log_file=self.log_file,
            signature=f"--home-dir={self.home}",
            env={"NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")},
        )

    def probe(self) -> str:
        """Run `RETURN 1` over Bolt with the configured password."""
        uri = f"bolt://127.0.0.1:{self.settings.neo4j_bolt_port}"
        auth = ("neo4j", self.settings.neo4j_password.get_secret_value())
        driver = GraphDatabase.driver(uri, auth=auth, connection_timeout=2)
        with driver:
            # An auto-commit query is not retried by the driver: a probe must fail fast.
            with driver.session() as session:
                record = session.run("RETURN 1 AS one").single()
            if record is None or record["one"] != 1:
                raise StackError("RETURN 1 did not return 1")
            info = driver.get_server_info()
        return f"RETURN 1 ok, {info.agent}, bolt port {self.settings.neo4j_bolt_port}"


class MailSink(Server):
    """An aiosmtpd server that stores every message as an .eml file."""

    name = "mailsink"

    @property
    def maildir(self) -> Path:
        """Return the folder the .eml files land in."""
        return self.root / "mail"

    def process(self) -> ManagedProcess:
        """Run the sink module with this interpreter."""
        return ManagedProcess(
            name=self.name,
            command=[
                sys.executable,
                "-m",
                "braise_cli.mailsink",
                "--port",
                str(self.settings.smtp_port),
                "--maildir",
                str(self.maildir),
                *(["--faults"] if self.settings.smtp_faults else []),
            ],
            pid_file=self.root / "run" / "mailsink.pid",
            log_file=self.log_file,
            signature=f"--maildir {self.maildir}",
        )

    def probe(self) -> str:
        """Send NOOP."""
        with smtplib.SMTP("127.0.0.1", self.settings.smtp_port, timeout=2) as smtp:
            code, _ = smtp.noop()
        if code != 250:
            raise StackError(f"NOOP answered {code}")
        return f"NOOP ok, port {self.settings.smtp_port}, mail in {self.maildir}"
