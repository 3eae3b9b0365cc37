"""A notifier under test: real Celery worker, real graph API, real Redis, Neo4j and SMTP sink."""

import email
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import redis
from celery import Celery
from neo4j import Driver
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_cli.stack.services import service_env
from braise_graph.store import GraphStore
from braise_notifier.config import NotifierSettings
from braise_notifier.db import DigestRow, make_engine, session_factory
from braise_notifier.directory import apply_events
from braise_notifier.tasks import make_celery
from braise_shared.events import Event
from tests.support.disposable import free_port
from tests.support.graph import new_store
from tests.support.processes import ServiceProcess, service_process, wait_until
from tests.support.servers import SessionServers, stack_settings_for

FINAL = {"sent", "failed", "empty", "skipped"}


@dataclass
class NotifierUnderTest:
    """Handles on the running notifier and what it sent."""

    settings: NotifierSettings
    env: dict[str, str]
    factory: sessionmaker[Session]
    celery: Celery
    graph: GraphStore
    maildir: Path
    tmp: Path
    worker: ServiceProcess

    def know(self, events: list[Event]) -> None:
        """Feed consultants to the notifier's directory and the graph, as the consumers would."""
        apply_events(self.factory, events)
        self.graph.apply(events)

    def plan_due(self, day: str) -> None:
        """Run the planner for a given day, through the broker."""
        self.celery.send_task("braise.plan_due", args=[day])

    def ledger(self) -> dict[tuple[str, str], DigestRow]:
        """Return every ledger row."""
        with self.factory() as session:
            return {(r.period, r.consultant_id): r for r in session.scalars(select(DigestRow))}

    def wait_final(self, count: int, timeout_s: float = 60) -> None:
        """Wait until count ledger rows have reached a final state."""
        wait_until(
            lambda: sum(r.state in FINAL for r in self.ledger().values()) >= count,
            timeout_s=timeout_s,
            what=f"{count} digests finished; worker log:\n{self.worker.log_tail()}",
        )

    def mails(self) -> list[EmailMessage]:
        """Return every message in the sink, parsed."""
        out = []
        for path in sorted(self.maildir.glob("*.eml")):
            with path.open("rb") as f:
                parsed = email.message_from_binary_file(f, policy=default_policy)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out

    def restart_worker(self) -> None:
        """Start a new worker process (after a kill)."""
        self.worker = ServiceProcess("celery", self.env, self.tmp / "worker.log", args=WORKER_ARGS)
        self.worker.start()


WORKER_ARGS = [
    "-A",
    "braise_notifier.tasks",
    "worker",
    "-P",
    "solo",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
    "-l",
    "INFO",
]


@contextmanager
def notifier_under_test(
    tmp: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    database_url: str,
    **overrides: str,
) -> Iterator[NotifierUnderTest]:
    """Start the graph API and a Celery worker on an empty database (a `sql_url`); stop them."""
    endpoints = servers.endpoints
    graph_port = free_port()
    env = {
        **service_env(stack_settings_for(servers, tmp, graph_port=graph_port)),
        "BRAISE_NOTIFIER_BROKER_DB": "2",
        "BRAISE_NOTIFIER_RETRY_BACKOFF_S": "0.2",
        "BRAISE_NOTIFIER_RETRY_BACKOFF_MAX_S": "1",
        "BRAISE_NOTIFIER_LEASE_S": "2",
        "BRAISE_NOTIFIER_VISIBILITY_TIMEOUT_S": "4",
        "BRAISE_LOG_LEVEL": "INFO",
        "BRAISE_NOTIFIER_DATABASE_URL": database_url,
        **overrides,
    }
    settings = NotifierSettings(
        database_url=database_url, redis_url=endpoints.redis_url, broker_db=2
    )
    redis.Redis.from_url(settings.broker_url).flushdb()
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    celery = make_celery(settings)
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        api = stack.enter_context(service_process("braise_graph.server", env, tmp / "graph.log"))
        wait_until(lambda: _answers(graph_port), timeout_s=30, what=f"graph API\n{api.log_tail()}")
        worker = ServiceProcess("celery", env, tmp / "worker.log", args=WORKER_ARGS)
        worker.start()
        running = NotifierUnderTest(
            settings, env, factory, celery, new_store(neo4j_driver), maildir, tmp, worker
        )
        stack.callback(lambda: running.worker.stop())
        yield running


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_quiet(seconds: float) -> None:
    """Give stray tasks a chance to run (to prove nothing more happens)."""
    time.sleep(seconds)


def header(message: EmailMessage, name: str) -> str:
    """Return a header as text."""
    return str(message[name] or "").strip()


def parts(message: EmailMessage) -> dict[str, Any]:
    """Return the text and HTML bodies."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "text": plain.get_content() if plain else None,
        "html": html.get_content() if html else None,
    }
