"""The notifier's pages under test: the notifier app, with an in-process profiles behind it."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from braise_notifier.api import create_app
from braise_notifier.bootstrap import Notifier, build
from braise_notifier.config import NotifierSettings
from braise_notifier.projections import project
from braise_notifier.staff_sign_in import issue_link
from braise_notifier.tokens import LinkClaims, PagePurpose
from braise_shared.events import parse_event
from braise_shared.stream import EVENTS_STREAM
from tests.support.disposable import free_port
from tests.support.processes import wait_until
from tests.support.profiles import ProfilesUnderTest, profiles_under_test
from tests.support.streams import entries


@dataclass
class PagesUnderTest:
    """A browser-like client of the notifier's pages, and the profiles service they call."""

    client: TestClient
    notifier: Notifier
    profiles: ProfilesUnderTest

    def link(self, purpose: PagePurpose, subject: str) -> str:
        """Return the path of a signed link that opens a page (a staff link: unused, once)."""
        if purpose == "staff":
            token = issue_link(self.notifier.signer, self.notifier.publisher.client, subject)
        else:
            token = self.notifier.signer.sign(LinkClaims(purpose, subject))
        opens = "/pages/staff/open" if purpose == "staff" else f"/pages/open/{purpose}"
        return f"{opens}?token={token}"

    def know_everyone(self) -> None:
        """Relay profiles' events and feed them to the notifier's directory, as its consumer."""
        self.profiles.drain()
        raw = [fields[b"event"] for _id, fields in entries(self.profiles.redis, EVENTS_STREAM)]
        project(self.notifier.factory, [parse_event(r) for r in raw])

    def csrf(self, html: str) -> str:
        """Return the CSRF token of the first form of a page."""
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found, html
        return found.group(1)


@contextmanager
def pages_under_test(tmp_path: Path, redis_url: str, **settings: Any) -> Iterator[PagesUnderTest]:
    """Yield the notifier's app on a fresh database, calling a fresh in-process profiles."""
    with (
        profiles_under_test(tmp_path, redis_url) as profiles,
        serving(profiles.client.app) as profiles_url,
    ):
        config = NotifierSettings(
            database_url=f"sqlite:///{tmp_path / 'notifier.db'}",
            redis_url=redis_url,
            profiles_url=profiles_url,
            **settings,
        )
        notifier = build(config)
        app = create_app(notifier, enqueue_digests=_nothing, enqueue_unsubscribe_sync=_nothing)
        with TestClient(app) as client:
            yield PagesUnderTest(client, notifier, profiles)


@contextmanager
def serving(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app over real HTTP on a local port (a free one unless given), in a thread;
    yield its URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout_s=20, what="in-process server started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _nothing(*_args: object) -> None:
    return None
