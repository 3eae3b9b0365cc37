"""Staff sign-in tells no one who is staff, mails nothing past its limits, opens one session
per link, refuses a form without its CSRF token, and signs out for good (issue 23, item 7)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery.exceptions import Retry
from fastapi.testclient import TestClient

from braise_notifier import tasks
from braise_notifier.mailer import Mailer, TransientMailError
from tests.support.disposable import free_port
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.servers import SessionServers
from tests.support.staff_sign_in import (
    Outbox,
    ask_for_link,
    empty_the_queue,
    link_in,
    mail_staff_link,
    queued_sign_ins,
    run_the_worker,
)

STAFF = "equipe@firm.example"
PARTNERS = [f"associe{n}@firm.example" for n in range(11)]
OUTSIDER = "someone@else.example"


@pytest.fixture
def staff(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(
        tmp_path,
        servers.endpoints.redis_url,
        staff_emails=[STAFF, *PARTNERS],
        graph_url=f"http://127.0.0.1:{free_port()}",  # the firm's view without its picture
    ) as running:
        empty_the_queue(running.notifier.settings)
        yield running
        empty_the_queue(running.notifier.settings)


@pytest.fixture
def outbox(staff: PagesUnderTest, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    """Stand in for the SMTP server wherever the notifier could mail from."""
    kept = Outbox()
    monkeypatch.setattr(staff.notifier, "mailer", kept)
    monkeypatch.setattr(staff.notifier.digests, "mailer", kept)
    return kept


def test_the_page_mails_nothing_itself_and_answers_the_same_bytes_for_staff_and_anyone(
    staff: PagesUnderTest, outbox: Outbox
) -> None:
    for_staff = ask_for_link(staff, STAFF)
    for_anyone = ask_for_link(staff, OUTSIDER)
    assert outbox.sent == []  # no SMTP work on the request path, for either address
    assert for_staff.status_code == 200
    assert for_anyone.status_code == 200
    assert for_staff.content == for_anyone.content
    assert "un lien de connexion vient de lui" in for_staff.text
    assert queued_sign_ins(staff.notifier.settings) == [STAFF, OUTSIDER]  # the same work
    run_the_worker(staff, outbox)
    assert [m["To"] for m in outbox.sent] == [STAFF]


def test_the_page_answers_200_while_the_smtp_server_is_down_and_the_task_retries(
    staff: PagesUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = Mailer("127.0.0.1", free_port(), timeout_s=2)
    monkeypatch.setattr(staff.notifier, "mailer", down)
    monkeypatch.setattr(staff.notifier.digests, "mailer", down)
    for_staff = ask_for_link(staff, STAFF)
    for_anyone = ask_for_link(staff, OUTSIDER)
    assert for_staff.status_code == 200
    assert for_staff.content == for_anyone.content
    with pytest.raises(TransientMailError):
        mail_staff_link(staff, down, STAFF)
    retried: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> Retry:
        retried.append(kwargs)
        return Retry()

    monkeypatch.setattr(tasks, "notifier", lambda: staff.notifier)
    monkeypatch.setattr(tasks.mail_staff_sign_in, "retry", retry)
    with pytest.raises(Retry):
        tasks.mail_staff_sign_in(STAFF)
    assert [r["countdown"] for r in retried] == [tasks.SIGN_IN_BACKOFF_S]
    assert isinstance(retried[0]["exc"], TransientMailError)


def test_an_address_gets_three_links_per_quarter_hour_and_the_same_answer_after(
    staff: PagesUnderTest, outbox: Outbox
) -> None:
    answers = [ask_for_link(staff, STAFF) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert answers[3].content == answers[0].content
    run_the_worker(staff, outbox)
    assert [m["To"] for m in outbox.sent] == [STAFF] * 3


def test_a_client_gets_ten_requests_a_minute_and_a_429_page_after(
    staff: PagesUnderTest, outbox: Outbox
) -> None:
    answers = [ask_for_link(staff, address) for address in PARTNERS]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert "Trop de demandes" in answers[10].text
    assert answers[10].headers["Retry-After"] == "60"
    run_the_worker(staff, outbox)
    assert [m["To"] for m in outbox.sent] == PARTNERS[:10]


def test_a_link_opens_one_session_and_shows_the_invalid_link_page_the_second_time(
    staff: PagesUnderTest, outbox: Outbox
) -> None:
    ask_for_link(staff, STAFF)
    run_the_worker(staff, outbox)
    link = link_in(outbox.sent[0])
    first = staff.client.get(link, follow_redirects=False)
    assert first.status_code == 303
    assert "braise_page=" in first.headers["set-cookie"]
    again = TestClient(staff.client.app).get(link, follow_redirects=False)
    assert again.status_code == 400
    assert "Ce lien n&#39;est plus valable" in again.text
    assert "braise_page=" not in again.headers.get("set-cookie", "")


def test_a_sign_in_form_without_its_csrf_token_is_refused_with_a_403_page(
    staff: PagesUnderTest, outbox: Outbox
) -> None:
    staff.client.get("/pages/staff")  # the browser holds the form's cookie
    bare = staff.client.post("/pages/staff", data={"email": STAFF})
    other = TestClient(staff.client.app)
    foreign = staff.csrf(other.get("/pages/staff").text)  # another browser's token
    crossed = staff.client.post("/pages/staff", data={"email": STAFF, "csrf": foreign})
    assert bare.status_code == 403
    assert crossed.status_code == 403
    assert "Ce formulaire a expiré" in bare.text
    assert queued_sign_ins(staff.notifier.settings) == []
    assert outbox.sent == []


def test_logout_revokes_the_session_so_its_old_cookie_no_longer_opens_the_firms_view(
    staff: PagesUnderTest,
) -> None:
    staff.client.get(staff.link("staff", STAFF), follow_redirects=False)
    old_cookie = staff.client.cookies["braise_page"]
    firm = staff.client.get("/pages/firm")
    assert firm.status_code == 200
    refused = staff.client.post("/pages/staff/logout", data={})
    assert refused.status_code == 403
    assert staff.client.get("/pages/firm").status_code == 200  # still signed in
    out = staff.client.post("/pages/staff/logout", data={"csrf": staff.csrf(firm.text)})
    assert out.status_code == 200
    assert "Vous êtes déconnecté" in out.text
    assert 'braise_page=""' in out.headers["set-cookie"]
    replayed = TestClient(staff.client.app, cookies={"braise_page": old_cookie})
    assert replayed.get("/pages/firm").status_code == 401
