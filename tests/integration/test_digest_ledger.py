"""The digest ledger on its real SQL engine, in process: claim, lease, consent, attempts.

The graph, the SMTP server, the stream and the spread cap are fakes here (the notifier's
integration tests run them for real); the ledger is the notifier's own SQLite database,
shared by threads that race for the same row as Celery's processes do. No server is started,
so `make mutation` runs these tests against each mutant of the claim.
"""

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import (
    FAILED,
    PLANNED,
    SENDING,
    SENT,
    SKIPPED,
    DigestRow,
    RecipientRow,
    make_engine,
    session_factory,
    unit_of_work,
)
from braise_notifier.ledger import renew
from braise_notifier.planning import plan, unfinished
from braise_notifier.projections import project
from braise_notifier.service import DigestService
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import InviteGesture, RevivalCandidate
from braise_shared.interactions import load_kinds
from tests.support import events as ev
from tests.support.processes import wait_until
from tests.support.spread import FakeSpread

PERIOD = "2026-W48"
LEASE = timedelta(minutes=5)  # docs/notifier.md: "a sending row whose 5-minute lease ran out"
READER = str(ev.cid(1))


class FakeGraph:
    """Always proposes one dormant person, so a digest has something to say."""

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        return [
            RevivalCandidate(
                other_id=str(ev.cid(2)),
                other_name="Karim",
                stage="dormant",
                score=0.5,
                components={},
                strength=0.5,
                peak=12.0,
                last_at=datetime(2024, 6, 1, tzinfo=UTC),
                gesture=InviteGesture(),
                reasons=[],
            )
        ]

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> dict[str, list[RevivalCandidate]]:
        return {c: self.candidates(c, dormant=dormant, cooling=cooling) for c in consultant_ids}


@dataclass
class GatedMailer:
    """Records each message; while closed, every send waits for the gate to open."""

    sent: list[EmailMessage] = field(default_factory=list)
    inside: int = 0
    gate: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.gate.set()

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        with self.lock:
            self.inside += 1
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        with self.lock:
            self.sent.append(message)


class NoEvents:
    """Accepts digest.sent events and forgets them."""

    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        return [True] * len(events)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'notifier.db'}")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def mailer() -> GatedMailer:
    return GatedMailer()


@pytest.fixture
def service(factory: sessionmaker[Session], mailer: GatedMailer) -> DigestService:
    project(factory, [ev.profile(1, name="Camille Martin"), ev.profile(2, name="Karim")])
    plan(factory, [(PERIOD, READER)])
    return DigestService(
        factory=factory,
        graph=FakeGraph(),
        mailer=mailer,
        events=NoEvents(),
        signer=LinkSigner("secret-" * 6, ttl_s=3600),
        kinds=load_kinds(),
        public_url="https://braise.example.org",
        mail_from="Braise <r@braise.example.org>",
        reply_to="e@braise.example.org",
        max_dormant=3,
        max_cooling=2,
        lease=LEASE,
        spread=FakeSpread(cap=3),
        preferences_url="https://braise.example.org/preferences/{consultant_id}",
    )


def _row(factory: sessionmaker[Session]) -> DigestRow:
    with factory() as session:
        row = session.get(DigestRow, (PERIOD, READER))
        assert row is not None
        return row


def _set_row(factory: sessionmaker[Session], **values: object) -> None:
    with unit_of_work(factory) as session:
        row = session.get(DigestRow, (PERIOD, READER))
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def test_deliveries_one_after_another_send_one_mail(
    service: DigestService, mailer: GatedMailer
) -> None:
    assert [service.send(PERIOD, READER) for _ in range(3)] == [SENT, SENT, SENT]
    assert len(mailer.sent) == 1
    assert _row(service.factory).attempts == 1


def test_racing_deliveries_of_one_digest_send_one_mail(
    service: DigestService, mailer: GatedMailer
) -> None:
    racers = 6
    results: list[str] = []
    mailer.gate.clear()  # the first to claim holds its mail until the others have tried

    def deliver() -> None:
        results.append(service.send(PERIOD, READER))

    threads = [threading.Thread(target=deliver) for _ in range(racers)]
    for thread in threads:
        thread.start()
    wait_until(
        lambda: len(results) + mailer.inside == racers,
        timeout_s=30,
        what="every delivery to be refused or to be sending",
    )
    mailer.gate.set()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["busy"] * (racers - 1) + [SENT]
    assert len(mailer.sent) == 1
    assert _row(service.factory).state == SENT


@pytest.mark.parametrize("state", [PLANNED, SENDING])
def test_claim_takes_a_planned_row_or_a_sending_one_whose_lease_ran_out(
    service: DigestService, state: str
) -> None:
    # The claim is one conditional UPDATE at a given time: probed on the lease's boundary.
    claimed_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    _set_row(service.factory, state=state, claimed_at=claimed_at, attempts=3)
    on_the_lease = claimed_at + LEASE
    took = (PERIOD, READER) in service._claim([(PERIOD, READER)], on_the_lease)
    assert took is (state == PLANNED)
    if state == SENDING:
        past_the_lease = on_the_lease + timedelta(microseconds=1)
        assert (PERIOD, READER) in service._claim([(PERIOD, READER)], past_the_lease)
        on_the_lease = past_the_lease
    row = _row(service.factory)
    assert (row.state, row.claimed_at, row.attempts) == (SENDING, on_the_lease, 4)


@pytest.mark.parametrize("state", ["sent", "failed", "empty", "skipped"])
def test_claim_never_takes_a_final_row(service: DigestService, state: str) -> None:
    _set_row(service.factory, state=state, claimed_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert service._claim([(PERIOD, READER)], datetime.now(UTC)) == {}
    assert _row(service.factory).state == state


def test_claim_takes_only_its_own_row(service: DigestService) -> None:
    plan(service.factory, [("2026-W49", READER), (PERIOD, str(ev.cid(2)))])
    assert list(service._claim([(PERIOD, READER)], datetime.now(UTC))) == [(PERIOD, READER)]
    with service.factory() as session:
        others = {
            (r.period, r.consultant_id): r.state
            for r in session.query(DigestRow)
            if (r.period, r.consultant_id) != (PERIOD, READER)
        }
    assert others == {("2026-W49", READER): PLANNED, (PERIOD, str(ev.cid(2))): PLANNED}


def test_a_sending_row_within_its_lease_is_busy_and_after_it_is_sent_again(
    service: DigestService, mailer: GatedMailer
) -> None:
    now = datetime.now(UTC)
    _set_row(service.factory, state=SENDING, claimed_at=now - LEASE + timedelta(minutes=1))
    assert service.send(PERIOD, READER) == "busy"
    assert mailer.sent == []
    _set_row(service.factory, claimed_at=now - LEASE - timedelta(seconds=1))
    assert service.send(PERIOD, READER) == SENT
    assert len(mailer.sent) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"unsubscribed": True},
        {"frequency": "paused"},
    ],
)
def test_nothing_is_sent_to_a_recipient_who_unsubscribed_or_paused_after_planning(
    service: DigestService, mailer: GatedMailer, change: dict[str, object]
) -> None:
    with unit_of_work(service.factory) as session:
        recipient = session.get(RecipientRow, READER)
        assert recipient is not None
        for name, value in change.items():
            setattr(recipient, name, value)
    assert service.send(PERIOD, READER) == SKIPPED
    assert mailer.sent == []
    row = _row(service.factory)
    assert (row.state, row.error) == (SKIPPED, "unsubscribed, paused or unknown")


def test_nothing_is_sent_to_an_erased_recipient(
    service: DigestService, mailer: GatedMailer
) -> None:
    with unit_of_work(service.factory) as session:
        session.delete(session.get(RecipientRow, READER))
    assert service.send(PERIOD, READER) == SKIPPED
    assert mailer.sent == []


def test_a_digest_out_of_attempts_is_failed_without_sending(
    service: DigestService, mailer: GatedMailer
) -> None:
    _set_row(service.factory, attempts=service.max_attempts, error="451 try later")
    assert service.send(PERIOD, READER) == FAILED
    assert mailer.sent == []
    row = _row(service.factory)
    assert row.error == f"gave up after {service.max_attempts} attempts; last error: 451 try later"
    _set_row(service.factory, state=PLANNED, attempts=service.max_attempts - 1)
    assert service.send(PERIOD, READER) == SENT


def test_an_unplanned_digest_is_not_sent(service: DigestService, mailer: GatedMailer) -> None:
    assert service.send("2026-W01", READER) == "unplanned"
    assert mailer.sent == []


def test_unfinished_rows_come_back_when_their_lease_allows(service: DigestService) -> None:
    now = datetime.now(UTC)
    plan(service.factory, [(PERIOD, str(ev.cid(2)))])
    _set_row(service.factory, state=SENDING, claimed_at=now - LEASE / 2)
    again = {(p, c): delay for p, c, delay in unfinished(service.factory, lease=LEASE)}
    assert again[(PERIOD, str(ev.cid(2)))] == 0.0
    assert again[(PERIOD, READER)] == pytest.approx((LEASE / 2).total_seconds(), abs=5)


def test_one_claim_takes_every_row_of_a_batch_it_may_and_none_other(
    service: DigestService,
) -> None:
    # A batch of rows of two periods, in every state: one UPDATE per period takes exactly the
    # planned ones and the sending one whose lease ran out, and says what was prepared.
    now = datetime.now(UTC)
    others = [str(ev.cid(n)) for n in range(2, 7)]
    plan(service.factory, [("2026-W49", READER), *((PERIOD, o) for o in others)])
    states: dict[str, dict[str, object]] = {
        others[0]: {"state": SENDING, "claimed_at": now - LEASE * 2, "prepared": b"From: x\r\n"},
        others[1]: {"state": SENDING, "claimed_at": now - LEASE / 2},
        others[2]: {"state": SENT},
        others[3]: {"state": FAILED},
    }
    with unit_of_work(service.factory) as session:
        for other, values in states.items():
            row = session.get(DigestRow, (PERIOD, other))
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
    batch = [(PERIOD, READER), ("2026-W49", READER), *((PERIOD, o) for o in others)]
    taken = service._claim(batch, now)
    assert set(taken) == {
        (PERIOD, READER),
        ("2026-W49", READER),
        (PERIOD, others[0]),
        (PERIOD, others[4]),
    }
    assert taken[PERIOD, others[0]].prepared == b"From: x\r\n"
    assert taken[PERIOD, READER].prepared is None
    assert service._claim(batch, now) == {}  # a second worker given the same batch: nothing
    with service.factory() as session:
        rows = {(r.period, r.consultant_id): r for r in session.query(DigestRow)}
    assert {k for k, r in rows.items() if r.state == SENDING and r.claimed_at == now} == set(taken)
    assert rows[PERIOD, others[1]].claimed_at == now - LEASE / 2  # within its lease: untouched
    assert rows[PERIOD, others[0]].attempts == 1


def test_a_renewal_keeps_a_row_only_for_the_attempt_that_holds_it(service: DigestService) -> None:
    first = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert list(service._claim([(PERIOD, READER)], first)) == [(PERIOD, READER)]
    later = first + LEASE / 2
    assert renew(service.factory, (PERIOD, READER), first, later) is True
    assert _row(service.factory).claimed_at == later
    # Another attempt took the row after the lease: the first one's renewal is refused.
    retaken = later + LEASE + timedelta(seconds=1)
    assert list(service._claim([(PERIOD, READER)], retaken)) == [(PERIOD, READER)]
    assert renew(service.factory, (PERIOD, READER), later, retaken) is False
    assert _row(service.factory).claimed_at == retaken


def test_a_sent_digest_whose_event_is_not_out_comes_back_to_be_published_not_sent(
    service: DigestService, mailer: GatedMailer
) -> None:
    assert service.send(PERIOD, READER) == SENT
    _set_row(service.factory, event_published=False)
    assert [(p, c) for p, c, _ in unfinished(service.factory, lease=LEASE)] == [(PERIOD, READER)]
    published: list[str] = []

    class Events:
        def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
            published.extend(event_id for event_id, _ in events)
            return [True] * len(events)

    service.events = Events()
    assert service.send(PERIOD, READER) == SENT
    assert len(mailer.sent) == 1
    assert len(published) == 1
    assert _row(service.factory).event_published is True
    assert unfinished(service.factory, lease=LEASE) == []
