"""The outbox relay process: publishes committed events to the Redis Stream, in order.

Run: braise-profiles-relay (reads the same BRAISE_PROFILES_* settings as the service).
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_when_event_set,
    wait_exponential,
)

from braise_profiles.bootstrap import bootstrap_relay
from braise_profiles.config import ProfilesSettings
from braise_profiles.outbox import OutboxRelay
from braise_shared.logs import configure_logging
from braise_shared.metrics import GaugeCollector, serve_metrics
from braise_shared.publisher import EventPublisher
from braise_shared.stream_erasure import StreamEraser

log = logging.getLogger(__name__)

KEEP_PUBLISHED_ROWS = timedelta(days=1)


def run_relay(
    relay: OutboxRelay,
    publisher: EventPublisher,
    eraser: StreamEraser,
    *,
    poll_s: float,
    housekeeping_s: float,
    stop: threading.Event,
) -> None:
    """Relay until stop is set; while Redis is down, wait and retry with back-off.

    Every housekeeping_s it also trims the stream, deletes the entries naming people whose
    erasure every group has read (`braise_shared.stream_erasure`) and purges old outbox rows.
    """
    prepared = False
    last_housekeeping = 0.0

    def step() -> int:
        nonlocal prepared, last_housekeeping
        if not prepared:
            publisher.prepare()
            prepared = True
        moved = relay.relay_once()
        if time.monotonic() - last_housekeeping > housekeeping_s:
            last_housekeeping = time.monotonic()
            publisher.trim()
            eraser.scrub()
            relay.purge_published(datetime.now(UTC) - KEEP_PUBLISHED_ROWS)
        return moved

    # Each step is retried while Redis is down, 0.5 s, 1 s, 2 s… up to 10 s apart; a step
    # that succeeds starts the next one's back-off afresh.
    retrying = Retrying(
        retry=retry_if_exception_type((redis.ConnectionError, redis.TimeoutError)),
        wait=wait_exponential(multiplier=0.5, min=0.5, max=10.0),
        stop=stop_when_event_set(stop),
        sleep=_sleeper(stop),
        before_sleep=_log_outage,
        reraise=True,
    )
    while not stop.is_set():
        try:
            moved = retrying(step)
        except (redis.ConnectionError, redis.TimeoutError):
            return  # stopped while Redis was down: the events wait in the outbox
        if moved < relay.batch_size:
            stop.wait(poll_s)


def _sleeper(stop: threading.Event) -> Callable[[float], None]:
    """Sleep between tries, waking up as soon as the relay is asked to stop."""

    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep


def _log_outage(state: RetryCallState) -> None:
    wait = state.next_action.sleep if state.next_action else 0.0
    error = state.outcome.exception() if state.outcome else None
    log.warning("redis unavailable (%s); events wait in the outbox, retry in %.1fs", error, wait)


def main() -> None:
    """Run the relay until SIGTERM or SIGINT."""
    configure_logging("profiles-relay")
    settings = ProfilesSettings()
    relay = bootstrap_relay(settings)
    relay.profiles.migrate()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve_metrics(
        settings.host,
        settings.relay_metrics_port,
        [
            GaugeCollector(
                "braise_outbox_backlog",
                "Events committed, not yet on the stream.",
                relay.outbox.backlog,
            )
        ],
    )
    log.info("relaying outbox events to %s", settings.redis_url)
    run_relay(
        relay.outbox,
        relay.publisher,
        relay.eraser,
        poll_s=settings.relay_poll_s,
        housekeeping_s=settings.relay_housekeeping_s,
        stop=stop,
    )


if __name__ == "__main__":
    main()
