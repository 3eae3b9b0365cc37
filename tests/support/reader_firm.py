"""A small firm in a running Braise stack, with a period of real digests in the sink: what the
browser tests of a consultant's pages act on (tests/e2e/test_consultant_pages.py).

Every Braise process runs as under `braise up`, against the session's real Redis, Neo4j and
SMTP sink. At each width a different reader acts (Camille on the phone, Hugo on the desktop)
on people of their own, so what one does never changes what the other sees.
"""

import email
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis
from neo4j import Driver

from braise_cli.stack import StackSettings
from braise_shared.stream import EVENTS_STREAM
from tests.support.disposable import free_port
from tests.support.mail import raw_mails
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers, stack_settings_for
from tests.support.stack import started_services
from tests.support.streams import entries

PHONE, DESKTOP = 390, 1280
WAIT_S = 60  # the longest any of these waits on a process: a relay, a consumer, a worker
PEOPLE = {
    "camille": ("camille.martin@example.org", "Camille Martin"),
    "karim": ("karim.benali@example.org", "Karim Benali"),
    "ines": ("ines.garnier@example.org", "Inès Garnier"),
    "hugo": ("hugo.perrin@example.org", "Hugo Perrin"),
    "zoe": ("zoe.masson@example.org", "Zoé Masson"),
    "marc": ("marc.lambert@example.org", "Marc Lambert"),
    "lea": ("lea.dubois@example.org", "Léa Dubois"),
}


@dataclass(frozen=True)
class Reader:
    """Who acts at one width, and the two people their digest proposes."""

    key: str
    not_now_with: str  # "not now" on "my network"
    never: str  # said never to, undone on the preferences page, then met over lunch


READERS = {
    PHONE: Reader("camille", not_now_with="karim", never="ines"),
    DESKTOP: Reader("hugo", not_now_with="zoe", never="marc"),
}


@dataclass(frozen=True)
class Firm:
    """The running stack and the firm it holds."""

    settings: StackSettings
    ids: dict[str, str]
    maildir: Path
    redis: "redis.Redis"

    def url(self, service: str) -> str:
        """Return a service's base URL."""
        return f"http://127.0.0.1:{getattr(self.settings, f'{service}_port')}"

    def mail_of(self, key: str) -> EmailMessage:
        """Return the digest the sink holds for a person."""
        address = PEOPLE[key][0]
        for raw in raw_mails(self.maildir):
            message = email.message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]):
                return message
        raise AssertionError(f"no digest for {address} in {self.maildir}")

    def preferences_link(self, key: str) -> str:
        """Return the preferences link of a person's digest, as its plain text says it."""
        part = self.mail_of(key).get_body(preferencelist=("plain",))
        assert part is not None
        text = part.get_content()
        [link] = re.findall(r"https?://\S+/pages/open/preferences\?token=\S+", text)
        return str(link)

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Return the stream's events of one type, oldest first."""
        found = [orjson.loads(f[b"event"]) for _id, f in entries(self.redis, EVENTS_STREAM)]
        return [e for e in found if e["type"] == kind]

    def declined_by(self, key: str) -> list[str]:
        """Return who the graph says a person said never to."""
        response = httpx.get(
            f"{self.url('graph')}/v1/consultants/{self.ids[key]}/declined",
            headers=consultant_headers(self.ids[key]),
        )
        response.raise_for_status()
        return [p["other_name"] for p in response.json()["people"]]

    def caught_up(self, published: int = 0) -> bool:
        """Tell whether at least `published` events reached the stream (the relay publishes
        in batches of its own) and the graph and the notifier applied every one of them."""
        if self.redis.xlen(EVENTS_STREAM) < published:
            return False
        groups = {g["name"]: g for g in self.redis.xinfo_groups(EVENTS_STREAM)}
        return all(
            groups.get(name) is not None
            and groups[name]["lag"] == 0
            and not groups[name]["pending"]
            for name in (b"graph", b"notifier")
        )


def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def _dormant(a: str, b: str, days: float) -> list[dict[str, Any]]:
    """A strong mission long ago, two lunches after it, then silence."""
    return [
        {"kind": "mission_together", "participants": [a, b], "occurred_at": _ago(days)},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(days - 40), "initiator": a},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(days - 90), "initiator": b},
    ]


@contextmanager
def firm_with_digests(var_dir: Path, servers: SessionServers, driver: Driver) -> Iterator[Firm]:
    """Start the stack on emptied servers, load the firm, send a period; stop it after."""
    client = redis.Redis.from_url(servers.endpoints.redis_url)
    client.flushdb()
    redis.Redis.from_url(servers.endpoints.redis_url.rsplit("/", 1)[0] + "/1").flushdb()
    driver.execute_query("MATCH (n) DETACH DELETE n")
    shutil.rmtree(servers.maildir, ignore_errors=True)
    servers.maildir.mkdir(parents=True, exist_ok=True)
    settings = stack_settings_for(
        servers,
        var_dir,
        profiles_port=free_port(),
        graph_port=free_port(),
        notifier_port=free_port(),
    )
    try:
        with started_services(settings):
            yield _load_and_send(settings, client, servers.maildir)
    finally:
        client.close()


def _load_and_send(settings: StackSettings, client: "redis.Redis", maildir: Path) -> Firm:
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{settings.profiles_port}", headers=admin_headers()
    )
    items = [{"email": e, "display_name": n} for e, n in PEOPLE.values()]
    response = profiles.post("/v1/consultants/bulk", json={"items": items})
    assert response.status_code == 201, response.text
    ids = {key: body["id"] for key, body in zip(PEOPLE, response.json(), strict=True)}
    history = [
        *_dormant(ids["camille"], ids["karim"], 700),
        *_dormant(ids["camille"], ids["ines"], 650),
        *_dormant(ids["hugo"], ids["zoe"], 700),
        *_dormant(ids["hugo"], ids["marc"], 650),
        {"kind": "lunch", "participants": [ids["camille"], ids["lea"]], "occurred_at": _ago(3)},
    ]
    recorded = profiles.post("/v1/interactions/bulk", json={"items": history})
    assert recorded.status_code == 201, recorded.text
    found = Firm(settings, ids, maildir, client)
    wait_until(
        lambda: found.caught_up(published=len(PEOPLE) + len(history)),
        timeout_s=WAIT_S,
        what="the relay, the graph and the notifier",
    )
    notifier = httpx.Client(base_url=found.url("notifier"), headers=admin_headers())
    assert notifier.post("/v1/admin/periods/2026-W48/run").json()["enqueued"] == len(PEOPLE)

    def outcomes() -> dict[str, int]:
        by_state: dict[str, int] = notifier.get("/v1/admin/periods/2026-W48").json()["by_state"]
        return by_state

    wait_until(
        lambda: sum(outcomes().get(s, 0) for s in ("sent", "empty")) == len(PEOPLE),
        timeout_s=WAIT_S,
        what="the period's digests",
    )
    assert outcomes() == {"sent": 6, "empty": 1}  # Léa has only an active link
    return found
