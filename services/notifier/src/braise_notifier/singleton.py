"""One Celery beat at a time: a lease in Redis that the running beat keeps renewing.

A second beat (a copy-pasted deployment, a replica count of 2) finds the lease held and
stops at start-up with a clear message, instead of planning every digest twice.
"""

import logging
import os
import socket
import threading

import redis

log = logging.getLogger(__name__)

BEAT_LOCK_KEY = "braise:beat:lease"

# Renew the lease if we still hold it; a Lua script makes check-and-renew one step.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class LeaseHeldError(RuntimeError):
    """Another process holds the lease."""


class Lease:
    """A lease on a Redis key, renewed by a daemon thread every third of its time to live."""

    def __init__(self, client: "redis.Redis", key: str, *, ttl_s: float = 60.0) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = int(ttl_s * 1000)
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()

    def acquire(self) -> None:
        """Take the lease or raise LeaseHeldError naming who holds it; then keep renewing it."""
        if not self.client.set(self.key, self.holder, nx=True, px=self.ttl_ms):
            holder = self.client.get(self.key)
            raise LeaseHeldError(
                f"{self.key} is held by {holder!r}: only one Celery beat may run at a time"
            )
        threading.Thread(target=self._renew, name="beat-lease", daemon=True).start()

    def _renew(self) -> None:
        renew = self.client.register_script(_RENEW)
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                if not renew(keys=[self.key], args=[self.holder, self.ttl_ms]):
                    log.critical("lost the lease %s: stopping this beat", self.key)
                    os._exit(3)
            except redis.RedisError as exc:
                log.warning("cannot renew the lease %s: %s", self.key, exc)

    def release(self) -> None:
        """Stop renewing and give the lease back if still ours."""
        self._stop.set()
        if self.client.get(self.key) == self.holder.encode():
            self.client.delete(self.key)
