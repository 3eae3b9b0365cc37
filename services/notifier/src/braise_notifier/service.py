"""Send one digest: the ledger makes each (period, consultant) happen once."""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.db import (
    EMPTY,
    FAILED,
    SENT,
    SKIPPED,
    DigestRow,
    RecipientRow,
    erased_among,
    unit_of_work,
)
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.guard import ToneError
from braise_notifier.ledger import claim, finish, release
from braise_notifier.mailer import PermanentMailError, TransientMailError
from braise_notifier.ports import CandidateSource, EventSink, MailSender, ProposalReservations
from braise_notifier.prepared import is_prepared, prepare, prepared_message
from braise_notifier.readers import addresses, previous_variants
from braise_notifier.render import build_email
from braise_notifier.schedule import local_today, paused_on
from braise_notifier.sent_event import digest_sent
from braise_notifier.spread import reserve_best
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import MAX_PER_STAGE, FailedReader, RevivalCandidate
from braise_shared.events import dump_event
from braise_shared.interactions import InteractionKinds
from braise_shared.periods import week_period
from braise_shared.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

# A ledger row's key: (period, consultant id).
Key = tuple[str, str]


class UnrenderableDigestError(RuntimeError):
    """The digest's e-mail cannot be written (bad data in a header or template)."""


class RetryLaterError(RuntimeError):
    """Something transient failed; the task should be retried with back-off."""


@dataclass
class DigestService:
    """Sends the digest of one (period, consultant), at most once per ledger row.

    `max_dormant` and `max_cooling` (from the settings) are how many people of each stage a
    digest holds. To send, the graph is asked for `spare` more of each, and each person is
    reserved under the spread cap before composing: one already proposed to enough readers
    this week is replaced by the next. A preview reserves nothing.
    """

    factory: sessionmaker[Session]
    graph: CandidateSource
    mailer: MailSender
    events: EventSink
    spread: ProposalReservations
    signer: LinkSigner
    kinds: InteractionKinds
    public_url: str
    preferences_url: str
    mail_from: str
    reply_to: str
    max_dormant: int
    max_cooling: int
    spare: int = 3
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 24
    taxonomy: Taxonomy = field(default_factory=load_taxonomy)
    timezone: str = "Europe/Paris"  # the firm's: the day a pause ends is theirs

    def send(self, period: str, consultant_id: str) -> str:
        """Send one digest; return the ledger state. Raise RetryLaterError to be retried."""
        outcome = self.send_many([(period, consultant_id)])[(period, consultant_id)]
        if isinstance(outcome, RetryLaterError):
            raise outcome
        return outcome

    def send_many(self, keys: list[Key]) -> dict[Key, str | RetryLaterError]:
        """Send the digests of these (period, consultant) rows one after the other; return
        each one's ledger state, or the RetryLaterError it should be retried with.

        Their ledger rows are read in one transaction and their readers' candidates asked of
        the graph in one request; each digest is then claimed, sent and recorded on its own
        (a claim per row: two workers given the same row never both send it). Raise
        RetryLaterError, having claimed nothing, when the graph cannot answer; a reader the
        graph could not answer for alone (`FailedReader`) is that row's RetryLaterError.
        """
        outcomes: dict[Key, str | RetryLaterError] = {}
        due = self._due(keys, outcomes)
        if not due:
            return outcomes
        candidates = self._candidates_of_many([cid for (_, cid), _ in due], spare=self.spare)
        previous = previous_variants(self.factory, [cid for (_, cid), _ in due])
        for (period, consultant_id), week in due:
            if not self._claim(period, consultant_id, datetime.now(UTC)):
                outcomes[period, consultant_id] = "busy"
                continue
            answer = candidates[consultant_id]
            if isinstance(answer, FailedReader) and is_prepared(
                self.factory, period, consultant_id
            ):
                answer = []  # its message is written: it goes again as it was, graph or not
            if isinstance(answer, FailedReader):
                # The graph answered the others: this row alone is retried like a transient
                # failure, its attempt counted and the reason kept, until `max_attempts`
                # marks it failed (the graph's data may be mended by then).
                error = f"graph could not rank this reader: {answer.reason}"
                release(self.factory, period, consultant_id, error=error)
                outcomes[period, consultant_id] = RetryLaterError(error)
                continue
            try:
                outcomes[period, consultant_id] = self._send_claimed(
                    period, consultant_id, week, answer, previous
                )
            except RetryLaterError as exc:
                release(self.factory, period, consultant_id)
                outcomes[period, consultant_id] = exc
        return outcomes

    def _due(
        self, keys: list[Key], outcomes: dict[Key, str | RetryLaterError]
    ) -> list[tuple[Key, str]]:
        """Return the rows still to send, with the week of their spread cap; put the others'
        final state in outcomes (publishing digest.sent where a sent row has not yet). A row
        whose message was prepared is still to send: it goes again as it was."""
        due = []
        with unit_of_work(self.factory) as session:
            rows = {
                (r.period, r.consultant_id): r
                for r in session.scalars(
                    select(DigestRow).where(
                        DigestRow.period.in_({p for p, _ in keys}),
                        DigestRow.consultant_id.in_({c for _, c in keys}),
                    )
                )
            }
            for key in dict.fromkeys(keys):
                row = rows.get(key)
                if row is None:
                    outcomes[key] = "unplanned"
                elif row.state == SENT:
                    outcomes[key] = SENT
                    if not row.event_published:
                        try:
                            self._publish(row)
                        except RetryLaterError as exc:
                            outcomes[key] = exc
                elif row.state in (FAILED, EMPTY, SKIPPED):
                    outcomes[key] = row.state
                elif row.attempts >= self.max_attempts:
                    row.state = FAILED
                    row.error = f"gave up after {row.attempts} attempts; last error: {row.error}"
                    outcomes[key] = FAILED
                else:
                    # The week of the spread cap: fixed at planning, the same for every attempt.
                    due.append((key, week_period(row.created_at)))
        return due

    def _claim(self, period: str, consultant_id: str, now: datetime) -> bool:
        return claim(self.factory, period, consultant_id, now, self.lease)

    def compose_for(self, period: str, consultant_id: str) -> Digest | None:
        """Compose the digest of a consultant as it would be sent now, reserving nobody
        (a preview); None if they may not receive one."""
        reader = self._reader(consultant_id)
        if reader is None:
            return None
        candidates = self._candidates_of_many([consultant_id], spare=0)[consultant_id]
        if isinstance(candidates, FailedReader):
            raise RetryLaterError(f"graph could not rank this reader: {candidates.reason}")
        previous = previous_variants(self.factory, [consultant_id]).get(consultant_id)
        return self._compose(reader, period, self._not_erased(candidates), previous)

    def _reader(self, consultant_id: str) -> Reader | None:
        with self.factory() as session:
            recipient = session.get(RecipientRow, consultant_id)
        if recipient is None or not recipient.receives_digests:
            return None
        if paused_on(local_today(datetime.now(UTC), self.timezone), recipient.resume_on):
            return None  # paused since it was planned
        return Reader(recipient.id, recipient.name, recipient.email, recipient.locale)

    def _candidates_of_many(
        self, consultant_ids: list[str], *, spare: int
    ) -> Mapping[str, list[RevivalCandidate] | FailedReader]:
        try:
            return self.graph.candidates_of_many(
                consultant_ids,
                dormant=min(MAX_PER_STAGE, self.max_dormant + spare) if self.max_dormant else 0,
                cooling=min(MAX_PER_STAGE, self.max_cooling + spare) if self.max_cooling else 0,
            )
        except GraphUnavailableError as exc:
            raise RetryLaterError(str(exc)) from exc

    def _not_erased(self, candidates: list[RevivalCandidate]) -> list[RevivalCandidate]:
        """Leave out the people erased since: the graph may not have read an erasure the
        notifier already applied. Asked just before composing, digest by digest."""
        with self.factory() as session:
            erased = erased_among(session, (c.other_id for c in candidates))
        return [c for c in candidates if c.other_id not in erased]

    def _compose(
        self,
        reader: Reader,
        period: str,
        candidates: list[RevivalCandidate],
        previous_variant: int | None,
    ) -> Digest:
        return compose(
            reader,
            period,
            candidates,
            texts=texts(reader.locale),
            kinds=self.kinds,
            taxonomy=self.taxonomy,
            previous_variant=previous_variant,
            addresses=addresses(self.factory, [c.other_id for c in candidates]),
            timezone=self.timezone,
        )

    def _reserve(
        self, week: str, reader_id: str, candidates: list[RevivalCandidate], held: list[str]
    ) -> list[RevivalCandidate]:
        """Keep the best candidates of each stage that the spread cap lets this reader have,
        adding each reserved person to `held`."""
        room = {"dormant": self.max_dormant, "cooling": self.max_cooling}
        try:
            chosen, full = reserve_best(self.spread, week, reader_id, candidates, room, held)
        except (RedisError, OSError) as exc:
            raise RetryLaterError(f"spread cap unavailable: {exc}") from exc
        for person in full:
            log.info("spread cap: %s already proposed enough this week", person)
        return chosen

    def _unreserve(self, week: str, reader_id: str, people: list[str]) -> None:
        """Give back places; if Redis is away, they lapse with the week's sets."""
        if not people:
            return
        try:
            self.spread.release(week, reader_id, people)
        except (RedisError, OSError) as exc:
            log.error("spread cap: %s's places for %s not given back: %s", reader_id, people, exc)
        people.clear()

    def _send_claimed(
        self,
        period: str,
        consultant_id: str,
        week: str,
        candidates: list[RevivalCandidate],
        previous: dict[str, int],
    ) -> str:
        held: list[str] = []  # people reserved for this digest, given back unless it is sent
        # The people of a prepared message: theirs until the row is final, a retry included.
        proposed: list[str] = []
        try:
            found = prepared_message(self.factory, period, consultant_id)
            if found is None:
                written = self._reserve_and_write(
                    period, consultant_id, week, candidates, held, previous.get(consultant_id)
                )
                if isinstance(written, str):
                    return written
                digest, message = written
                prepare(self.factory, period, consultant_id, message, digest)
                proposed, held = held, []
                recipient = digest.reader.email
            else:
                message, proposed = found
                reader = self._reader(consultant_id)
                if reader is None:
                    self._unreserve(week, consultant_id, proposed)
                    finish(
                        self.factory,
                        period,
                        consultant_id,
                        SKIPPED,
                        error="unsubscribed or paused after an attempt that may have been sent",
                        prepared=None,
                    )
                    return SKIPPED
                recipient = reader.email
            self.mailer.send(message, [recipient])
        except TransientMailError as exc:
            self._unreserve(week, consultant_id, held)
            release(self.factory, period, consultant_id, error=str(exc))
            raise RetryLaterError(str(exc)) from exc
        except (PermanentMailError, ToneError, UnrenderableDigestError) as exc:
            # Final for this period: a refused address, words the guard blocks, a digest that
            # cannot be written. Marked failed with its reason, never left `sending`.
            self._unreserve(week, consultant_id, held + proposed)
            log.error("digest %s for %s not sent, for good: %s", period, consultant_id, exc)
            finish(
                self.factory, period, consultant_id, FAILED, error=str(exc)[:2000], prepared=None
            )
            return FAILED
        except BaseException:
            self._unreserve(week, consultant_id, held)
            raise
        return self._sent(period, consultant_id, message)

    def _reserve_and_write(
        self,
        period: str,
        consultant_id: str,
        week: str,
        candidates: list[RevivalCandidate],
        held: list[str],
        previous_variant: int | None,
    ) -> tuple[Digest, EmailMessage] | str:
        """Return the digest and its message, or the final state when there is none to send."""
        reader = self._reader(consultant_id)
        if reader is None:
            finish(
                self.factory,
                period,
                consultant_id,
                SKIPPED,
                error="unsubscribed, paused or unknown",
            )
            return SKIPPED
        candidates = self._not_erased(candidates)
        reserved = self._reserve(week, reader.id, candidates, held)
        digest = self._compose(reader, period, reserved, previous_variant)
        proposed = {s.other_id for s in digest.suggestions}
        self._unreserve(week, reader.id, [p for p in held if p not in proposed])
        held[:] = sorted(proposed)
        if digest.is_empty():
            finish(self.factory, period, consultant_id, EMPTY)
            return EMPTY
        try:
            message = build_email(
                digest,
                texts(digest.reader.locale),
                signer=self.signer,
                public_url=self.public_url,
                preferences_url=self.preferences_url,
                mail_from=self.mail_from,
                reply_to=self.reply_to,
            )
        except (ValueError, TypeError) as exc:  # e.g. a header value with a line break
            raise UnrenderableDigestError(f"cannot write the e-mail: {exc}") from exc
        return digest, message

    def _sent(self, period: str, consultant_id: str, message: EmailMessage) -> str:
        """Record a sent digest (its reservations stay) and publish digest.sent, in one
        transaction: the event goes out just before the row commits as sent. What it
        proposed was written with the prepared message (`prepare`)."""
        unpublished: RetryLaterError | None = None
        with unit_of_work(self.factory) as session:
            row = session.get(DigestRow, (period, consultant_id))
            assert row is not None
            row.state = SENT
            row.sent_at = datetime.now(UTC)
            row.error = None
            row.message_id = str(message["Message-ID"]).strip()
            row.prepared = None
            suggested = [s["consultant_id"] for s in json.loads(row.suggestions or "[]")]
            try:
                self._publish(row)
            except RetryLaterError as exc:
                unpublished = exc  # the row commits as sent all the same; a retry publishes
        log.info(
            "digest sent",
            extra={"period": period, "consultant_id": consultant_id, "suggested": suggested},
        )
        if unpublished is not None:
            raise unpublished
        return SENT

    def _publish(self, row: DigestRow) -> None:
        """Publish digest.sent for a sent row (at-least-once; same event id every time)."""
        event = digest_sent(row)
        try:
            self.events.publish_many([(str(event.id), dump_event(event))])
        except (RedisError, OSError) as exc:
            raise RetryLaterError(f"digest sent, event not yet published: {exc}") from exc
        row.event_published = True
