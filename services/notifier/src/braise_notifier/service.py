"""Plan digests and send one: the ledger makes each (period, consultant) happen once."""

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from redis.exceptions import RedisError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.db import (
    EMPTY,
    FAILED,
    PLANNED,
    SENDING,
    SENT,
    SKIPPED,
    DigestRow,
    RecipientRow,
    unit_of_work,
)
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.mailer import PermanentMailError, TransientMailError
from braise_notifier.render import build_email
from braise_notifier.schedule import current_period
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import RevivalCandidate
from braise_shared.events import DigestSent, DigestSentV1, SuggestedLink, dump_event
from braise_shared.interactions import InteractionKinds
from braise_shared.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

# Digest event ids derive from (period, consultant), so re-publishing one is harmless.
DIGEST_EVENTS = uuid.UUID("6f1d0c57-2a43-4d4e-9a51-0b8f2a1c9e11")


class RetryLaterError(RuntimeError):
    """Something transient failed; the task should be retried with back-off."""


class CandidateSource(Protocol):
    """Where candidates come from (the graph API)."""

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int
    ) -> list[RevivalCandidate]:
        """Return at most `dormant` dormant then `cooling` cooling candidates, each best first."""
        ...


class MailSender(Protocol):
    """How a message leaves."""

    def send(self, message: EmailMessage) -> None:
        """Send it or raise TransientMailError / PermanentMailError."""
        ...


class EventSink(Protocol):
    """Where digest.sent goes (the stream)."""

    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        """Publish (id, JSON) pairs, each id at most once."""
        ...


def plan(factory: sessionmaker[Session], wanted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Record (period, consultant) digests not yet in the ledger; return those to enqueue.

    Rows still planned, or sending with an expired lease, are returned again: their task may
    have been lost. Sent, failed and empty rows are final.
    """
    if not wanted:
        return []
    now = datetime.now(UTC)
    with unit_of_work(factory) as session:
        existing = {
            (r.period, r.consultant_id): r
            for r in session.scalars(
                select(DigestRow).where(
                    DigestRow.period.in_({p for p, _ in wanted}),
                    DigestRow.consultant_id.in_({c for _, c in wanted}),
                )
            )
        }
        for period, cid in wanted:
            if (period, cid) not in existing:
                session.add(
                    DigestRow(
                        period=period,
                        consultant_id=cid,
                        state=PLANNED,
                        attempts=0,
                        created_at=now,
                        event_published=False,
                    )
                )
    return [
        key for key in wanted if key not in existing or existing[key].state in (PLANNED, SENDING)
    ]


def unfinished(
    factory: sessionmaker[Session], *, lease: timedelta, since: timedelta = timedelta(days=14)
) -> list[tuple[str, str, float]]:
    """Return (period, consultant, delay in s) of digests left planned or sending, to enqueue again.

    A sending row is retried once its lease has run out (its worker died); the delay says when.
    """
    now = datetime.now(UTC)
    with factory() as session:
        rows = session.scalars(
            select(DigestRow).where(
                DigestRow.state.in_((PLANNED, SENDING)), DigestRow.created_at >= now - since
            )
        )
        out = []
        for row in rows:
            delay = 0.0
            if row.state == SENDING and row.claimed_at is not None:
                delay = max(0.0, (row.claimed_at + lease - now).total_seconds())
            out.append((row.period, row.consultant_id, delay))
    return sorted(out)


def due_today(factory: sessionmaker[Session], today: date) -> list[tuple[str, str]]:
    """Return (period, consultant) for every subscribed consultant due a digest today."""
    with factory() as session:
        rows = session.scalars(select(RecipientRow).where(RecipientRow.unsubscribed.is_(False)))
        wanted = []
        for row in rows:
            period = current_period(today, frequency=row.frequency, day_of_week=row.day_of_week)
            if period is not None:
                wanted.append((period, row.id))
    return sorted(wanted)


def everyone_for(factory: sessionmaker[Session], period: str) -> list[tuple[str, str]]:
    """Return (period, consultant) for every subscribed, unpaused consultant (operator run)."""
    with factory() as session:
        ids = session.scalars(
            select(RecipientRow.id).where(
                RecipientRow.unsubscribed.is_(False), RecipientRow.frequency != "paused"
            )
        )
        return sorted((period, cid) for cid in ids)


@dataclass
class DigestService:
    """Sends the digest of one (period, consultant), at most once per ledger row.

    `max_dormant` and `max_cooling` (from the settings) are how many people of each stage a
    digest holds: the graph is asked for that many, and the digest says what it answered.
    """

    factory: sessionmaker[Session]
    graph: CandidateSource
    mailer: MailSender
    events: EventSink
    signer: LinkSigner
    kinds: InteractionKinds
    public_url: str
    mail_from: str
    reply_to: str
    max_dormant: int
    max_cooling: int
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 24
    taxonomy: Taxonomy = field(default_factory=load_taxonomy)

    def send(self, period: str, consultant_id: str) -> str:
        """Send one digest; return the ledger state. Raise RetryLaterError to be retried."""
        now = datetime.now(UTC)
        with unit_of_work(self.factory) as session:
            row = session.get(DigestRow, (period, consultant_id))
            if row is None:
                return "unplanned"
            if row.state == SENT:
                if not row.event_published:
                    self._publish(row)
                return SENT
            if row.state in (FAILED, EMPTY, SKIPPED):
                return row.state
            if row.attempts >= self.max_attempts:
                row.state = FAILED
                row.error = f"gave up after {row.attempts} attempts; last error: {row.error}"
                return FAILED
        if not self._claim(period, consultant_id, now):
            return "busy"
        try:
            return self._send_claimed(period, consultant_id)
        except RetryLaterError:
            self._release(period, consultant_id)
            raise

    def _claim(self, period: str, consultant_id: str, now: datetime) -> bool:
        with unit_of_work(self.factory) as session:
            result = session.execute(
                update(DigestRow)
                .where(
                    DigestRow.period == period,
                    DigestRow.consultant_id == consultant_id,
                    or_(
                        DigestRow.state == PLANNED,
                        (DigestRow.state == SENDING) & (DigestRow.claimed_at < now - self.lease),
                    ),
                )
                .values(state=SENDING, claimed_at=now, attempts=DigestRow.attempts + 1)
            )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _release(self, period: str, consultant_id: str, error: str | None = None) -> None:
        with unit_of_work(self.factory) as session:
            row = session.get(DigestRow, (period, consultant_id))
            if row is not None and row.state == SENDING:
                row.state, row.claimed_at = PLANNED, None
                if error:
                    row.error = error

    def _finish(self, period: str, consultant_id: str, state: str, **values: object) -> None:
        with unit_of_work(self.factory) as session:
            row = session.get(DigestRow, (period, consultant_id))
            if row is not None:
                row.state = state
                for name, value in values.items():
                    setattr(row, name, value)

    def compose_for(self, period: str, consultant_id: str) -> Digest | None:
        """Compose the digest of a consultant (None if they may not receive one)."""
        with self.factory() as session:
            recipient = session.get(RecipientRow, consultant_id)
        if recipient is None or recipient.unsubscribed or recipient.frequency == "paused":
            return None
        reader = Reader(recipient.id, recipient.name, recipient.email, recipient.locale)
        try:
            candidates = self.graph.candidates(
                consultant_id, dormant=self.max_dormant, cooling=self.max_cooling
            )
        except GraphUnavailableError as exc:
            raise RetryLaterError(str(exc)) from exc
        return compose(
            reader,
            period,
            candidates,
            texts=texts(reader.locale),
            kinds=self.kinds,
            taxonomy=self.taxonomy,
        )

    def _send_claimed(self, period: str, consultant_id: str) -> str:
        digest = self.compose_for(period, consultant_id)
        if digest is None:
            self._finish(period, consultant_id, SKIPPED, error="unsubscribed, paused or unknown")
            return SKIPPED
        if digest.is_empty():
            self._finish(period, consultant_id, EMPTY)
            return EMPTY
        message = build_email(
            digest,
            texts(digest.reader.locale),
            signer=self.signer,
            public_url=self.public_url,
            mail_from=self.mail_from,
            reply_to=self.reply_to,
        )
        try:
            self.mailer.send(message)
        except TransientMailError as exc:
            self._release(period, consultant_id, error=str(exc))
            raise RetryLaterError(str(exc)) from exc
        except PermanentMailError as exc:
            log.error("digest %s for %s refused for good: %s", period, consultant_id, exc)
            self._finish(period, consultant_id, FAILED, error=str(exc))
            return FAILED
        suggestions = [
            {"consultant_id": s.other_id, "stage": s.stage, "gesture": s.gesture_kind}
            for s in digest.suggestions
        ]
        self._finish(
            period,
            consultant_id,
            SENT,
            sent_at=datetime.now(UTC),
            error=None,
            message_id=str(message["Message-ID"]),
            suggestions=json.dumps(suggestions),
        )
        with unit_of_work(self.factory) as session:
            row = session.get(DigestRow, (period, consultant_id))
            assert row is not None
            self._publish(row)
        return SENT

    def _publish(self, row: DigestRow) -> None:
        """Publish digest.sent for a sent row (at-least-once; same event id every time)."""
        suggestions = [SuggestedLink.model_validate(s) for s in json.loads(row.suggestions or "[]")]
        event = DigestSentV1(
            id=uuid.uuid5(DIGEST_EVENTS, f"{row.period}:{row.consultant_id}"),
            occurred_at=row.sent_at or datetime.now(UTC),
            producer="notifier",
            data=DigestSent(
                consultant_id=uuid.UUID(row.consultant_id),
                period=row.period,
                suggestions=suggestions,
            ),
        )
        try:
            self.events.publish_many([(str(event.id), dump_event(event))])
        except (RedisError, OSError) as exc:
            raise RetryLaterError(f"digest sent, event not yet published: {exc}") from exc
        row.event_published = True
