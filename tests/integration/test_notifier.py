"""Digests end to end through a real Celery worker, the graph API and the SMTP sink."""

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import redis
from neo4j import Driver

from braise_notifier.guard import solicitations
from braise_notifier.tokens import LinkSigner, TokenError
from braise_shared.events import ConsultantRegisteredV1, Event
from tests.support import events as ev
from tests.support.notifier import NotifierUnderTest, header, notifier_under_test, parts, wait_quiet
from tests.support.processes import wait_until
from tests.support.servers import SessionServers

DAY = 86_400.0
MONDAY = "2026-11-23"


@pytest.fixture
def notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    redis_client: redis.Redis,
    sql_url: str,
) -> Iterator[NotifierUnderTest]:
    with notifier_under_test(tmp_path, servers, neo4j_driver, maildir, sql_url) as running:
        yield running


def _reader(
    n: int,
    *,
    email: str | None = None,
    day: str = "monday",
    locale: str = "fr",
    frequency: str = "weekly",
    name: str | None = None,
) -> Event:
    event = ev.profile(n, name=name or f"Lecteur {n}", interests=("Voile",), locale=locale)
    data = event.data.model_copy(
        update={
            "email": email or f"reader{n}@example.org",
            "day_of_week": day,
            "frequency": frequency,
        }
    )
    return event.model_copy(update={"data": data})


def _firm(readers: list[Event]) -> list[Event]:
    """Each reader gets one old strong link (dormant today) to a friend of their own."""
    now = time.time()
    out: list[Event] = list(readers)
    for reader in readers:
        assert isinstance(reader, ConsultantRegisteredV1)
        n = reader.data.consultant_id.int
        friend = n + 1000
        # Friends get their own digest on Sundays: not due on the Monday under test.
        out.append(_reader(friend, name=f"Ami {n}", day="sunday"))
        out.append(
            ev.interaction(
                [n, friend],
                now - 600 * DAY,
                kind="mission_together",
                note=f"Projet {n}",
                initiator=friend,
            )
        )
        out.append(ev.interaction([n, friend], now - 560 * DAY, kind="lunch", initiator=n))
    return out


def test_planned_run_sends_one_digest_to_each_due_consultant_and_none_to_others(
    notifier: NotifierUnderTest,
) -> None:
    due = [_reader(n) for n in (1, 2, 3)]
    not_due = [_reader(4, day="tuesday"), _reader(5, frequency="paused")]
    notifier.know(_firm(due + not_due))

    notifier.plan_due(MONDAY)
    notifier.wait_final(3)
    notifier.plan_due(MONDAY)  # the planner runs again: nothing more
    wait_quiet(3)

    mails = notifier.mails()
    recipients = sorted(header(m, "To") for m in mails)
    assert recipients == [f"Lecteur {n} <reader{n}@example.org>" for n in (1, 2, 3)]
    ledger = notifier.ledger()
    assert {k: r.state for k, r in ledger.items()} == {
        ("2026-W48", str(ev.cid(n))): "sent" for n in (1, 2, 3)
    }


def test_every_digest_has_both_parts_unsubscribe_headers_guarded_words_and_valid_links(
    notifier: NotifierUnderTest,
) -> None:
    readers = [_reader(n, locale="en" if n % 2 else "fr") for n in range(1, 7)]
    notifier.know(_firm(readers))
    notifier.plan_due(MONDAY)
    notifier.wait_final(6)

    signer = LinkSigner(notifier.settings.link_secret.get_secret_value(), 30 * 86_400)
    mails = notifier.mails()
    assert len(mails) == 6
    for mail in mails:
        body = parts(mail)
        assert body["text"]
        assert body["html"]
        assert "<script" not in body["html"].lower()
        assert header(mail, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        assert header(mail, "Message-ID").startswith("<digest.2026-W48.")
        assert header(mail, "Reply-To") == notifier.settings.reply_to
        for line in body["text"].splitlines():
            assert solicitations(line) == [], line
        unsubscribe = header(mail, "List-Unsubscribe").strip("<>")
        links = [unsubscribe] + [w for w in body["text"].split() if "/v1/feedback/" in w]
        assert len(links) == 4  # unsubscribe, done, not now, never
        for link in links:
            url = urlparse(link)
            purpose = (
                "unsubscribe" if url.path.endswith("unsubscribe") else url.path.rsplit("/", 1)[1]
            )
            token = parse_qs(url.query)["token"][0]
            claims = signer.verify(purpose, token)  # type: ignore[arg-type]
            assert f"reader{int(claims.consultant_id.replace('-', ''), 16)}@" in header(mail, "To")
            with pytest.raises(TokenError):
                signer.verify(purpose, token + "x")  # type: ignore[arg-type]
    english = [m for m in mails if "Hello" in parts(m)["text"]]
    assert len(english) == 3


def test_smtp_4xx_is_retried_until_accepted_and_5xx_is_failed_once(
    notifier: NotifierUnderTest,
) -> None:
    # The sink counts failures per address for its whole life: a new address each run.
    flaky_address = f"tempfail3-{uuid.uuid4().hex[:8]}@example.org"
    flaky = _reader(1, email=flaky_address)
    refused = _reader(2, email="reject-reader2@example.org")
    notifier.know(_firm([flaky, refused]))

    notifier.plan_due(MONDAY)
    notifier.wait_final(2)
    wait_quiet(2)

    ledger = notifier.ledger()
    sent = ledger[("2026-W48", str(ev.cid(1)))]
    failed = ledger[("2026-W48", str(ev.cid(2)))]
    assert (sent.state, sent.attempts) == ("sent", 4)
    assert failed.state == "failed"
    assert failed.attempts == 1
    assert failed.error is not None
    assert failed.error.startswith("550")
    assert [header(m, "To") for m in notifier.mails()] == [f"Lecteur 1 <{flaky_address}>"]


def test_worker_killed_mid_run_and_restarted_finishes_without_duplicates(
    notifier: NotifierUnderTest,
) -> None:
    readers = [_reader(n) for n in range(1, 9)]
    # The fourth reader's server is slow to answer RCPT: the worker is killed while it waits.
    readers[3] = _reader(4, email="slow4-reader4@example.org")
    notifier.know(_firm(readers))

    notifier.plan_due(MONDAY)
    wait_until(
        lambda: (
            notifier.ledger().get(("2026-W48", str(ev.cid(4)))) is not None
            and notifier.ledger()[("2026-W48", str(ev.cid(4)))].state == "sending"
        ),
        timeout_s=60,
        what="the slow digest being sent",
    )
    notifier.worker.kill()
    before = len(notifier.mails())
    assert before < 8

    notifier.restart_worker()
    notifier.wait_final(8, timeout_s=90)
    wait_quiet(3)

    counts = Counter(header(m, "To") for m in notifier.mails())
    assert len(counts) == 8
    assert set(counts.values()) == {1}
    assert {r.state for r in notifier.ledger().values()} == {"sent"}
