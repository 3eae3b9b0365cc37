"""The firm's view: a staff member signs in by an e-mailed link; the same figures as JSON."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis

from braise_notifier.db import DigestRow, unit_of_work
from braise_notifier.pages import firm
from braise_notifier.pages.loop import record_meetings
from tests.support import events as ev
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers


class Outbox:
    """A mailer that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(
        tmp_path, servers.endpoints.redis_url, staff_emails=["equipe@firm.example"]
    ) as running:
        yield running


def _history(pages: PagesUnderTest) -> None:
    """Two suggestions sent ten weeks ago; one pair met three weeks after."""
    sent_at = datetime.now(UTC) - timedelta(weeks=10)
    proposed = [
        {"consultant_id": str(ev.cid(2)), "stage": "dormant", "gesture": "invite"},
        {"consultant_id": str(ev.cid(3)), "stage": "cooling", "gesture": "invite"},
    ]
    with unit_of_work(pages.notifier.factory) as session:
        session.add(
            DigestRow(
                period="2026-W02",
                consultant_id=str(ev.cid(1)),
                state="sent",
                sent_at=sent_at,
                suggestions=json.dumps(proposed),
                created_at=sent_at,
            )
        )
    met = ev.interaction([1, 2], (sent_at + timedelta(weeks=3)).timestamp())
    record_meetings(pages.notifier.factory, [met])


def test_a_staff_member_signs_in_by_the_emailed_link_and_sees_the_revival_table(
    pages: PagesUnderTest,
) -> None:
    outbox = Outbox()
    pages.notifier.digests.mailer = outbox
    _history(pages)
    for address in ("equipe@firm.example", "someone@else.example"):
        answer = pages.client.post("/pages/staff", data={"email": address})
        assert answer.status_code == 200
        assert "un lien de connexion vient de lui" in answer.text
    assert [m["To"] for m in outbox.sent] == ["equipe@firm.example"]
    link = re.search(r"http\S+/pages/staff/open\?token=\S+", outbox.sent[0].get_content())
    assert link
    path = link.group(0).split("127.0.0.1:8003", 1)[1]
    firm = pages.client.get(path)
    assert firm.status_code == 200
    assert "La vue du cabinet" in firm.text
    revival = firm.text[firm.text.index('id="revival-stage"') :]
    assert "<td>dormant</td><td>1</td><td>1</td><td>100</td>" in revival
    assert "<td>cooling</td><td>1</td><td>0</td><td>0</td>" in revival
    assert "Camille" not in firm.text


def test_the_staff_link_expires_and_a_consultant_session_opens_no_firm_view(
    pages: PagesUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pages.client.get("/pages/firm").status_code == 401
    pages.client.get(pages.link("preferences", str(ev.cid(1))), follow_redirects=False)
    assert pages.client.get("/pages/firm").status_code == 401
    monkeypatch.setattr(firm, "STAFF_LINK_MAX_AGE_S", -1)  # older than its 15 minutes
    assert pages.client.get(pages.link("staff", "equipe@firm.example")).status_code == 400


def test_the_dashboard_json_needs_a_staff_token(pages: PagesUnderTest) -> None:
    _history(pages)
    assert pages.client.get("/v1/dashboard").status_code == 401
    own = consultant_headers(ev.cid(1))
    assert pages.client.get("/v1/dashboard", headers=own).status_code == 403
    figures = pages.client.get("/v1/dashboard", headers=admin_headers()).json()
    assert figures["revival"]["gesture"] == [
        {"key": "invite", "suggestions": 2, "revived": 1, "rate": 0.5}
    ]
    assert figures["digests_by_period"] == {"2026-W02": {"sent": 1}}
