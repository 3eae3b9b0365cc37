"""Every Braise metric, named once, and how a process exposes them to Prometheus.

Long-running processes without an HTTP app (relay, consumers, Celery worker and beat) call
`serve_metrics` on their own port; the three APIs serve `/metrics` themselves and count
requests with `HttpMetrics`. Celery's prefork children share their counters through the
client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by the stack for the worker).
"""

import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import redis
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from braise_shared.stream_lag import group_backlogs

log = logging.getLogger(__name__)

EVENTS_APPLIED = Counter(
    "braise_events_applied_total",
    "Events a stream consumer applied and acknowledged.",
    ["consumer", "type"],
)
DEAD_LETTERS = Counter(
    "braise_dead_letters_total",
    "Stream entries sent to the dead-letter stream.",
    ["consumer"],
)
DIGESTS = Counter(
    "braise_digests_total",
    "Digest sends by outcome (sent, empty, skipped, failed, retried).",
    ["outcome"],
)
SMTP_SECONDS = Histogram(
    "braise_smtp_send_seconds",
    "Time to hand one message to the SMTP server.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CANDIDATES_FAILED = Counter(
    "braise_candidates_failed_total",
    "Readers whose revival candidates the graph could not rank or write, by exception type.",
    ["error"],
)
CARDS_DROPPED = Counter(
    "braise_candidate_cards_dropped_total",
    "Cards (one reader, one person) left out because their facts could not be written, by "
    "exception type; the reader's other cards are answered.",
    ["error"],
)
GRAPH_CALL_SECONDS = Histogram(
    "braise_graph_call_seconds",
    "Time of one call from the notifier to the graph API.",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
HTTP_REQUESTS = Counter(
    "braise_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "braise_http_request_seconds",
    "HTTP request latency, by route template.",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)


def registry() -> CollectorRegistry:
    """Return the registry to expose: the multiprocess view when prefork children share it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return merged
    return REGISTRY


def serve_metrics(host: str, port: int, collectors: Iterable[Collector] = ()) -> None:
    """Expose this process's metrics, and these scrape-time collectors, on host:port/metrics.

    Port 0 serves nothing (tests, one-off runs). A port already taken is logged, not fatal:
    the process's work matters more than its metrics.
    """
    for collector in collectors:
        REGISTRY.register(collector)
    if port <= 0:
        return
    try:
        start_http_server(port, addr=host, registry=registry())
    except OSError as exc:
        log.error("cannot serve metrics on %s:%d: %s", host, port, exc)
        return
    log.info("metrics on http://%s:%d/metrics", host, port)


class StreamGroupsCollector(Collector):
    """Read each consumer group's backlog from Redis at scrape time (`stream_lag`)."""

    def __init__(self, client: "redis.Redis", stream: str, groups: Iterable[str]) -> None:
        self.client = client
        self.stream = stream
        self.groups = tuple(groups)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Yield braise_consumer_lag and braise_consumer_pending, one sample per group."""
        lag = GaugeMetricFamily(
            "braise_consumer_lag",
            "Entries the group has not processed: not yet delivered, or delivered and not"
            " acknowledged.",
            labels=["group"],
        )
        pending = GaugeMetricFamily(
            "braise_consumer_pending",
            "Entries delivered to the group and not yet acknowledged.",
            labels=["group"],
        )
        try:
            backlogs = group_backlogs(self.client, self.stream)
        except redis.RedisError as exc:
            log.warning("cannot read consumer groups for metrics: %s", exc)
            return
        for name, backlog in backlogs.items():
            if name in self.groups:
                lag.add_metric([name], float(backlog.unprocessed))
                pending.add_metric([name], float(backlog.pending))
        yield lag
        yield pending


class GaugeCollector(Collector):
    """Read one gauge from a callable at scrape time (e.g. the outbox backlog)."""

    def __init__(self, name: str, documentation: str, read: Callable[[], int]) -> None:
        self.name = name
        self.documentation = documentation
        self.read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Yield the gauge's one sample, or nothing if it cannot be read now."""
        try:
            value = self.read()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail on a database hiccup
            log.warning("cannot read %s: %s", self.name, exc)
            return
        yield GaugeMetricFamily(self.name, self.documentation, value=float(value))


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class HttpMetrics:
    """Pure ASGI middleware: count and time each request by its route template; serve /metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer /metrics, or pass the request on and record it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics":
            await _send_metrics(send)
            return
        status = 500
        began = time.perf_counter()

        async def send_and_note(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_SECONDS.labels(self.service, method, route).observe(time.perf_counter() - began)


async def _send_metrics(send: Send) -> None:
    body = generate_latest(registry())
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
