"""Digests end to end through a real Celery worker, the graph API and the SMTP sink."""

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_notifier.db import RecipientRow, unit_of_work
from braise_notifier.guard import tone_faults
from braise_notifier.planning import plan
from braise_notifier.tokens import LinkSigner, TokenError
from braise_shared.events import DigestSentV1, parse_event
from braise_shared.stream import EVENT_FIELD, EVENTS_STREAM
from tests.support import events as ev
from tests.support.notifier import (
    MONDAY,
    NotifierUnderTest,
    firm_of_dormant_friends,
    header,
    notifier_under_test,
    parts,
    reader_event,
)
from tests.support.processes import wait_until
from tests.support.servers import SessionServers

DAY = 86_400.0
PERIOD = "2026-W48"
PROCESSES = 4


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


@pytest.fixture
def prefork_notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    redis_client: redis.Redis,
) -> Iterator[NotifierUnderTest]:
    with notifier_under_test(
        tmp_path, servers, neo4j_driver, maildir, pool="prefork", processes=PROCESSES
    ) as running:
        yield running


def _fresh(local: str) -> str:
    """Return an address the SMTP sink has never seen: its fault counters start at zero."""
    return f"{local}-{uuid.uuid4().hex[:12]}@example.org"


def test_planned_run_sends_one_digest_to_each_due_consultant_and_none_to_others(
    notifier: NotifierUnderTest,
) -> None:
    due = [reader_event(n) for n in (1, 2, 3)]
    not_due = [reader_event(4, day="tuesday"), reader_event(5, frequency="paused")]
    notifier.know(firm_of_dormant_friends(due + not_due))

    notifier.plan_due(MONDAY)
    notifier.wait_final(3)
    notifier.plan_due(MONDAY)  # the planner runs again: nothing more
    notifier.wait_drained()

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
    readers = [reader_event(n, locale="en" if n % 2 else "fr") for n in range(1, 7)]
    notifier.know(firm_of_dormant_friends(readers))
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
            assert tone_faults(line) == [], line
        unsubscribe = header(mail, "List-Unsubscribe").strip("<>")
        links = {w for w in body["text"].split() if "/l/" in w}
        assert unsubscribe in links  # the footer's link is the header's
        assert len(links) == 4  # unsubscribe, done, not now, never
        for link in links:
            assert link.startswith(f"{notifier.settings.public_url}/l/")
            code = link.rsplit("/l/", 1)[1]
            purpose = signer.purpose_of(code)
            claims = signer.verify(purpose, code)
            assert f"reader{int(claims.consultant_id.replace('-', ''), 16)}@" in header(mail, "To")
            with pytest.raises(TokenError):
                signer.verify(purpose, code + "x")
        assert sorted(signer.purpose_of(w.rsplit("/l/", 1)[1]) for w in links) == [
            "done",
            "never",
            "not_now",
            "unsubscribe",
        ]
    english = [m for m in mails if "Hello" in parts(m)["text"]]
    assert len(english) == 3


def test_smtp_4xx_is_retried_until_accepted_and_5xx_is_failed_once(
    notifier: NotifierUnderTest,
) -> None:
    flaky_address = _fresh("tempfail3-reader1")
    flaky = reader_event(1, email=flaky_address)
    refused = reader_event(2, email=_fresh("reject-reader2"))
    notifier.know(firm_of_dormant_friends([flaky, refused]))

    notifier.plan_due(MONDAY)
    notifier.wait_final(2)
    notifier.wait_drained()

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
    readers = [reader_event(n) for n in range(1, 9)]
    # The fourth reader's server is slow to answer RCPT: the worker is killed while it waits.
    readers[3] = reader_event(4, email="slow4-reader4@example.org")
    notifier.know(firm_of_dormant_friends(readers))

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
    notifier.wait_drained(killed_worker_held=1)

    counts = Counter(header(m, "To") for m in notifier.mails())
    assert len(counts) == 8
    assert set(counts.values()) == {1}
    assert {r.state for r in notifier.ledger().values()} == {"sent"}


def test_duplicate_deliveries_to_a_prefork_worker_send_one_mail_per_digest(
    prefork_notifier: NotifierUnderTest,
) -> None:
    notifier = prefork_notifier
    # Each server takes a second to answer RCPT: duplicates taken at once overlap for sure.
    addresses = {n: _fresh(f"slow1-reader{n}") for n in (1, 2, 3)}
    notifier.know(
        firm_of_dormant_friends(
            [reader_event(n, email=address) for n, address in addresses.items()]
        )
    )
    keys = plan(notifier.factory, [(PERIOD, str(ev.cid(n))) for n in (1, 2, 3)])
    assert len(keys) == 3

    # Every digest is delivered once per worker process, back to back: the processes take
    # the copies of one digest together, as they would after a redelivery.
    for period, consultant_id in keys:
        for _ in range(PROCESSES):
            notifier.celery.send_task("braise.send_digest", args=[period, consultant_id])
    notifier.wait_final(3)
    notifier.wait_drained()

    counts = Counter(header(m, "To") for m in notifier.mails())
    assert sorted(counts) == [f"Lecteur {n} <{address}>" for n, address in addresses.items()]
    assert set(counts.values()) == {1}
    assert {k: (r.state, r.attempts) for k, r in notifier.ledger().items()} == dict.fromkeys(
        keys, ("sent", 1)
    )


def test_a_recipient_who_unsubscribed_after_planning_is_sent_nothing(
    notifier: NotifierUnderTest,
) -> None:
    notifier.know(firm_of_dormant_friends([reader_event(1), reader_event(2)]))
    keys = plan(notifier.factory, [(PERIOD, str(ev.cid(1))), (PERIOD, str(ev.cid(2)))])
    # The one-click unsubscribe marks the recipient; the digest was planned already.
    with unit_of_work(notifier.factory) as session:
        recipient = session.get(RecipientRow, str(ev.cid(1)))
        assert recipient is not None
        recipient.unsubscribed = True

    for period, consultant_id in keys:
        notifier.celery.send_task("braise.send_digest", args=[period, consultant_id])
    notifier.wait_final(2)
    notifier.wait_drained()

    assert [header(m, "To") for m in notifier.mails()] == ["Lecteur 2 <reader2@example.org>"]
    assert {k: r.state for k, r in notifier.ledger().items()} == {
        (PERIOD, str(ev.cid(1))): "skipped",
        (PERIOD, str(ev.cid(2))): "sent",
    }


def test_worker_killed_after_the_server_took_the_mail_ends_sent_with_one_digest_sent(
    notifier: NotifierUnderTest, redis_client: redis.Redis
) -> None:
    # The fourth reader's server stores the mail, then waits before its 250: the worker is
    # killed in between, its message delivered and its ledger row still `sending`.
    readers = [reader_event(n) for n in range(1, 5)]
    readers[3] = reader_event(4, email="slowdata15-reader4@example.org")
    notifier.know(firm_of_dormant_friends(readers))
    key = ("2026-W48", str(ev.cid(4)))

    notifier.plan_due(MONDAY)
    wait_until(
        lambda: any("slowdata15-reader4" in header(m, "To") for m in notifier.mails()),
        timeout_s=60,
        what="the slow reader's mail in the sink",
    )
    assert notifier.ledger()[key].state == "sending"
    notifier.worker.kill()

    notifier.restart_worker()
    notifier.wait_final(4, timeout_s=90)
    notifier.wait_drained(killed_worker_held=1)

    row = notifier.ledger()[key]
    assert (row.state, row.prepared) == ("sent", None)
    copies = [m for m in notifier.mails() if "slowdata15-reader4" in header(m, "To")]
    # Sent again as it was: the same message, which a provider folds into one by Message-ID.
    assert {header(m, "Message-ID") for m in copies} == {row.message_id}
    entries = redis_client.xrange(EVENTS_STREAM) or []
    events = [parse_event(fields[EVENT_FIELD]) for _, fields in entries if fields]
    sent = {
        e.id
        for e in events
        if isinstance(e, DigestSentV1) and str(e.data.consultant_id) == str(ev.cid(4))
    }
    assert len(sent) == 1
