"""What an operator does by hand, over the services' HTTP APIs: load a firm, import a CSV,
wait for the pipeline, run a period, preview a digest."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis
from celery import Celery

from braise_cli.firm import Firm
from braise_cli.stack.settings import StackSettings
from braise_notifier.config import NotifierSettings
from braise_shared.auth import issue_token
from braise_shared.stream import EVENTS_STREAM
from braise_shared.stream_lag import group_backlogs

Progress = Callable[[int], None]


class OperatorError(RuntimeError):
    """A step of an operator's job failed; the message says which and why."""


@dataclass
class Braise:
    """HTTP clients of the three services, with a staff token."""

    settings: StackSettings
    jwt_secret: str

    def __post_init__(self) -> None:
        token = issue_token(self.jwt_secret, "admin", "operator")
        headers = {"Authorization": f"Bearer {token}"}
        s = self.settings
        self.profiles = httpx.Client(
            base_url=f"http://127.0.0.1:{s.profiles_port}", headers=headers, timeout=120
        )
        self.graph = httpx.Client(
            base_url=f"http://127.0.0.1:{s.graph_port}", headers=headers, timeout=60
        )
        self.notifier = httpx.Client(
            base_url=f"http://127.0.0.1:{s.notifier_port}", headers=headers, timeout=60
        )

    def has_consultants(self) -> bool:
        """Tell whether profiles holds any consultant."""
        page = _ok(self.profiles.get("/v1/consultants", params={"limit": 1}))
        return bool(page["items"])

    def load_firm(self, firm: Firm, *, key: str, progress: Progress) -> tuple[int, int]:
        """Register the firm's consultants and record its interactions, in bulk; return counts."""
        ids: dict[int, str] = {}
        for start in range(0, len(firm.consultants), 500):
            chunk = firm.consultants[start : start + 500]
            created = _ok(
                self.profiles.post(
                    "/v1/consultants/bulk",
                    json={"items": [c.as_json() for c in chunk]},
                    headers={"Idempotency-Key": f"{key}-consultants-{start}"},
                )
            )
            for consultant, body in zip(chunk, created, strict=True):
                ids[consultant.key] = body["id"]
            progress(len(chunk))
        recorded = 0
        for start in range(0, len(firm.interactions), 1000):
            batch = firm.interactions[start : start + 1000]
            items = [
                {
                    "kind": i.kind,
                    "participants": [ids[p] for p in i.participants],
                    "occurred_at": i.occurred_at.isoformat(),
                    "initiator": ids[i.initiator] if i.initiator is not None else None,
                    "note": i.note,
                }
                for i in batch
            ]
            _ok(
                self.profiles.post(
                    "/v1/interactions/bulk",
                    json={"items": items},
                    headers={"Idempotency-Key": f"{key}-interactions-{start}"},
                )
            )
            recorded += len(batch)
            progress(len(batch))
        return len(ids), recorded

    def record_interactions(self, items: list[dict[str, Any]], *, key: str) -> None:
        """Record interactions through profiles, in bulk (the key makes a retry harmless)."""
        for start in range(0, len(items), 1000):
            _ok(
                self.profiles.post(
                    "/v1/interactions/bulk",
                    json={"items": items[start : start + 1000]},
                    headers={"Idempotency-Key": f"{key}-{start}"},
                )
            )

    def consultants_page(self, cursor: str | None) -> dict[str, Any]:
        """Return one page of consultants (200), from cursor."""
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page: dict[str, Any] = _ok(self.profiles.get("/v1/consultants", params=params))
        return page

    def candidates_of_many_at(self, consultant_ids: list[str], at: datetime) -> bytes:
        """Return the graph's revival candidates of these consultants (`MAX_BATCH` at most) as
        of `at`, a digest's worth each (3 dormant, 2 cooling), in one request."""
        response = self.graph.post(
            "/v3/revival-candidates",
            json={
                "consultant_ids": consultant_ids,
                "dormant": 3,
                "cooling": 2,
                "at": at.isoformat(),
            },
        )
        _ok(response)
        return response.content

    def redis(self) -> "redis.Redis":
        """Return a client of the stack's Redis."""
        return redis.Redis(port=self.settings.redis_port)

    def import_csv(self, path: Path) -> dict[str, Any]:
        """Import a CSV of interactions; return the report (accepted, rejected lines)."""
        with path.open("rb") as f:
            report: dict[str, Any] = _ok(
                self.profiles.post(
                    "/v1/interactions/import", files={"file": (path.name, f, "text/csv")}
                )
            )
        return report

    def add_calendar(
        self, *, name: str, source: str, url: str, user: str | None, password: str | None
    ) -> dict[str, Any]:
        """Register the firm's events calendar (it is synced at once); return what it did."""
        body = {"name": name, "source": source, "url": url, "user": user, "password": password}
        result: dict[str, Any] = _ok(self.profiles.post("/v1/calendars", json=body))
        return result

    def sync_calendar(self, calendar_id: str) -> dict[str, Any]:
        """Sync one calendar now; return what the sync did."""
        result: dict[str, Any] = _ok(self.profiles.post(f"/v1/calendars/{calendar_id}/sync"))
        return result

    def connect_calendar(
        self, consultant_id: str, *, url: str, user: str, password: str
    ) -> dict[str, Any]:
        """Connect a consultant's own CalDAV calendar (as staff, for the demo) and sync it."""
        body = {"source": "caldav", "url": url, "user": user, "password": password}
        result: dict[str, Any] = _ok(
            self.profiles.put(f"/v1/consultants/{consultant_id}/calendar", json=body)
        )
        return result

    def consultant_ids(self, emails: set[str]) -> dict[str, str]:
        """Return the ids of the consultants with these addresses (paging until all are found)."""
        found: dict[str, str] = {}
        cursor: str | None = None
        while len(found) < len(emails):
            page = self.consultants_page(cursor)
            found |= {c["email"]: c["id"] for c in page["items"] if c["email"] in emails}
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return found

    def calendars(self) -> list[dict[str, Any]]:
        """Return every calendar with its last sync, last error and counts."""
        found: list[dict[str, Any]] = _ok(self.profiles.get("/v1/calendars"))
        return found

    def wait_caught_up(
        self, *, expected: int, stall_s: float, progress: Callable[[int, int, int], None]
    ) -> None:
        """Wait until the stream holds at least `expected` events (the relay published them)
        and both consumer groups acknowledged everything; fail after `stall_s` without progress.

        `progress(done, length, behind)` is told how many of the expected events both groups
        have applied, the stream's length, and how many are still to apply.
        """
        client = redis.Redis(port=self.settings.redis_port)
        stable = 0
        last_behind, last_change = -1, time.monotonic()
        while True:
            groups = group_backlogs(client, EVENTS_STREAM)
            length = int(client.xlen(EVENTS_STREAM))
            unapplied = max((g.unprocessed for g in groups.values()), default=length)
            behind = max(0, expected - length) + unapplied
            progress(max(0, expected - behind), length, behind)
            # Ask twice in a row: a consumer may have read a batch it has not acknowledged yet.
            stable = stable + 1 if behind == 0 else 0
            if stable >= 2 and {"graph", "notifier"} <= set(groups):
                return
            if behind != last_behind:
                last_behind, last_change = behind, time.monotonic()
            elif time.monotonic() - last_change > stall_s:
                raise OperatorError(
                    f"the consumers made no progress for {stall_s:.0f}s ({behind} events to apply)"
                )
            time.sleep(0.4)

    def wait_outbox_empty(self, *, timeout_s: float) -> None:
        """Wait until the relay has put every committed event on the stream (its
        `braise_outbox_backlog` gauge reads 0); fail after timeout_s."""
        url = f"http://127.0.0.1:{self.settings.relay_metrics_port}/metrics"
        deadline = time.monotonic() + timeout_s
        while True:
            found = re.search(r"^braise_outbox_backlog ([0-9.e+]+)$", httpx.get(url).text, re.M)
            if found and float(found[1]) == 0:
                return
            if time.monotonic() > deadline:
                raise OperatorError(f"the outbox did not empty in {timeout_s:.0f}s")
            time.sleep(0.3)

    def wait_period(
        self, period: str, enqueued: int, *, stall_s: float, progress: Progress | None
    ) -> dict[str, int]:
        """Wait until every digest of the period is final; fail after `stall_s` without progress."""
        done, last_change = -1, time.monotonic()
        while True:
            report = self.period_report(period)
            now_done = sum(v for k, v in report.items() if k not in ("planned", "sending"))
            if now_done != done:
                if progress is not None and done >= 0:
                    progress(now_done - done)
                done, last_change = now_done, time.monotonic()
            if done >= enqueued:
                return report
            if time.monotonic() - last_change > stall_s:
                raise OperatorError(f"no digest of {period} finished for {stall_s:.0f}s")
            time.sleep(0.5)

    def wait_graph_applied(self, target: int, *, timeout_s: float) -> None:
        """Wait until the graph has applied at least target events; fail after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while int(self.stats()["events_applied"]) < target:
            if time.monotonic() > deadline:
                raise OperatorError(f"the graph did not reach {target} events in {timeout_s:.0f}s")
            time.sleep(0.4)

    def record_link_week(self, *, timeout_s: float) -> list[dict[str, Any]]:
        """Ask the worker to keep this week's links per stage now (the beat does it hourly);
        return the firm's weekly history once it holds a week."""
        redis_url = f"redis://127.0.0.1:{self.settings.redis_port}/0"
        celery = Celery(broker=NotifierSettings(redis_url=redis_url).broker_url)
        celery.send_task("braise.record_link_week")
        deadline = time.monotonic() + timeout_s
        while True:
            history: list[dict[str, Any]] = _ok(self.notifier.get("/v1/dashboard"))["history"]
            if history:
                return history
            if time.monotonic() > deadline:
                raise OperatorError(f"no week of links recorded after {timeout_s:.0f}s")
            time.sleep(0.5)

    def stats(self) -> dict[str, Any]:
        """Return the graph's figures."""
        stats: dict[str, Any] = _ok(self.graph.get("/v1/stats"))
        return stats

    def run_period(self, period: str) -> int:
        """Plan and enqueue a digest period; return how many were enqueued."""
        enqueued: int = _ok(self.notifier.post(f"/v1/admin/periods/{period}/run"))["enqueued"]
        return enqueued

    def period_report(self, period: str) -> dict[str, int]:
        """Return the period's digests by state."""
        by_state: dict[str, int] = _ok(self.notifier.get(f"/v1/admin/periods/{period}"))["by_state"]
        return by_state

    def preview(self, consultant_id: str) -> str:
        """Return the HTML of a consultant's digest as it would be sent now."""
        response = self.notifier.get(f"/v1/admin/preview/{consultant_id}")
        if response.status_code >= 400:
            raise OperatorError(f"preview: {response.status_code} {response.text}")
        return response.text


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise OperatorError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} "
            f"{response.text[:500]}"
        )
    return response.json()
