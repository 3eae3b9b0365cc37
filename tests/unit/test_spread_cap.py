"""The spread cap as the digest service uses it, with fakes: people are reserved before a
digest is composed, replaced when full, and given back unless the digest is sent."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from itertools import pairwise
from pathlib import Path

import pytest
import redis

from braise_notifier import service as service_module
from braise_notifier.compose import Digest, compose
from braise_notifier.db import (
    PLANNED,
    DigestRow,
    ErasedRow,
    RecipientRow,
    make_engine,
    session_factory,
    unit_of_work,
)
from braise_notifier.mailer import PermanentMailError, TransientMailError
from braise_notifier.service import DigestService, RetryLaterError
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import (
    FailedReader,
    InviteGesture,
    RevivalCandidate,
)
from braise_shared.interactions import load_kinds
from braise_shared.periods import week_period as week_of
from braise_shared.stages import CandidateStage
from tests.support.digests import candidate
from tests.support.spread import FakeSpread

PERIOD = "2026-W48"
PLANNED_AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
WEEK = week_of(PLANNED_AT)
READER = "00000000-0000-4000-8000-000000000099"


class FakeGraph:
    def __init__(self, answer: list[RevivalCandidate]) -> None:
        self.answer = answer
        self.asked: list[tuple[int, int]] = []

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        self.asked.append((dormant, cooling))
        return self.answer

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> dict[str, list[RevivalCandidate]]:
        return {c: self.candidates(c, dormant=dormant, cooling=cooling) for c in consultant_ids}


class FakeMailer:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[EmailMessage] = []

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append(message)


class FakeEvents:
    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        return [True for _ in events]


def _person(n: int, stage: CandidateStage = "dormant") -> RevivalCandidate:
    return candidate(n, f"Person {n}", stage, InviteGesture())


def _id(n: int) -> str:
    return _person(n).other_id


def _service(
    tmp_path: Path, answer: list[RevivalCandidate], spread: FakeSpread, mailer: FakeMailer
) -> tuple[DigestService, FakeGraph]:
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'notifier.db'}"))
    with unit_of_work(factory) as session:
        session.add(
            RecipientRow(
                id=READER,
                name="Camille Martin",
                email="camille@example.org",
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
                consultant_id=READER,
                state=PLANNED,
                attempts=0,
                created_at=PLANNED_AT,
                event_published=False,
            )
        )
    graph = FakeGraph(answer)
    digests = DigestService(
        factory=factory,
        graph=graph,
        mailer=mailer,
        events=FakeEvents(),
        spread=spread,
        signer=LinkSigner("secret-" * 6, ttl_s=3600),
        kinds=load_kinds(),
        public_url="https://braise.example.org",
        preferences_url="https://braise.example.org/preferences",
        mail_from="Braise <reseau@braise.example.org>",
        reply_to="equipe@braise.example.org",
        max_dormant=2,
        max_cooling=1,
        spare=3,
    )
    return digests, graph


def _proposed(mailer: FakeMailer) -> list[str]:
    text = mailer.sent[0].get_body(preferencelist=("plain",))
    assert text is not None
    return [n for n in ("Person 1", "Person 2", "Person 3", "Person 4") if n in text.get_content()]


def test_a_person_proposed_to_enough_readers_is_replaced_by_the_next_candidate(
    tmp_path: Path,
) -> None:
    spread = FakeSpread(cap=2)
    spread.readers[WEEK, _id(1)] = {"reader-a", "reader-b"}  # full this week
    mailer = FakeMailer()
    digests, graph = _service(tmp_path, [_person(1), _person(2), _person(3)], spread, mailer)

    assert digests.send(PERIOD, READER) == "sent"

    assert graph.asked == [(2 + 3, 1 + 3)]  # a few more than the digest shows
    assert _proposed(mailer) == ["Person 2", "Person 3"]
    assert spread.of(WEEK, _id(1)) == {"reader-a", "reader-b"}
    assert spread.of(WEEK, _id(2)) == spread.of(WEEK, _id(3)) == {READER}


def test_a_digest_whose_people_are_all_taken_is_empty_and_holds_nothing(tmp_path: Path) -> None:
    spread = FakeSpread(cap=1)
    spread.readers[WEEK, _id(1)] = {"reader-a"}
    spread.readers[WEEK, _id(4)] = {"reader-b"}
    digests, _ = _service(tmp_path, [_person(1), _person(4, "cooling")], spread, FakeMailer())

    assert digests.send(PERIOD, READER) == "empty"
    assert spread.of(WEEK, _id(1)) == {"reader-a"}
    assert spread.of(WEEK, _id(4)) == {"reader-b"}


def test_a_digest_refused_for_good_gives_its_people_back(tmp_path: Path) -> None:
    spread = FakeSpread(cap=1)
    mailer = FakeMailer(PermanentMailError("550 no such user"))
    digests, _ = _service(tmp_path, [_person(1), _person(2)], spread, mailer)

    assert digests.send(PERIOD, READER) == "failed"
    assert spread.of(WEEK, _id(1)) == spread.of(WEEK, _id(2)) == set()
    assert digests.send(PERIOD, READER) == "failed"  # final: nothing is prepared any more
    with digests.factory() as session:
        row = session.get(DigestRow, (PERIOD, READER))
        assert row is not None
        assert row.prepared is None


def test_a_digest_retried_later_keeps_its_people_for_the_message_it_prepared(
    tmp_path: Path,
) -> None:
    # The retry sends the message it wrote (service, "prepared"): its people stay reserved.
    spread = FakeSpread(cap=1)
    digests, _ = _service(
        tmp_path, [_person(1), _person(2)], spread, FakeMailer(TransientMailError("451"))
    )

    with pytest.raises(RetryLaterError):
        digests.send(PERIOD, READER)
    assert spread.of(WEEK, _id(1)) == spread.of(WEEK, _id(2)) == {READER}


def test_a_retried_digest_takes_its_places_again_and_a_sent_one_keeps_them(
    tmp_path: Path,
) -> None:
    spread = FakeSpread(cap=1)
    mailer = FakeMailer(TransientMailError("451 later"))
    digests, _ = _service(tmp_path, [_person(1)], spread, mailer)
    with pytest.raises(RetryLaterError):
        digests.send(PERIOD, READER)

    mailer.error = None
    assert digests.send(PERIOD, READER) == "sent"
    assert digests.send(PERIOD, READER) == "sent"  # a duplicate task changes nothing
    assert spread.of(WEEK, _id(1)) == {READER}
    assert len(mailer.sent) == 1


def test_a_suggestion_dropped_while_composing_is_given_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def compose_without_person_1(
        *args: object, **kwargs: object
    ) -> Digest:  # no words for person 1's gesture, say
        digest = compose(*args, **kwargs)  # type: ignore[arg-type]
        dormant = [s for s in digest.dormant if s.other_id != _id(1)]
        return Digest(**{**digest.__dict__, "dormant": dormant})

    monkeypatch.setattr(service_module, "compose", compose_without_person_1)
    spread = FakeSpread(cap=1)
    mailer = FakeMailer()
    digests, _ = _service(tmp_path, [_person(1), _person(2)], spread, mailer)

    assert digests.send(PERIOD, READER) == "sent"
    assert spread.of(WEEK, _id(1)) == set()
    assert spread.of(WEEK, _id(2)) == {READER}


def test_a_preview_reserves_nobody(tmp_path: Path) -> None:
    spread = FakeSpread(cap=1)
    digests, graph = _service(tmp_path, [_person(1)], spread, FakeMailer())

    digest = digests.compose_for("preview", READER)

    assert digest is not None
    assert [s.name for s in digest.dormant] == ["Person 1"]
    assert graph.asked == [(2, 1)]
    assert spread.readers == {}


def test_a_person_erased_before_the_graph_knows_is_never_proposed(tmp_path: Path) -> None:
    spread = FakeSpread(cap=2)
    mailer = FakeMailer()
    digests, _ = _service(tmp_path, [_person(1), _person(2), _person(3)], spread, mailer)
    with unit_of_work(digests.factory) as session:
        session.add(ErasedRow(id=_id(1)))

    assert digests.send(PERIOD, READER) == "sent"

    assert _proposed(mailer) == ["Person 2", "Person 3"]
    assert spread.of(WEEK, _id(1)) == set()


def test_each_stage_takes_at_most_its_room_and_a_full_stage_leaves_the_other_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spread = FakeSpread(cap=1)
    spread.readers[WEEK, _id(2)] = {"reader-a"}  # full this week
    mailer = FakeMailer()
    people = [_person(1), _person(2), _person(3), _person(5), _person(4, "cooling")]
    digests, _ = _service(tmp_path, people, spread, mailer)  # room: 2 dormant, 1 cooling

    with caplog.at_level("INFO", logger="braise_notifier.service"):
        assert digests.send(PERIOD, READER) == "sent"

    assert _proposed(mailer) == ["Person 1", "Person 3", "Person 4"]
    assert spread.of(WEEK, _id(5)) == set()  # the dormant room was full: never reserved
    assert f"spread cap: {_id(2)} already proposed enough this week" in caplog.messages


class UnreachableSpread(FakeSpread):
    """A spread cap whose Redis does not answer."""

    def reserve_in_order(
        self,
        week: str,
        reader_id: str,
        wanted: Sequence[tuple[str, str]],
        room: Mapping[str, int],
    ) -> list[bool | None]:
        raise redis.ConnectionError("Connection refused")


def test_a_spread_cap_out_of_reach_retries_the_digest_later(tmp_path: Path) -> None:
    mailer = FakeMailer()
    digests, _ = _service(tmp_path, [_person(1)], UnreachableSpread(cap=1), mailer)

    with pytest.raises(RetryLaterError, match=r"^spread cap unavailable: Connection refused$"):
        digests.send(PERIOD, READER)
    assert mailer.sent == []


def test_a_readers_next_digest_opens_with_another_subject_and_intro(tmp_path: Path) -> None:
    mailer = FakeMailer()
    digests, _ = _service(tmp_path, [_person(1)], FakeSpread(cap=10), mailer)
    subjects = []
    for week in range(48, 53):
        period = f"2026-W{week}"
        if period != PERIOD:
            with unit_of_work(digests.factory) as session:
                session.add(
                    DigestRow(
                        period=period,
                        consultant_id=READER,
                        state=PLANNED,
                        attempts=0,
                        created_at=datetime(2026, 11, 23 + 7 * (week - 48), 8, tzinfo=UTC)
                        if week < 50
                        else datetime(2026, 12, 7 + 7 * (week - 50), 8, tzinfo=UTC),
                        event_published=False,
                    )
                )
        assert digests.send(period, READER) == "sent"
        subjects.append(str(mailer.sent[-1]["Subject"]))
    with digests.factory() as session:
        variants = [
            r.variant
            for r in session.query(DigestRow).order_by(DigestRow.period)
            if r.consultant_id == READER
        ]
    assert None not in variants
    assert all(a != b for a, b in pairwise(variants)), variants
    assert all(a != b for a, b in pairwise(subjects)), subjects


@pytest.mark.parametrize(
    "graph_after",
    [[], FailedReader(consultant_id=READER, reason="ValueError: a datum")],
    ids=["nothing-to-propose", "graph-fails-for-the-reader"],
)
def test_an_attempt_cut_after_the_server_took_the_mail_is_sent_again_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph_after: object
) -> None:
    mailer = FakeMailer()
    digests, graph = _service(tmp_path, [_person(1), _person(2)], FakeSpread(cap=1), mailer)

    class Killed(BaseException):
        """The worker dies between the server's 250 and the ledger's commit."""

    def die(*args: object) -> str:
        raise Killed

    monkeypatch.setattr(service_module, "mark_sent", die)
    with pytest.raises(Killed):
        digests.send(PERIOD, READER)
    monkeypatch.undo()
    # Composing again would find nothing, or the graph cannot rank the reader any more.
    graph.answer = graph_after  # type: ignore[assignment]
    with unit_of_work(digests.factory) as session:
        row = session.get(DigestRow, (PERIOD, READER))
        assert row is not None
        assert row.state == "sending"
        row.claimed_at = PLANNED_AT  # the lease has run out

    assert digests.send(PERIOD, READER) == "sent"
    first, again = mailer.sent
    assert str(again["Message-ID"]).strip() == str(first["Message-ID"])
    assert str(again["Subject"]) == str(first["Subject"])
    plain = [m.get_body(("plain",)) for m in (again, first)]
    assert plain[0] is not None
    assert plain[1] is not None
    assert plain[0].get_content().replace("\r\n", "\n") == plain[1].get_content()
    with digests.factory() as session:
        row = session.get(DigestRow, (PERIOD, READER))
        assert row is not None
        assert (row.state, row.attempts, row.prepared) == ("sent", 2, None)
        assert [s["consultant_id"] for s in json.loads(row.suggestions or "[]")] == [
            _id(1),
            _id(2),
        ]
