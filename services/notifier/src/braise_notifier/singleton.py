"""One Celery beat at a time: a lease in Redis that the running beat keeps renewing.

A second beat (a copy-pasted deployment, a replica count of 2) finds the lease held and
stops at start-up with a clear message, instead of planning every digest twice.

A beat that loses its lease (Redis restarted without its data, or unreachable past the
lease's time to live) does not stop: it plans nothing while the lease is not surely its
own, keeps trying to take it back with back-off, and plans again once it has it. What
came due meanwhile is sent then (`LeasedScheduler`).
"""

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

import redis
from celery.beat import PersistentScheduler, ScheduleEntry, SchedulingError
from redis.exceptions import LockError

log = logging.getLogger(__name__)

BEAT_LOCK_KEY = "braise:beat:lease"

# First wait after a failed call to Redis; it doubles up to a third of the time to live.
FIRST_BACKOFF_S = 1.0


class LeaseHeldError(RuntimeError):
    """Another process holds the lease."""


class Lease:
    """A lease on a Redis key, renewed by a daemon thread every third of its time to live,
    and taken back by that thread whenever it was lost.

    The key is redis-py's `Lock` (its token: this host and process), whose `reacquire`
    renews it only while the token is still ours; this class adds the renewing thread, the
    knowledge of until when the lease is surely ours, and the back-off while Redis is away.
    """

    def __init__(self, client: "redis.Redis", key: str, *, ttl_s: float = 60.0) -> None:
        self.client = client
        self.key = key
        self.ttl_s = ttl_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = client.lock(key, timeout=ttl_s, thread_local=False)
        self._stop = threading.Event()
        self._held_until = 0.0  # time.monotonic() until which the key is surely ours
        self._failures = 0

    def holds(self) -> bool:
        """Tell whether the lease is surely ours now (renewed less than a time to live ago)."""
        return time.monotonic() < self._held_until

    def acquire(self) -> None:
        """Take the lease, waiting with back-off while Redis is unreachable, or raise
        LeaseHeldError naming who holds it; then keep it (renew, or take it back)."""
        while True:
            try:
                if self._take():
                    break
                holder = self.client.get(self.key)
            except redis.RedisError as exc:
                delay = self._backoff()
                log.warning(
                    "cannot reach Redis for %s: %s; retrying in %.0f s", self.key, exc, delay
                )
                if self._stop.wait(delay):
                    return
                continue
            raise LeaseHeldError(
                f"{self.key} is held by {holder!r}: only one Celery beat may run at a time"
            )
        threading.Thread(target=self._keep, name="beat-lease", daemon=True).start()

    def keep_once(self) -> float:
        """Renew the lease, or take it back if it is free; return the seconds until the next try."""
        renew_every = self.ttl_s / 3
        had_it = self.holds()
        try:
            started = time.monotonic()
            renewed = self._renew()
            retaken = not renewed and self._take(started)
            ours = renewed or retaken
            holder = None if ours else self.client.get(self.key)
        except redis.RedisError as exc:
            delay = min(self._backoff(), renew_every)
            log.warning("cannot renew the lease %s: %s; retrying in %.0f s", self.key, exc, delay)
            return delay
        self._failures = 0
        if ours:
            self._held_until = started + self.ttl_s
            if retaken or not had_it:
                log.warning("took the lease %s back: this beat plans again", self.key)
        else:
            self._held_until = 0.0
            if had_it:
                log.error(
                    "the lease %s is held by %r: this beat plans nothing until it is free",
                    self.key,
                    holder,
                )
        return renew_every

    def release(self) -> None:
        """Stop renewing and give the lease back if still ours."""
        self._stop.set()
        self._held_until = 0.0
        # Not ours any more (expired, or taken by another beat): nothing to give back.
        with contextlib.suppress(LockError):
            self._lock.release()

    def _renew(self) -> bool:
        try:
            self._lock.reacquire()
        except LockError:  # LockNotOwnedError: expired, or another beat holds it
            return False
        return True

    def _take(self, started: float | None = None) -> bool:
        started = time.monotonic() if started is None else started
        if not self._lock.acquire(blocking=False, token=self.holder):
            return False
        self._held_until = started + self.ttl_s
        self._failures = 0
        return True

    def _backoff(self) -> float:
        self._failures += 1
        return float(min(FIRST_BACKOFF_S * 2 ** (self._failures - 1), 60.0))

    def _keep(self) -> None:
        delay = self.ttl_s / 3
        while not self._stop.wait(delay):
            delay = self.keep_once()


class LeasedScheduler(PersistentScheduler):  # type: ignore[misc]
    """Celery beat's scheduler that sends nothing while this beat does not hold its lease,
    and sends again, with back-off, a due task the broker could not take."""

    lease: Lease | None = None  # set once the beat holds it (`tasks._start_beat`)
    paused_tick_s = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._unsent: dict[str, tuple[ScheduleEntry, float, int]] = {}
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due if the lease is ours; else wait (what is due stays due)."""
        if self.lease is None or not self.lease.holds():
            return self.paused_tick_s
        if self._unsent:
            self._send_unsent()
        interval: float = super().tick(*args, **kwargs)
        return min(interval, self.paused_tick_s) if self._unsent else interval

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        """Send a due task; one the broker refused is kept and sent again soon."""
        log.info("sending due task %s (%s)", entry.name, entry.task)
        self._send(entry, producer, tries=0)

    def _send_unsent(self) -> None:
        now = time.monotonic()
        for name, (entry, when, tries) in list(self._unsent.items()):
            if when <= now:
                del self._unsent[name]
                self._send(entry, self.producer, tries=tries)

    def _send(self, entry: ScheduleEntry, producer: Any, *, tries: int) -> None:
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except SchedulingError as exc:
            delay = min(FIRST_BACKOFF_S * 2**tries, 60.0)
            log.warning("could not send %s: %s; sending it again in %.0f s", entry.name, exc, delay)
            self._unsent[entry.name] = (entry, time.monotonic() + delay, tries + 1)
