"""Braise's own processes on the local stack: the three services, their consumers, Celery."""

import os
import sys
import time
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
    return {
        "REDIS_URL": endpoints.redis_url,
        "NEO4J_URI": endpoints.neo4j_uri,
        "NEO4J_USER": endpoints.neo4j_user,
        "NEO4J_PASSWORD": endpoints.neo4j_password.get_secret_value(),
        "SMTP_HOST": endpoints.smtp_host,
        "SMTP_PORT": str(endpoints.smtp_port),
        "BRAISE_PROFILES_DATABASE_URL": settings.database_url("profiles"),
        "BRAISE_PROFILES_PORT": str(settings.profiles_port),
        "BRAISE_GRAPH_PORT": str(settings.graph_port),
        "BRAISE_NOTIFIER_PORT": str(settings.notifier_port),
        "BRAISE_NOTIFIER_DATABASE_URL": settings.database_url("notifier"),
        "BRAISE_NOTIFIER_GRAPH_URL": f"http://127.0.0.1:{settings.graph_port}",
        "BRAISE_NOTIFIER_PROFILES_URL": f"http://127.0.0.1:{settings.profiles_port}",
        "BRAISE_NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{settings.notifier_port}",
        "BRAISE_GRAPH_BATCH_SIZE": os.environ.get("BRAISE_GRAPH_BATCH_SIZE", "1000"),
    }


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
    """The graph's stream consumer."""

    name = "graph-consumer"
    module = "braise_graph.consumer"
    group = "graph"


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
        GraphConsumer(settings),
        GraphApi(settings),
        NotifierConsumer(settings),
        NotifierApi(settings),
        CeleryWorker(settings),
        CeleryBeat(settings),
    ]
