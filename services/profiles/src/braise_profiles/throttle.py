"""Per-consultant write rate limit (OWASP API6): a token bucket per token, kept in Redis.

The bucket lives in Redis so that every profiles process shares it: a consultant gets the
same rate whichever worker answers. It is refilled continuously (`rate` tokens a second, up to
`capacity`); a write takes one token, and with none left the write is refused with 429 and
`Retry-After`. Staff and service tokens are not limited: imports and synchronisations write
in bursts on purpose, and those tokens already have every right.

Redis is not needed to record a write (the outbox is SQL), so the limiter fails open: when
Redis does not answer within its short timeout, the write goes through and a warning is
logged. A Redis outage degrades the rate limit, never the service.

Why not the `limits` library's Redis moving window: it stamps each write with the clock of
the process that took it (`time.time()` in `limits.storage.redis`, 5.8), where this bucket
reads the Redis server's `TIME`, so profiles processes whose clocks drift still share one
limit; its windows are whole seconds of one size (no burst apart from the rate); and a
refusal takes a second round trip (`get_window_stats`) to learn `Retry-After`, where one
`EVAL` here answers both.
"""

import logging
import math
from dataclasses import dataclass
from typing import LiteralString

import redis

from braise_profiles.errors import RateLimitedError
from braise_shared.auth import Principal

log = logging.getLogger(__name__)

KEY_PREFIX = "braise:profiles:writes:"
# Refill, then take one token if there is one. Time comes from the Redis server, so processes
# whose clocks disagree still share one bucket. Answers {1, 0} (taken) or {0, seconds to wait}.
REFILL_AND_TAKE: LiteralString = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or capacity
local at = tonumber(held[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
if tokens >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
  return {1, '0'}
end
return {0, tostring((1 - tokens) / rate)}
"""


@dataclass(frozen=True)
class WriteThrottle:
    """Take one write from a consultant's bucket, or refuse with the seconds to wait."""

    client: "redis.Redis"
    capacity: int
    per_minute: float

    def take(self, principal: Principal) -> None:
        """Let the write through, or raise RateLimitedError; staff and services pass freely."""
        if principal.is_admin:
            return
        try:
            taken, wait = self.client.eval(
                REFILL_AND_TAKE,
                1,
                f"{KEY_PREFIX}{principal.subject}",
                self.capacity,
                self.per_minute / 60,
            )
        except redis.RedisError as exc:
            log.warning("write rate limit not applied, Redis did not answer: %s", exc)
            return
        if not int(taken):
            raise RateLimitedError(retry_after=max(1, math.ceil(float(wait))))

    def close(self) -> None:
        """Release the Redis connections."""
        self.client.close()
