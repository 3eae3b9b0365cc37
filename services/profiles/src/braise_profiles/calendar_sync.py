"""The calendar sync process: every few minutes, sync every calendar, one at a time.

Run: python -m braise_profiles.calendar_sync (reads the BRAISE_PROFILES_* settings). One
instance syncs at a time: each round holds a Redis lock (renewed while it runs, released
after); a second instance waits for its turn. A round killed half-way loses nothing: each
calendar is written in one transaction, and the next round starts again from what committed.
"""

import logging
import signal
import threading
import time

import redis
from redis.exceptions import LockError

from braise_profiles.bootstrap import Profiles, bootstrap
from braise_profiles.calendars.sync import calendar_ids, sync_calendar
from braise_profiles.config import ProfilesSettings
from braise_shared.logs import configure_logging
from braise_shared.metrics import GaugeCollector, serve_metrics

log = logging.getLogger(__name__)

LOCK_NAME = "braise:profiles:calendar-sync"


def sync_round(profiles: Profiles, lock: "redis.lock.Lock | None" = None) -> int:
    """Sync every calendar once; return how many failed (each failure is its last error)."""
    failed = 0
    for calendar_id in calendar_ids(profiles.session_factory):
        if lock is not None:
            try:
                lock.extend(profiles.settings.calendar_sync_lock_s, replace_ttl=True)
            except LockError:  # another instance may hold it now: leave the rest to it
                log.warning("the sync lock expired during a round; the round stops here")
                break
        report = sync_calendar(profiles.session_factory, profiles.settings, calendar_id)
        failed += report.error is not None
        log.info(
            "calendar synced",
            extra={
                "calendar_id": str(calendar_id),
                "scheduled": report.scheduled,
                "withdrawn": report.withdrawn,
                "interactions": report.interactions,
                "error": report.error,
            },
        )
    return failed


def run_sync(
    profiles: Profiles, client: "redis.Redis", *, every_s: float, stop: threading.Event
) -> None:
    """Sync all calendars every every_s seconds, under the lock, until stop is set."""
    lock = client.lock(LOCK_NAME, timeout=profiles.settings.calendar_sync_lock_s, blocking=False)
    while not stop.is_set():
        started = time.monotonic()
        try:
            if lock.acquire():
                try:
                    sync_round(profiles, lock)
                finally:
                    try:
                        lock.release()
                    except LockError:
                        log.warning("the sync lock expired during a round")
            else:
                log.info("another calendar sync holds the lock; waiting for the next round")
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("redis unavailable (%s); no calendar sync this round", exc)
        stop.wait(max(1.0, every_s - (time.monotonic() - started)))


def main() -> None:
    """Run the sync until SIGTERM or SIGINT."""
    configure_logging("profiles-calendar-sync")
    settings = ProfilesSettings()
    profiles = bootstrap(settings)
    profiles.migrate()
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve_metrics(
        settings.host,
        settings.calendar_sync_metrics_port,
        [
            GaugeCollector(
                "braise_calendars",
                "Calendars the sync reads.",
                lambda: len(calendar_ids(profiles.session_factory)),
            )
        ],
    )
    log.info("syncing calendars every %.0f minutes", settings.calendar_sync_minutes)
    try:
        run_sync(profiles, client, every_s=settings.calendar_sync_minutes * 60, stop=stop)
    finally:
        profiles.close()
        client.close()


if __name__ == "__main__":
    main()
