"""A batch whose graph answer lists a reader in `failed`: every other reader's digest is
sent; that reader's row alone is retried, with the reason kept, until it runs out of attempts."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx

from braise_notifier.db import (
    FAILED,
    PLANNED,
    SENT,
    DigestRow,
    RecipientRow,
    make_engine,
    session_factory,
    unit_of_work,
)
from braise_notifier.graph_client import GraphClient
from braise_notifier.service import DigestService, RetryLaterError
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import InviteGesture, RevivalCandidates
from braise_shared.interactions import load_kinds
from tests.support.digests import candidate
from tests.support.spread import FakeSpread

PERIOD = "2026-W48"
PLANNED_AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
READERS = [f"00000000-0000-4000-8000-0000000001{n:02d}" for n in range(3)]
BROKEN = READERS[1]
REASON = "ValidationError (Tag): label: Value error, must not contain a control character (U+000A)"


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[EmailMessage, list[str]]] = []

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        self.sent.append((message, list(recipients)))


class FakeEvents:
    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        return [True for _ in events]


def _graph_answer(request: httpx.Request) -> httpx.Response:
    """Answer the batch route as the graph does when one reader's data cannot be ranked."""
    asked = json.loads(request.content)["consultant_ids"]
    person = candidate(1, "Karim Haddad", "dormant", InviteGesture())
    answers = [
        RevivalCandidates(
            consultant_id=c, at=PLANNED_AT, locale="fr", candidates=[person]
        ).model_dump(mode="json")
        for c in asked
        if c != BROKEN
    ]
    failed = [{"consultant_id": c, "reason": REASON} for c in asked if c == BROKEN]
    return httpx.Response(
        200,
        json={"at": "2026-11-23T08:00:00Z", "answers": answers, "unknown": [], "failed": failed},
    )


def _service(tmp_path: Path, mailer: FakeMailer) -> DigestService:
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'notifier.db'}"))
    with unit_of_work(factory) as session:
        for n, reader in enumerate(READERS):
            session.add(
                RecipientRow(
                    id=reader,
                    name=f"Reader {n}",
                    email=f"reader{n}@example.org",
                    locale="fr",
                    frequency="weekly",
                    day_of_week="monday",
                    unsubscribed=False,
                    profile_revision=1,
                    prefs_revision=1,
                )
            )
            session.add(
                DigestRow(
                    period=PERIOD,
                    consultant_id=reader,
                    state=PLANNED,
                    attempts=0,
                    created_at=PLANNED_AT,
                    event_published=False,
                )
            )
    graph = GraphClient("http://graph", "secret-" * 6, transport=httpx.MockTransport(_graph_answer))
    return DigestService(
        factory=factory,
        graph=graph,
        mailer=mailer,
        events=FakeEvents(),
        spread=FakeSpread(cap=10),
        signer=LinkSigner("secret-" * 6, ttl_s=3600),
        kinds=load_kinds(),
        public_url="https://braise.example.org",
        preferences_url="https://braise.example.org/preferences",
        mail_from="Braise <reseau@braise.example.org>",
        reply_to="equipe@braise.example.org",
        max_dormant=2,
        max_cooling=1,
        max_attempts=2,
    )


def _row(digests: DigestService, reader: str) -> tuple[str, int, str | None]:
    with digests.factory() as session:
        row = session.get(DigestRow, (PERIOD, reader))
        assert row is not None
        return row.state, row.attempts, row.error


def test_a_reader_the_graph_could_not_rank_costs_only_their_own_digest(tmp_path: Path) -> None:
    mailer = FakeMailer()
    digests = _service(tmp_path, mailer)
    keys = [(PERIOD, reader) for reader in READERS]

    outcomes = digests.send_many(keys)

    assert {k: o for k, o in outcomes.items() if not isinstance(o, RetryLaterError)} == {
        (PERIOD, READERS[0]): SENT,
        (PERIOD, READERS[2]): SENT,
    }
    assert sorted(recipients for _, recipients in mailer.sent) == [
        ["reader0@example.org"],
        ["reader2@example.org"],
    ]
    retry = outcomes[PERIOD, BROKEN]
    assert isinstance(retry, RetryLaterError)
    assert str(retry) == f"graph could not rank this reader: {REASON}"
    # Released for a retry of its own, the attempt counted and the reason kept.
    assert _row(digests, BROKEN) == (PLANNED, 1, f"graph could not rank this reader: {REASON}")


def test_a_reader_the_graph_never_ranks_is_marked_failed_with_the_reason(tmp_path: Path) -> None:
    mailer = FakeMailer()
    digests = _service(tmp_path, mailer)
    keys = [(PERIOD, reader) for reader in READERS]
    digests.send_many(keys)
    digests.send_many(keys)

    outcomes = digests.send_many(keys)

    assert outcomes == {key: SENT if key[1] != BROKEN else FAILED for key in keys}
    state, attempts, error = _row(digests, BROKEN)
    assert (state, attempts) == (FAILED, 2)
    assert error == (
        f"gave up after 2 attempts; last error: graph could not rank this reader: {REASON}"
    )
    assert len(mailer.sent) == 2  # the others were sent once, never again
