"""What the digest service needs from the world, as protocols: the graph's candidates, a
mail sender, the spread cap's reservations and the stream (`service.DigestService`).

Production passes `graph_client.GraphClient`, `mailer.Mailer`, `spread.SpreadCap` and the
shared `EventPublisher`; the unit tests pass fakes of their own.
"""

from collections.abc import Iterable, Mapping, Sequence
from email.message import EmailMessage
from typing import Protocol

from braise_shared.candidates import FailedReader, RevivalCandidate


class CandidateSource(Protocol):
    """Where candidates come from (the graph API)."""

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        """Return at most `dormant` dormant then `cooling` cooling candidates, each best first
        (`rested`: without the people suggested lately)."""
        ...

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> Mapping[str, list[RevivalCandidate] | FailedReader]:
        """Return what `candidates` returns for each consultant, asked all at once; a reader
        the graph could not answer for gets its `FailedReader` (the reason) instead."""
        ...


class MailSender(Protocol):
    """How a message leaves."""

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        """Send it to these envelope recipients or raise TransientMailError /
        PermanentMailError. `raw`: the message as `MAIL_POLICY` writes it, when the caller
        wrote it already (the ledger keeps that copy), so it is not written twice."""
        ...


class ProposalReservations(Protocol):
    """The spread cap (`braise_notifier.spread`): places of a person in readers' digests."""

    def reserve_in_order(
        self,
        week: str,
        reader_id: str,
        wanted: Sequence[tuple[str, str]],
        room: Mapping[str, int],
    ) -> list[bool | None]:
        """Reserve, in order and at once, each (person, stage) while `room` has places for its
        stage; per person: True reserved, False the cap is reached, None not asked."""
        ...

    def release(self, week: str, reader_id: str, person_ids: Iterable[str]) -> None:
        """Give back the reader's places in these people's sets."""
        ...


class EventSink(Protocol):
    """Where digest.sent goes (the stream)."""

    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        """Publish (id, JSON) pairs, each id at most once."""
        ...
