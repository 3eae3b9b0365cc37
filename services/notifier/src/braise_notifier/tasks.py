"""Celery tasks: plan digests, send them by batches (or one), tell profiles of an
unsubscription. Thin: they take ids, call the service, and retry transient failures with
back-off.

Run a worker: celery -A braise_notifier.tasks worker; the beat: celery -A braise_notifier.tasks beat
Nothing is read at import: the app reads its settings when Celery first configures it.
"""

import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import redis
from celery import Celery, Task
from celery.signals import (
    beat_init,
    setup_logging,
    worker_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from celery.utils.time import get_exponential_backoff_interval
from kombu.exceptions import OperationalError
from prometheus_client import multiprocess

from braise_notifier.bootstrap import notifier, settings
from braise_notifier.config import NotifierSettings
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.history import (
    record_sector_week,
    record_week,
    sector_counts,
    sector_week_recorded,
    week_recorded,
)
from braise_notifier.mailer import PermanentMailError, TransientMailError
from braise_notifier.planning import EnqueueError, due_today, everyone_for, plan, unfinished
from braise_notifier.profiles_client import ProfilesUnavailableError
from braise_notifier.schedule import BEAT_SCHEDULE, local_today, planning_day, week_period
from braise_notifier.service import RetryLaterError
from braise_notifier.singleton import BEAT_LOCK_KEY, Lease, LeasedScheduler, LeaseHeldError
from braise_notifier.staff_sign_in import MAIL_TASK, mail_sign_in_link
from braise_shared.logs import configure_logging
from braise_shared.metrics import DIGESTS, serve_metrics

# A sign-in link lasts 15 minutes: its mail is retried within them (10, 20, 40, 80 s).
SIGN_IN_RETRIES = 4
SIGN_IN_BACKOFF_S = 10.0

# Ledger states that end a digest, each counted once per send attempt that reached it.
COUNTED_OUTCOMES = ("sent", "empty", "skipped", "failed")

# What a publish raises when the broker is away (kombu's error once its own retries are spent).
BROKER_ERRORS: tuple[type[Exception], ...] = (OperationalError, redis.RedisError, EnqueueError)

# The weekly record reads every link of the graph twice (counts by stage, live links between
# sectors): 24 s and 15 s at 30,000 consultants (563,000 links) on a 2-core machine, past the
# graph client's 10 s. An hourly background task can wait for it.
WHOLE_GRAPH_READ_S = 300.0

# A planning run publishes its batches through a broker that may be restarting: each publish
# is tried again with growing waits (0.5 s, then 1.5 s more each time, at most 10 s apart)
# for about two and a half minutes before the run gives up and retries as a whole.
PLANNING_PUBLISH_RETRY = {
    "max_retries": 20,
    "interval_start": 0.5,
    "interval_step": 1.5,
    "interval_max": 10.0,
}
# A planning run that could not enqueue everything runs again this soon (then doubling):
# its rows are planned, and planning again enqueues the planned ones.
PLANNING_RETRY_S = 15.0
PLANNING_MAX_RETRIES = 10

log = logging.getLogger(__name__)


def celery_config(settings: NotifierSettings) -> dict[str, Any]:
    """Return Celery's settings: Redis broker, late acks, one task at a time per process."""
    return {
        "broker_url": settings.broker_url,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": settings.timezone,
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": settings.visibility_timeout_s},
        "worker_hijack_root_logger": False,
        "beat_schedule": BEAT_SCHEDULE,
        "beat_scheduler": f"{LeasedScheduler.__module__}:{LeasedScheduler.__name__}",
    }


def make_celery(settings: NotifierSettings) -> Celery:
    """Return a Celery app configured from these settings (clients and tests use it)."""
    celery = Celery("braise_notifier")
    celery.conf.update(celery_config(settings))
    return celery


app = Celery("braise_notifier")


@app.on_configure.connect
def _configure(sender: Celery, **_kwargs: object) -> None:
    sender.conf.update(celery_config(settings()))


def _backoff(retries: int) -> float:
    """Celery's own exponential back-off (what `retry_backoff` uses), from our settings."""
    s = settings()
    return float(
        get_exponential_backoff_interval(
            factor=s.retry_backoff_s,  # type: ignore[arg-type]  # typed int, computes floats
            retries=retries,
            maximum=s.retry_backoff_max_s,  # type: ignore[arg-type]
        )
    )


@app.task(name="braise.plan_due", bind=True)
def plan_due(self: Task, today: str | None = None) -> int:  # type: ignore[type-arg]
    """Plan the digests due today (firm's time zone, after the send hour) and enqueue them,
    with any digest a dead worker or an exhausted retry left unfinished."""
    s = settings()
    if today is not None:
        day: date | None = date.fromisoformat(today)
    else:
        day = planning_day(datetime.now(UTC), timezone=s.timezone, send_hour=s.send_hour)
    planned = (
        []
        if day is None
        else plan(notifier().factory, due_today(notifier().factory, day, timezone=s.timezone))
    )
    with _retried_if_the_broker_fails(self):
        return _enqueue(planned, retry_policy=PLANNING_PUBLISH_RETRY) + _enqueue_unfinished(
            skip=set(planned), retry_policy=PLANNING_PUBLISH_RETRY
        )


@app.task(name="braise.plan_period", bind=True)
def plan_period(self: Task, period: str) -> int:  # type: ignore[type-arg]
    """Plan a digest of the given period for every subscribed consultant (operator's run)."""
    n = notifier()
    today = local_today(datetime.now(UTC), n.settings.timezone)
    planned = plan(n.factory, everyone_for(n.factory, period, today))
    with _retried_if_the_broker_fails(self):
        return _enqueue(planned, retry_policy=PLANNING_PUBLISH_RETRY)


@contextmanager
def _retried_if_the_broker_fails(task: Task) -> Iterator[None]:  # type: ignore[type-arg]
    """Run the task again soon if the broker refused a publish: the rows it planned are
    committed and still `planned`, and planning again enqueues them."""
    try:
        yield
    except BROKER_ERRORS as exc:
        retries = task.request.retries
        log.warning("planning could not enqueue everything: %s; retry %d", exc, retries + 1)
        raise task.retry(
            exc=exc,
            countdown=min(PLANNING_RETRY_S * 2**retries, 600.0),
            max_retries=PLANNING_MAX_RETRIES,
            retry_policy=PLANNING_PUBLISH_RETRY,
        ) from exc


@app.task(name="braise.recover")
def recover() -> int:
    """Enqueue again the digests a dead worker left planned or sending (after their lease)."""
    return _enqueue_unfinished(skip=set())


def _enqueue_unfinished(
    *, skip: set[tuple[str, str]], retry_policy: dict[str, float] | None = None
) -> int:
    lease = timedelta(seconds=settings().lease_s)
    rows = [r for r in unfinished(notifier().factory, lease=lease) if (r[0], r[1]) not in skip]
    for period, consultant_id, delay in rows:
        send_digest.apply_async(
            (period, consultant_id), countdown=delay + 0.5, retry_policy=retry_policy
        )
    log.info("re-enqueued %d unfinished digests", len(rows))
    return len(rows)


@setup_logging.connect
def _json_logs(**_kwargs: object) -> None:
    """Log like every other Braise process (connecting here keeps Celery's own setup away)."""
    configure_logging("notifier-beat" if "beat" in sys.argv else "notifier-worker")


@worker_init.connect
def _serve_worker_metrics(**_kwargs: object) -> None:
    """The worker's main process serves the metrics of all its prefork children."""
    serve_metrics(settings().host, settings().worker_metrics_port)


@worker_process_shutdown.connect
def _forget_child(**_kwargs: object) -> None:
    _close_connections()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


@worker_shutdown.connect
def _close_connections(**_kwargs: object) -> None:
    """Say goodbye to the SMTP server on the connections this process kept (the solo and
    threads pools send from the main process, prefork from its children)."""
    if notifier.cache_info().currsize:  # built in this process: something may be open
        notifier().close()


@beat_init.connect
def _start_beat(**_kwargs: object) -> None:
    """Serve the beat's metrics, then hold the one-beat lease (waiting for Redis) or stop."""
    serve_metrics(settings().host, settings().beat_metrics_port)
    client = redis.Redis.from_url(
        settings().redis_url, socket_timeout=10, socket_connect_timeout=10
    )
    lease = Lease(client, BEAT_LOCK_KEY)
    try:
        lease.acquire()
    except LeaseHeldError as exc:
        log.critical("%s", exc)
        raise SystemExit(2) from exc
    LeasedScheduler.lease = lease


@worker_ready.connect
def _recover_on_start(sender: object, **_kwargs: object) -> None:
    """A worker that starts picks up what a dead one left behind."""
    app.send_task("braise.recover")


def _enqueue(keys: list[tuple[str, str]], *, retry_policy: dict[str, float]) -> int:
    enqueue_digests(keys, retry_policy=retry_policy)
    log.info("enqueued %d digests", len(keys))
    return len(keys)


def enqueue_digests(
    keys: list[tuple[str, str]], *, retry_policy: dict[str, float] | None = None
) -> None:
    """Enqueue (period, consultant) digests by batches of `send_batch_size`; raise
    EnqueueError if the broker refuses one (those before it are enqueued)."""
    size = settings().send_batch_size
    for start in range(0, len(keys), size):
        try:
            send_digests.apply_async(
                ([list(key) for key in keys[start : start + size]],), retry_policy=retry_policy
            )
        except BROKER_ERRORS as exc:
            raise EnqueueError(enqueued=start, planned=len(keys), reason=str(exc)) from exc


@app.task(name="braise.send_digests", bind=True)
def send_digests(self: Task, keys: list[list[str]]) -> dict[str, int]:  # type: ignore[type-arg]
    """Send a batch of (period, consultant) digests, their candidates asked in one request;
    a digest to retry is enqueued again on its own. Return how many ended in each state."""
    batch = [(period, consultant_id) for period, consultant_id in keys]
    try:
        outcomes = notifier().digests.send_many(batch)
    except RetryLaterError as exc:
        DIGESTS.labels("retried").inc(len(batch))
        log.warning("batch of %d digests: %s; retry %d", len(batch), exc, self.request.retries + 1)
        raise self.retry(
            exc=exc,
            countdown=_backoff(self.request.retries),
            max_retries=settings().max_retries,
        ) from exc
    states: Counter[str] = Counter()
    for (period, consultant_id), outcome in outcomes.items():
        if isinstance(outcome, RetryLaterError):
            DIGESTS.labels("retried").inc()
            log.warning("digest %s/%s: %s; retry 1", period, consultant_id, outcome)
            send_digest.apply_async((period, consultant_id), countdown=_backoff(0))
            states["retried"] += 1
            continue
        _count(period, consultant_id, outcome)
        states[outcome] += 1
    return dict(states)


def _count(period: str, consultant_id: str, state: str) -> None:
    if state in COUNTED_OUTCOMES:
        DIGESTS.labels(state).inc()
    log.info("digest %s", state, extra={"period": period, "consultant_id": consultant_id})


@app.task(name="braise.send_digest", bind=True)
def send_digest(self: Task, period: str, consultant_id: str) -> str:  # type: ignore[type-arg]
    """Send the digest of one consultant for one period (at most once, by the ledger)."""
    try:
        state = notifier().digests.send(period, consultant_id)
    except RetryLaterError as exc:
        DIGESTS.labels("retried").inc()
        log.warning(
            "digest %s/%s: %s; retry %d", period, consultant_id, exc, self.request.retries + 1
        )
        raise self.retry(
            exc=exc,
            countdown=_backoff(self.request.retries),
            max_retries=settings().max_retries,
        ) from exc
    _count(period, consultant_id, state)
    return state


@app.task(name="braise.record_link_week")
def record_link_week() -> bool:
    """Keep this week's links per stage and live links per sector from the graph, once per ISO
    week; tell if it recorded the stages."""
    now = datetime.now(UTC)
    week = week_period(local_today(now, settings().timezone))
    factory = notifier().factory
    stages_due, sectors_due = (
        not week_recorded(factory, week),
        not sector_week_recorded(factory, week),
    )
    if not (stages_due or sectors_due):
        return False
    try:
        graph = notifier().graph
        stats = graph.stats(timeout_s=WHOLE_GRAPH_READ_S) if stages_due else None
        sectors = graph.sector_links(timeout_s=WHOLE_GRAPH_READ_S) if sectors_due else None
    except GraphUnavailableError as exc:
        log.warning("links of %s not recorded: %s; the next hour asks again", week, exc)
        return False
    if (
        sectors is not None and sectors.pairs
    ):  # a graph without a live link (a stack before its firm) says nothing
        record_sector_week(
            factory,
            week,
            sector_counts(sectors),
            at=now,
        )
    if stats is None or not any(stats.links_by_stage.values()):
        return False  # kept already, or a graph still empty
    return record_week(factory, week, stats.links_by_stage, at=now)


@app.task(name="braise.sync_unsubscribe", bind=True, max_retries=20)
def sync_unsubscribe(self: Task, consultant_id: str, link_id: str) -> None:  # type: ignore[type-arg]
    """Tell profiles that a consultant unsubscribed (frequency paused), so every store knows."""
    try:
        notifier().profiles.pause_digests(consultant_id, idempotency_key=f"unsubscribe-{link_id}")
    except ProfilesUnavailableError as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@app.task(name=MAIL_TASK, bind=True)
def mail_staff_sign_in(self: Task, address: str) -> bool:  # type: ignore[type-arg]
    """Mail a sign-in link to address if it is staff's; retry a send the server did not take."""
    try:
        n = notifier()
        return mail_sign_in_link(
            settings=n.settings,
            signer=n.signer,
            links=n.publisher.client,
            mailer=n.mailer,
            address=address,
        )
    except TransientMailError as exc:
        log.warning("staff sign-in mail: %s; retry %d", exc, self.request.retries + 1)
        raise self.retry(
            exc=exc,
            countdown=SIGN_IN_BACKOFF_S * 2**self.request.retries,
            max_retries=SIGN_IN_RETRIES,
        ) from exc
    except PermanentMailError as exc:
        log.error("staff sign-in mail refused: %s", exc)
        return False
