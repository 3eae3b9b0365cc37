"""Braise's own processes on the local stack: the three services, their consumers, Celery."""

import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import redis

from braise_cli.stack.process import ManagedProcess
from braise_cli.stack.servers import Server, StackError
from braise_cli.stack.settings import StackSettings
from braise_shared.stream import EVENTS_STREAM


def service_env(settings: StackSettings) -> dict[str, str]:
    """Return the environment every Braise process of this stack runs with."""
    endpoints = settings.server_settings()
    root = settings.root
    return {
        "REDIS_URL": endpoints.redis_url,
        "NEO4J_URI": endpoints.neo4j_uri,
        "NEO4J_USER": endpoints.neo4j_user,
        "NEO4J_PASSWORD": endpoints.neo4j_password.get_secret_value(),
        "SMTP_HOST": endpoints.smtp_host,
        "SMTP_PORT": str(endpoints.smtp_port),
        "BRAISE_PROFILES_DATABASE_URL": f"sqlite:///{root / 'profiles.db'}",
        "BRAISE_PROFILES_PORT": str(settings.profiles_port),
        "BRAISE_GRAPH_PORT": str(settings.graph_port),
        "BRAISE_NOTIFIER_PORT": str(settings.notifier_port),
        "BRAISE_NOTIFIER_DATABASE_URL": f"sqlite:///{root / 'notifier.db'}",
        "BRAISE_NOTIFIER_GRAPH_URL": f"http://127.0.0.1:{settings.graph_port}",
        "BRAISE_NOTIFIER_PROFILES_URL": f"http://127.0.0.1:{settings.profiles_port}",
        "BRAISE_NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{settings.notifier_port}",
        "BRAISE_GRAPH_BATCH_SIZE": os.environ.get("BRAISE_GRAPH_BATCH_SIZE", "1000"),
        "BRAISE_GRAPH_PARTITIONS": str(graph_partitions()),
    }


def graph_partitions() -> int:
    """Return how many graph consumers the stack runs (`BRAISE_GRAPH_PARTITIONS`, default 1)."""
    raw = os.environ.get("BRAISE_GRAPH_PARTITIONS", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise StackError(f"BRAISE_GRAPH_PARTITIONS must be a whole number from 1, not {raw!r}")
    return int(raw)


class BraiseProcess(Server):
    """A Braise process run with this interpreter (`python -m module ...`)."""

    module: str

    @property
    def args(self) -> tuple[str, ...]:
        """Return the arguments after `-m module`."""
        return ()

    @property
    def signature(self) -> str:
        """Return a part of the command line that tells this process from any other."""
        return f"-m {self.module}"

    def process(self) -> ManagedProcess:
        """Run the module with the stack's environment."""
        return ManagedProcess(
            name=self.name,
            command=[sys.executable, "-m", self.module, *self.args],
            pid_file=self.root / "run" / f"{self.name}.pid",
            log_file=self.log_file,
            signature=self.signature,
            env=service_env(self.settings),
            cwd=Path.cwd(),
        )


class HttpService(BraiseProcess):
    """A FastAPI service: ready when GET /healthz answers 200."""

    port_setting: str

    @property
    def port(self) -> int:
        """Return the service's port."""
        port: int = getattr(self.settings, self.port_setting)
        return port

    def probe(self) -> str:
        """GET /healthz."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        if response.status_code != 200:
            raise StackError(f"/healthz answered {response.status_code}")
        return f"http://127.0.0.1:{self.port}  (OpenAPI at /docs)"


class BackgroundProcess(BraiseProcess):
    """A process without a port: ready when it has stayed up for a moment."""

    settle_s = 1.5

    def probe(self) -> str:
        """Check the process lives (and has lived long enough not to be crashing)."""
        pid = self.process().pid()
        if pid is None:
            raise StackError("not running")
        started = Path(f"/proc/{pid}").stat().st_mtime
        if time.time() - started < self.settle_s:
            raise StackError("just started")
        return f"running{self.detail()}"

    def detail(self) -> str:
        """Return more to say in `status`."""
        return ""


class StreamConsumerProcess(BackgroundProcess):
    """A stream consumer: reports its group's lag."""

    group: str

    def detail(self) -> str:
        """Say how far behind the group is."""
        client = redis.Redis(port=self.settings.redis_port, socket_timeout=2)
        try:
            groups: list[dict[str, Any]] = client.xinfo_groups(EVENTS_STREAM)
        except redis.RedisError:
            return ""
        finally:
            client.close()
        for group in groups:
            if group["name"] in (self.group, self.group.encode()):
                return f", group {self.group}: lag {group['lag']}, pending {group['pending']}"
        return ""


class ProfilesApi(HttpService):
    """The profiles HTTP service."""

    name = "profiles"
    module = "braise_profiles.server"
    port_setting = "profiles_port"


class ProfilesRelay(BackgroundProcess):
    """The profiles outbox relay."""

    name = "relay"
    module = "braise_profiles.relay"


class GraphConsumer(StreamConsumerProcess):
    """One of the graph's stream consumers: partition 0 (`graph-consumer`, group `graph`),
    or partition i (`graph-consumer-<i>`, group `graph-<i>`)."""

    module = "braise_graph.consumer"

    def __init__(self, settings: StackSettings, partition: int = 0) -> None:
        super().__init__(settings)
        self.partition = partition
        self.name = "graph-consumer" + (f"-{partition}" if partition else "")
        self.group = "graph" + (f"-{partition}" if partition else "")

    def process(self) -> ManagedProcess:
        """Run the consumer of this partition."""
        proc = super().process()
        env = {**(proc.env or {}), "BRAISE_GRAPH_PARTITION": str(self.partition)}
        return replace(proc, env=env)


def graph_consumers(settings: StackSettings) -> list[Server]:
    """Return the graph consumers to run, and any other one still running (to stop it)."""
    consumers: list[Server] = [GraphConsumer(settings, i) for i in range(graph_partitions())]
    for pid_file in sorted((settings.root / "run").glob("graph-consumer-*.pid")):
        index = pid_file.stem.rpartition("-")[2]
        if index.isdigit() and int(index) >= len(consumers):
            stale = GraphConsumer(settings, int(index))
            if stale.process().pid() is not None:
                consumers.append(stale)
    return consumers


class GraphApi(HttpService):
    """The graph read API."""

    name = "graph"
    module = "braise_graph.server"
    port_setting = "graph_port"


class NotifierConsumer(StreamConsumerProcess):
    """The notifier's stream consumer (recipients)."""

    name = "notifier-consumer"
    module = "braise_notifier.consumer"
    group = "notifier"


class NotifierApi(HttpService):
    """The notifier's HTTP app (unsubscribe, links, admin)."""

    name = "notifier"
    module = "braise_notifier.server"
    port_setting = "notifier_port"


class CeleryWorker(BackgroundProcess):
    """The Celery worker that sends digests."""

    name = "worker"
    module = "celery"
    signature = "braise_notifier.tasks worker"

    @property
    def args(self) -> tuple[str, ...]:
        """Two prefork processes, named after the host."""
        return (
            "-A",
            "braise_notifier.tasks",
            "worker",
            "-P",
            "prefork",
            "-c",
            "2",
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "braise-worker@%h",
        )


class CeleryBeat(BackgroundProcess):
    """The one Celery beat: plans due digests every hour."""

    name = "beat"
    module = "celery"
    signature = "braise_notifier.tasks beat"

    @property
    def args(self) -> tuple[str, ...]:
        """Keep beat's schedule file under var/."""
        schedule = self.root / "run" / "celerybeat-schedule"
        return ("-A", "braise_notifier.tasks", "beat", "-l", "INFO", "-s", str(schedule))


def build_services(settings: StackSettings) -> list[Server]:
    """Return Braise's processes in start order."""
    return [
        ProfilesApi(settings),
        ProfilesRelay(settings),
        *graph_consumers(settings),
        GraphApi(settings),
        NotifierConsumer(settings),
        NotifierApi(settings),
        CeleryWorker(settings),
        CeleryBeat(settings),
    ]
