"""A notifier under test: real Celery worker, real graph API, real Redis, Neo4j and SMTP sink."""

import email
import threading
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

from braise_cli.stack.mailkey import ensure_dkim_key
from braise_cli.stack.services import service_env
from braise_graph.store import GraphStore
from braise_notifier.config import NotifierSettings
from braise_notifier.db import DigestRow, make_engine, session_factory
from braise_notifier.projections import project
from braise_notifier.tasks import make_celery
from braise_shared.events import ConsultantRegisteredV1, Event
from tests.support import events as ev
from tests.support.disposable import free_port
from tests.support.graph import new_store
from tests.support.processes import ServiceProcess, service_process, wait_until
from tests.support.servers import SessionServers, stack_settings_for

FINAL = {"sent", "failed", "empty", "skipped"}
MONDAY = "2026-11-23"  # planning day of the tests: period 2026-W48
DAY = 86_400.0


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
        project(self.factory, events)
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

    def wait_drained(self, timeout_s: float = 60, *, killed_worker_held: int = 0) -> None:
        """Wait until no task is left anywhere: queued, reserved, delayed or running.

        With late acknowledgement a task stays in the broker's `unacked` hash from the moment
        a worker takes it until it has finished (or, its worker dead, until it is restored to
        the queue): an empty queue and an empty hash, seen a few polls in a row, mean nothing
        more can happen. A worker killed with a task in hand leaves it in `unacked` until the
        visibility timeout restores it (its digest was recovered from the ledger meanwhile):
        `killed_worker_held` says how many such entries may stay.
        """
        broker = redis.Redis.from_url(self.settings.broker_url)
        idle_polls = 0

        def drained() -> bool:
            nonlocal idle_polls
            queued = sum(
                int(broker.llen(key))
                for key in broker.scan_iter("celery*")
                if broker.type(key) == b"list"
            )
            idle_polls = (
                idle_polls + 1
                if queued == 0 and broker.hlen("unacked") <= killed_worker_held
                else 0
            )
            return idle_polls >= 5

        try:
            wait_until(
                drained,
                timeout_s=timeout_s,
                what=f"the broker to be drained; worker log:\n{self.worker.log_tail()}",
            )
        finally:
            broker.close()

    @contextmanager
    def supervised(self, poll_s: float = 0.5) -> Iterator[list[int]]:
        """Restart the worker whenever it exits by itself, as its restart policy does in
        production (compose `restart: unless-stopped`, Kubernetes); yield the exit codes of
        the runs it replaced. A Celery worker may exit on a broker outage (kombu's Redis
        transport can raise an AttributeError in its reconnect path): what it held goes back
        to the queue, and the ledger makes the restarted one finish it."""
        exits: list[int] = []
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(poll_s):
                proc = self.worker.proc
                if proc is not None and proc.poll() is not None:
                    exits.append(proc.returncode)
                    self.restart_worker()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield exits
        finally:
            stop.set()
            watcher.join()

    def restart_worker(self) -> None:
        """Start a new worker process (after a kill), with the same pool."""
        args = self.worker.args
        self.worker = ServiceProcess("celery", self.env, self.tmp / "worker.log", args=args)
        self.worker.start()


def worker_args(pool: str, processes: int = 1) -> list[str]:
    """Return the Celery worker's arguments: one process (solo) or a prefork pool."""
    concurrency = ["-c", str(processes)] if pool == "prefork" else []
    return [
        "-A",
        "braise_notifier.tasks",
        "worker",
        "-P",
        pool,
        *concurrency,
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
    database_url: str | None = None,
    *,
    pool: str = "solo",
    processes: int = 1,
    redis_port: int | None = None,
    **overrides: str,
) -> Iterator[NotifierUnderTest]:
    """Start the graph API and a Celery worker on an empty database (a `sql_url`, or a new
    SQLite file); stop them.

    The worker runs one process (`solo`), or a `prefork` pool of `processes` processes that
    take tasks at the same time, as production runs it. `redis_port` names a Redis of the
    test's own (`disposable_redis`) to use instead of the session's.
    """
    database_url = database_url or f"sqlite:///{tmp / 'notifier.db'}"
    graph_port = free_port()
    own_redis = {} if redis_port is None else {"redis_port": redis_port}
    local = stack_settings_for(servers, tmp, graph_port=graph_port, **own_redis)
    ensure_dkim_key(local.root / "dkim")  # the worker signs every digest, as under `braise up`
    env = {
        **service_env(local),
        "BRAISE_NOTIFIER_BROKER_DB": "2",
        "BRAISE_NOTIFIER_RETRY_BACKOFF_S": "0.2",
        "BRAISE_NOTIFIER_RETRY_BACKOFF_MAX_S": "1",
        "BRAISE_NOTIFIER_LEASE_S": "2",
        "BRAISE_NOTIFIER_VISIBILITY_TIMEOUT_S": "4",
        "BRAISE_LOG_LEVEL": "INFO",
        "BRAISE_NOTIFIER_DATABASE_URL": database_url,
        **overrides,
    }
    settings = NotifierSettings(database_url=database_url, redis_url=env["REDIS_URL"], broker_db=2)
    redis.Redis.from_url(settings.broker_url).flushdb()
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    celery = make_celery(settings)
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        api = stack.enter_context(service_process("braise_graph.server", env, tmp / "graph.log"))
        wait_until(lambda: _answers(graph_port), timeout_s=30, what=f"graph API\n{api.log_tail()}")
        args = worker_args(pool, processes)
        worker = ServiceProcess("celery", env, tmp / "worker.log", args=args)
        worker.start()
        running = NotifierUnderTest(
            settings,
            env,
            factory,
            celery,
            new_store(neo4j_driver),
            maildir,
            tmp,
            worker,
        )
        stack.callback(lambda: running.worker.stop())
        yield running


@contextmanager
def graph_server(tmp: Path, servers: SessionServers) -> Iterator[int]:
    """Run the graph read API as `braise up` does, on the session's servers; yield its port."""
    port = free_port()
    env = service_env(stack_settings_for(servers, tmp, graph_port=port))
    with service_process("braise_graph.server", env, tmp / "graph.log") as api:
        wait_until(lambda: _answers(port), timeout_s=30, what=f"graph API\n{api.log_tail()}")
        yield port


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


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


def reader_event(
    n: int,
    *,
    email: str | None = None,
    day: str = "monday",
    locale: str = "fr",
    frequency: str = "weekly",
    name: str | None = None,
) -> Event:
    """Return consultant.registered of a reader due a weekly digest on `day`."""
    event = ev.profile(n, name=name or f"Lecteur {n}", interests=("Voile",), locale=locale)
    data = event.data.model_copy(
        update={
            "email": email or f"reader{n}@example.org",
            "day_of_week": day,
            "frequency": frequency,
        }
    )
    return event.model_copy(update={"data": data})


def firm_of_dormant_friends(readers: list[Event]) -> list[Event]:
    """Each reader gets one old strong link (dormant today) to a friend of their own."""
    now = time.time()
    out: list[Event] = list(readers)
    for reader in readers:
        assert isinstance(reader, ConsultantRegisteredV1)
        n = reader.data.consultant_id.int
        friend = n + 1000
        # Friends get their own digest on Sundays: not due on the Monday under test.
        out.append(reader_event(friend, name=f"Ami {n}", day="sunday"))
        out.append(
            ev.interaction(
                [n, friend],
                now - 600 * DAY,
                kind="mission_together",
                note=f"Projet {n}",
                initiator=friend,
            )
        )
        out.append(ev.interaction([n, friend], now - 560 * DAY, kind="lunch", initiator=n))
    return out
