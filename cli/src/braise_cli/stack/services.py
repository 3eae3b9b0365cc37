"""Braise's own processes on the local stack: the three services, their consumers, Celery."""

import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import redis

from braise_cli.stack.caldav import ensure_calendar_key
from braise_cli.stack.mailkey import dkim_key_files, ensure_dkim_key
from braise_cli.stack.process import ManagedProcess
from braise_cli.stack.servers import Server, StackError
from braise_cli.stack.settings import StackSettings
from braise_shared.stream import EVENTS_STREAM
from braise_shared.stream_lag import group_backlogs

LOCAL_STAFF_EMAIL = "equipe@cabinet.example"


def local_staff_emails() -> list[str]:
    """Return who may sign in to the local stack's firm's view ($BRAISE_NOTIFIER_STAFF_EMAILS)."""
    raw = os.environ.get("BRAISE_NOTIFIER_STAFF_EMAILS")
    try:
        emails = json.loads(raw) if raw else [LOCAL_STAFF_EMAIL]
    except json.JSONDecodeError:
        emails = None
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise StackError("BRAISE_NOTIFIER_STAFF_EMAILS must be a JSON list of addresses")
    return emails


def service_env(settings: StackSettings) -> dict[str, str]:
    """Return the environment every Braise process of this stack runs with."""
    endpoints = settings.server_settings()
    root = settings.root
    dkim = dkim_key_files(root / "dkim")  # the worker generates it before it starts
    return {
        "REDIS_URL": endpoints.redis_url,
        "NEO4J_URI": endpoints.neo4j_uri,
        "NEO4J_USER": endpoints.neo4j_user,
        "NEO4J_PASSWORD": endpoints.neo4j_password.get_secret_value(),
        "SMTP_HOST": endpoints.smtp_host,
        "SMTP_PORT": str(endpoints.smtp_port),
        "BRAISE_PROFILES_DATABASE_URL": settings.database_url("profiles"),
        "BRAISE_PROFILES_PORT": str(settings.profiles_port),
        # Calendar passwords are encrypted with a key of this stack's, made once under var/.
        "BRAISE_PROFILES_CALENDAR_KEY": ensure_calendar_key(root / "secrets" / "calendar.key"),
        "BRAISE_PROFILES_CALENDAR_SYNC_METRICS_PORT": str(settings.calendar_sync_metrics_port),
        # The local Radicale listens on 127.0.0.1: a private address, read on this stack only.
        "BRAISE_PROFILES_CALENDAR_ALLOW_PRIVATE_HOSTS": "true",
        "BRAISE_GRAPH_PORT": str(settings.graph_port),
        "BRAISE_NOTIFIER_PORT": str(settings.notifier_port),
        "BRAISE_NOTIFIER_DATABASE_URL": settings.database_url("notifier"),
        "BRAISE_NOTIFIER_GRAPH_URL": f"http://127.0.0.1:{settings.graph_port}",
        "BRAISE_NOTIFIER_PROFILES_URL": f"http://127.0.0.1:{settings.profiles_port}",
        "BRAISE_NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{settings.notifier_port}",
        "BRAISE_NOTIFIER_PREFERENCES_URL": (
            f"http://127.0.0.1:{settings.notifier_port}/pages/open/preferences?token={{token}}"
        ),
        # Who may sign in to the firm's view on the local stack (its link lands in the sink).
        "BRAISE_NOTIFIER_STAFF_EMAILS": json.dumps(local_staff_emails()),
        "BRAISE_NOTIFIER_DKIM_SELECTOR": dkim.selector,
        "BRAISE_NOTIFIER_DKIM_DOMAIN": dkim.domain,
        "BRAISE_NOTIFIER_DKIM_PRIVATE_KEY_PATH": str(dkim.private_key),
        "BRAISE_GRAPH_BATCH_SIZE": os.environ.get("BRAISE_GRAPH_BATCH_SIZE", "1000"),
        "BRAISE_PROFILES_RELAY_METRICS_PORT": str(settings.relay_metrics_port),
        "BRAISE_GRAPH_CONSUMER_METRICS_PORT": str(settings.graph_consumer_metrics_port),
        "BRAISE_NOTIFIER_CONSUMER_METRICS_PORT": str(settings.notifier_consumer_metrics_port),
        "BRAISE_NOTIFIER_WORKER_METRICS_PORT": str(settings.worker_metrics_port),
        "BRAISE_NOTIFIER_BEAT_METRICS_PORT": str(settings.beat_metrics_port),
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

    def env(self) -> dict[str, str]:
        """Return the process's environment: the stack's, plus its own."""
        return service_env(self.settings)

    def process(self) -> ManagedProcess:
        """Run the module with the stack's environment."""
        return ManagedProcess(
            name=self.name,
            command=[sys.executable, "-m", self.module, *self.args],
            pid_file=self.root / "run" / f"{self.name}.pid",
            log_file=self.log_file,
            signature=self.signature,
            env=self.env(),
            cwd=Path.cwd(),
        )


class HttpService(BraiseProcess):
    """A FastAPI service: ready when GET /readyz answers 200 (its dependencies answer too)."""

    port_setting: str

    @property
    def port(self) -> int:
        """Return the service's port."""
        port: int = getattr(self.settings, self.port_setting)
        return port

    def probe(self) -> str:
        """GET /readyz."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=5)
        if response.status_code != 200:
            raise StackError(f"/readyz answered {response.status_code}: {response.text[:300]}")
        return f"http://127.0.0.1:{self.port}  (OpenAPI at /docs, metrics at /metrics)"


class BackgroundProcess(BraiseProcess):
    """A process without an HTTP app: ready when its metrics port answers."""

    metrics_setting: str

    @property
    def metrics_port(self) -> int:
        """Return the port of the process's /metrics."""
        port: int = getattr(self.settings, self.metrics_setting)
        return port

    def probe(self) -> str:
        """GET /metrics from the process itself."""
        if self.process().pid() is None:
            raise StackError("not running")
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        response = httpx.get(url, timeout=5)
        if response.status_code != 200:
            raise StackError(f"{url} answered {response.status_code}")
        return f"running, metrics at {url}{self.detail()}"

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
            backlog = group_backlogs(client, EVENTS_STREAM).get(self.group)
        except redis.RedisError:
            return ""
        finally:
            client.close()
        if backlog is None:
            return ""
        return f", group {self.group}: lag {backlog.unprocessed}, pending {backlog.pending}"


class ProfilesApi(HttpService):
    """The profiles HTTP service."""

    name = "profiles"
    module = "braise_profiles.server"
    port_setting = "profiles_port"


class ProfilesRelay(BackgroundProcess):
    """The profiles outbox relay."""

    name = "relay"
    module = "braise_profiles.relay"
    metrics_setting = "relay_metrics_port"


class CalendarSync(BackgroundProcess):
    """The profiles calendar sync: every calendar, every few minutes."""

    name = "calendar-sync"
    module = "braise_profiles.calendar_sync"
    metrics_setting = "calendar_sync_metrics_port"


class GraphConsumer(StreamConsumerProcess):
    """One of the graph's stream consumers: partition 0 (`graph-consumer`, group `graph`),
    or partition i (`graph-consumer-<i>`, group `graph-<i>`)."""

    module = "braise_graph.consumer"
    metrics_setting = "graph_consumer_metrics_port"

    def __init__(self, settings: StackSettings, partition: int = 0) -> None:
        super().__init__(settings)
        self.partition = partition
        self.name = "graph-consumer" + (f"-{partition}" if partition else "")
        self.group = "graph" + (f"-{partition}" if partition else "")

    @property
    def metrics_port(self) -> int:
        """Return this partition's metrics port: the first one's, plus 100 per partition."""
        return self.settings.graph_consumer_metrics_port + 100 * self.partition

    def process(self) -> ManagedProcess:
        """Run the consumer of this partition."""
        proc = super().process()
        env = {
            **(proc.env or {}),
            "BRAISE_GRAPH_PARTITION": str(self.partition),
            "BRAISE_GRAPH_CONSUMER_METRICS_PORT": str(self.metrics_port),
        }
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


class NotifierProcess(Server):
    """A process of the notifier: each loads the DKIM key at start-up, so it must exist."""

    def prepare(self) -> None:
        """Generate the stack's DKIM key if missing: every digest leaves signed."""
        ensure_dkim_key(self.root / "dkim")


class NotifierConsumer(NotifierProcess, StreamConsumerProcess):
    """The notifier's stream consumer (recipients)."""

    name = "notifier-consumer"
    module = "braise_notifier.consumer"
    metrics_setting = "notifier_consumer_metrics_port"
    group = "notifier"


class NotifierApi(NotifierProcess, HttpService):
    """The notifier's HTTP app (unsubscribe, links, admin)."""

    name = "notifier"
    module = "braise_notifier.server"
    port_setting = "notifier_port"


class CeleryWorker(NotifierProcess, BackgroundProcess):
    """The Celery worker that sends digests."""

    name = "worker"
    module = "celery"
    signature = "braise_notifier.tasks worker"
    metrics_setting = "worker_metrics_port"

    @property
    def multiprocess_dir(self) -> Path:
        """Return where the prefork children keep their shared metric values."""
        return self.root / "run" / "worker-metrics"

    def env(self) -> dict[str, str]:
        """Add the metrics client's multiprocess mode: the children share one view."""
        return {**super().env(), "PROMETHEUS_MULTIPROC_DIR": str(self.multiprocess_dir)}

    def prepare(self) -> None:
        """Start from an empty multiprocess folder: old children's values are stale."""
        shutil.rmtree(self.multiprocess_dir, ignore_errors=True)
        self.multiprocess_dir.mkdir(parents=True)

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
    metrics_setting = "beat_metrics_port"

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
        CalendarSync(settings),
        *graph_consumers(settings),
        GraphApi(settings),
        NotifierConsumer(settings),
        NotifierApi(settings),
        CeleryWorker(settings),
        CeleryBeat(settings),
    ]
