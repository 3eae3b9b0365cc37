"""What mailbox providers see of a digest, read from the bytes the SMTP sink received: a plain
one-click List-Unsubscribe, a DKIM signature that verifies, and a SpamAssassin score below 1.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_cli.stack.mailkey import dkim_key_files
from tests.support.mail import (
    LIST_UNSUBSCRIBE,
    dkim_verifies,
    ensure_spamassassin,
    raw_headers,
    raw_mails,
    spam_verdicts,
)
from tests.support.notifier import (
    MONDAY,
    NotifierUnderTest,
    firm_of_dormant_friends,
    notifier_under_test,
    reader_event,
)
from tests.support.servers import SessionServers

MAX_SPAM_SCORE = 1.0


@pytest.fixture
def notifier(
    tmp_path: Path,
    servers: SessionServers,
    neo4j_driver: Driver,
    maildir: Path,
    redis_client: redis.Redis,
) -> Iterator[NotifierUnderTest]:
    ensure_spamassassin()  # before the worker starts: an install takes its time
    with notifier_under_test(
        tmp_path, servers, neo4j_driver, maildir, BRAISE_NOTIFIER_FIRM_NAME="Cabinet Dupont"
    ) as running:
        yield running


def test_every_digest_is_signed_unsubscribable_in_one_click_and_not_spam(
    notifier: NotifierUnderTest, tmp_path: Path
) -> None:
    locales = {n: "en" if n % 2 else "fr" for n in range(1, 7)}
    readers = [reader_event(n, locale=locale) for n, locale in locales.items()]
    notifier.know(firm_of_dormant_friends(readers))
    notifier.plan_due(MONDAY)
    notifier.wait_final(len(readers))

    raws = raw_mails(notifier.maildir)
    assert len(raws) == len(readers)
    key = dkim_key_files(notifier.tmp / "dkim")
    for raw in raws:
        [unsubscribe] = raw_headers(raw, "List-Unsubscribe")
        assert LIST_UNSUBSCRIBE.match(unsubscribe), unsubscribe
        assert raw_headers(raw, "List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]
        assert raw_headers(raw, "From") == ['"Cabinet Dupont (Braise)" <reseau@braise.example.org>']
        assert raw_headers(raw, "List-Id") == [
            '"Cabinet Dupont (Braise)" <digests.braise.example.org>'
        ]
        [recipient] = raw_headers(raw, "X-Sink-Rcpt-To")
        n = int(recipient.removeprefix("reader").split("@")[0])
        assert raw_headers(raw, "Content-Language") == [locales[n]]
        assert dkim_verifies(raw, key)

    verdicts = spam_verdicts(raws, tmp_path)
    by_locale: dict[str, list[float]] = {"fr": [], "en": []}
    for raw in raws:
        verdict = verdicts[raw_headers(raw, "Message-ID")[0]]
        [recipient] = raw_headers(raw, "X-Sink-Rcpt-To")
        n = int(recipient.removeprefix("reader").split("@")[0])
        by_locale[locales[n]].append(verdict.score)
        assert verdict.score < MAX_SPAM_SCORE, (locales[n], verdict.status)
    assert {locale: len(scores) for locale, scores in by_locale.items()} == {"fr": 3, "en": 3}
