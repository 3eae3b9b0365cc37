"""Celery tasks: plan digests, send one, tell profiles of an unsubscription. Thin: they take
ids, call the service, and retry transient failures with back-off.

Run a worker: celery -A braise_notifier.tasks worker; the beat: celery -A braise_notifier.tasks beat
"""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import worker_ready

from braise_notifier.config import NotifierSettings
from braise_notifier.periods import local_today
from braise_notifier.service import RetryLaterError, due_today, everyone_for, plan, unfinished
from braise_notifier.wiring import notifier
from braise_shared.auth import issue_token

log = logging.getLogger(__name__)


def make_celery(settings: NotifierSettings) -> Celery:
    """Return the Celery app: Redis broker, late acks, one task at a time per process."""
    celery = Celery("braise_notifier", broker=settings.broker_url)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone=settings.timezone,
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        worker_hijack_root_logger=False,
        beat_schedule={
            # Hourly: idempotent thanks to the ledger, and it re-enqueues lost tasks.
            "plan-due-digests": {"task": "braise.plan_due", "schedule": crontab(minute=0)},
        },
    )
    return celery


SETTINGS = NotifierSettings()
app = make_celery(SETTINGS)


def _backoff(retries: int) -> float:
    return float(min(SETTINGS.retry_backoff_max_s, SETTINGS.retry_backoff_s * 2**retries))


@app.task(name="braise.plan_due")
def plan_due(today: str | None = None) -> int:
    """Plan the digests due today (firm's time zone, after the send hour) and enqueue them,
    with any digest a dead worker or an exhausted retry left unfinished."""
    now = datetime.now(UTC)
    day = date.fromisoformat(today) if today else local_today(now, SETTINGS.timezone)
    if today is None and now.astimezone(ZoneInfo(SETTINGS.timezone)).hour < SETTINGS.send_hour:
        return _enqueue_unfinished()
    plan(notifier().factory, due_today(notifier().factory, day))
    return _enqueue_unfinished()


@app.task(name="braise.plan_period")
def plan_period(period: str) -> int:
    """Plan a digest of the given period for every subscribed consultant (operator's run)."""
    return _enqueue(plan(notifier().factory, everyone_for(notifier().factory, period)))


@app.task(name="braise.recover")
def recover() -> int:
    """Enqueue again the digests a dead worker left planned or sending (after their lease)."""
    return _enqueue_unfinished()


def _enqueue_unfinished() -> int:
    lease = timedelta(seconds=SETTINGS.lease_s)
    rows = unfinished(notifier().factory, lease=lease)
    for period, consultant_id, delay in rows:
        send_digest.apply_async((period, consultant_id), countdown=delay + 0.5)
    log.info("re-enqueued %d unfinished digests", len(rows))
    return len(rows)


@worker_ready.connect
def _recover_on_start(sender: object, **_kwargs: object) -> None:
    """A worker that starts picks up what a dead one left behind."""
    app.send_task("braise.recover")


def _enqueue(keys: list[tuple[str, str]]) -> int:
    for period, consultant_id in keys:
        send_digest.delay(period, consultant_id)
    log.info("enqueued %d digests", len(keys))
    return len(keys)


@app.task(name="braise.send_digest", bind=True, max_retries=SETTINGS.max_retries)
def send_digest(self: Task, period: str, consultant_id: str) -> str:  # type: ignore[type-arg]
    """Send the digest of one consultant for one period (at most once, by the ledger)."""
    try:
        return notifier().digests.send(period, consultant_id)
    except RetryLaterError as exc:
        log.warning(
            "digest %s/%s: %s; retry %d", period, consultant_id, exc, self.request.retries + 1
        )
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@app.task(name="braise.sync_unsubscribe", bind=True, max_retries=20)
def sync_unsubscribe(self: Task, consultant_id: str, link_id: str) -> None:  # type: ignore[type-arg]
    """Tell profiles that a consultant unsubscribed (frequency paused), so every store knows."""
    token = issue_token(SETTINGS.jwt_secret.get_secret_value(), "service", "notifier")
    try:
        response = httpx.put(
            f"{SETTINGS.profiles_url}/v1/consultants/{consultant_id}/preferences",
            json={"frequency": "paused"},
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"unsubscribe-{link_id}",
            },
            timeout=10,
        )
    except httpx.TransportError as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    if response.status_code == 404:
        return
    if response.status_code >= 500:
        raise self.retry(countdown=_backoff(self.request.retries))
    response.raise_for_status()
