"""Send one digest: the ledger makes each (period, consultant) happen once."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.db import EMPTY, FAILED, SENT, SKIPPED, DigestRow, unit_of_work
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.guard import ToneError
from braise_notifier.ledger import (
    Claimed,
    Key,
    claim,
    finish,
    mark_published,
    mark_sent,
    release,
    renew,
)
from braise_notifier.mailer import PermanentMailError, TransientMailError
from braise_notifier.ports import CandidateSource, EventSink, MailSender, ProposalReservations
from braise_notifier.prepared import Outgoing, parse, prepare, prepared
from braise_notifier.readers import BatchReads, previous_variants, read_batch
from braise_notifier.render import UnrenderableDigestError, digest_email
from braise_notifier.schedule import local_today
from braise_notifier.sent_event import digest_sent
from braise_notifier.spread import reserve_best
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import MAX_PER_STAGE, FailedReader, RevivalCandidate
from braise_shared.events import dump_event
from braise_shared.interactions import InteractionKinds
from braise_shared.periods import week_period
from braise_shared.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

__all__ = ["DigestService", "Key", "RetryLaterError", "UnrenderableDigestError"]


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
        """Send the digests of these (period, consultant) rows; return each one's ledger
        state, or the RetryLaterError it should be retried with.

        In order: the rows are read, their readers' candidates asked of the graph in one
        request, and the rows still to send claimed in one transaction (a conditional UPDATE:
        two workers given the same row never both send it). Each digest is then composed
        and its message written; the messages are written to their rows in one transaction
        (write-ahead) before the first goes to SMTP; each sent message makes its row final
        in a commit of its own; last, the batch's digest.sent events go out together. Raise
        RetryLaterError, having claimed nothing, when the graph cannot answer; a reader the
        graph could not answer for alone (`FailedReader`) is that row's RetryLaterError.
        """
        outcomes: dict[Key, str | RetryLaterError] = {}
        due = self._due(keys, outcomes)
        if not due:
            return outcomes
        candidates = self._candidates_of_many([cid for (_, cid), _ in due], spare=self.spare)
        previous = previous_variants(self.factory, [cid for (_, cid), _ in due])
        claimed = self._claim([key for key, _ in due], datetime.now(UTC))
        reads = read_batch(
            self.factory,
            [key[1] for key, _ in due if key in claimed],
            {
                c.other_id
                for answer in candidates.values()
                if not isinstance(answer, FailedReader)
                for c in answer
            },
            today=local_today(datetime.now(UTC), self.timezone),
        )
        outgoing: list[Outgoing] = []
        try:
            for key, week in due:
                if key not in claimed:
                    outcomes[key] = "busy"
                    continue
                written = self._outgoing(
                    key, week, claimed[key], candidates[key[1]], reads, previous
                )
                if isinstance(written, Outgoing):
                    outgoing.append(written)
                else:
                    outcomes[key] = written
            prepare(self.factory, [o.prepared for o in outgoing if o.prepared is not None])
        except BaseException:
            for o in outgoing:
                if o.prepared is not None:
                    self._unreserve(o.week, o.key[1], list(o.proposed))
            raise
        sent = [row for o in outgoing if (row := self._deliver(o, outcomes)) is not None]
        self._publish_sent(sent, outcomes)
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
                            self._publish([row])
                        except RetryLaterError as exc:
                            outcomes[key] = exc
                        else:
                            row.event_published = True
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

    def _claim(self, keys: list[Key], now: datetime) -> dict[Key, Claimed]:
        return claim(self.factory, keys, now, self.lease)

    def compose_for(self, period: str, consultant_id: str) -> Digest | None:
        """Compose the digest of a consultant as it would be sent now, reserving nobody
        (a preview); None if they may not receive one."""
        today = local_today(datetime.now(UTC), self.timezone)
        if not read_batch(self.factory, [consultant_id], set(), today=today).readers[consultant_id]:
            return None
        candidates = self._candidates_of_many([consultant_id], spare=0)[consultant_id]
        if isinstance(candidates, FailedReader):
            raise RetryLaterError(f"graph could not rank this reader: {candidates.reason}")
        reads = read_batch(
            self.factory, [consultant_id], {c.other_id for c in candidates}, today=today
        )
        reader = reads.readers[consultant_id]
        if reader is None:
            return None
        previous = previous_variants(self.factory, [consultant_id]).get(consultant_id)
        kept = [c for c in candidates if c.other_id not in reads.erased]
        return self._compose(reader, period, kept, previous, reads.addresses)

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

    def _compose(
        self,
        reader: Reader,
        period: str,
        candidates: list[RevivalCandidate],
        previous_variant: int | None,
        addresses: Mapping[str, str],
    ) -> Digest:
        return compose(
            reader,
            period,
            candidates,
            texts=texts(reader.locale),
            kinds=self.kinds,
            taxonomy=self.taxonomy,
            previous_variant=previous_variant,
            addresses=addresses,
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

    def _outgoing(
        self,
        key: Key,
        week: str,
        claimed: Claimed,
        answer: list[RevivalCandidate] | FailedReader,
        reads: BatchReads,
        previous: dict[str, int],
    ) -> Outgoing | str | RetryLaterError:
        """Return the message of a claimed row to send, or the row's outcome when there is
        none to send: a final state (written), or the RetryLaterError it is given back with.

        A message an earlier attempt prepared goes again as it was, whatever the graph says
        now; a new one reserves its people under the spread cap, and they stay reserved
        unless the row ends without it."""
        period, consultant_id = key
        reader = reads.readers.get(consultant_id)
        if claimed.prepared is not None:
            if reader is None:
                self._unreserve(week, consultant_id, claimed.proposed())
                why = "unsubscribed or paused after an attempt that may have been sent"
                finish(self.factory, period, consultant_id, SKIPPED, error=why, prepared=None)
                return SKIPPED
            message = parse(claimed.prepared)
            return Outgoing(key, week, claimed, message, reader.email, claimed.proposed(), None)
        if isinstance(answer, FailedReader):
            # The graph answered the others: this row alone is retried like a transient
            # failure, its attempt counted and the reason kept, until `max_attempts` marks it
            # failed (the graph's data may be mended by then).
            error = f"graph could not rank this reader: {answer.reason}"
            release(self.factory, period, consultant_id, error=error)
            return RetryLaterError(error)
        if reader is None:
            error = "unsubscribed, paused or unknown"
            finish(self.factory, period, consultant_id, SKIPPED, error=error)
            return SKIPPED
        held: list[str] = []  # people reserved for this digest, given back unless it goes
        try:
            candidates = [c for c in answer if c.other_id not in reads.erased]
            reserved = self._reserve(week, reader.id, candidates, held)
            digest = self._compose(
                reader, period, reserved, previous.get(consultant_id), reads.addresses
            )
            proposed = {s.other_id for s in digest.suggestions}
            self._unreserve(week, reader.id, [p for p in held if p not in proposed])
            held[:] = sorted(proposed)
            if digest.is_empty():
                finish(self.factory, period, consultant_id, EMPTY)
                return EMPTY
            message = digest_email(
                digest,
                texts(digest.reader.locale),
                signer=self.signer,
                public_url=self.public_url,
                preferences_url=self.preferences_url,
                mail_from=self.mail_from,
                reply_to=self.reply_to,
            )
        except RetryLaterError as exc:
            self._unreserve(week, consultant_id, held)
            release(self.factory, period, consultant_id)
            return exc
        except (ToneError, UnrenderableDigestError) as exc:
            self._unreserve(week, consultant_id, held)
            return self._failed(key, exc)
        except BaseException:
            self._unreserve(week, consultant_id, held)
            raise
        return Outgoing(
            key, week, claimed, message, reader.email, held, prepared(key, message, digest)
        )

    def _failed(self, key: Key, exc: Exception) -> str:
        """Final for this period: a refused address, words the guard blocks, a digest that
        cannot be written. Marked failed with its reason, never left `sending`."""
        log.error("digest %s for %s not sent, for good: %s", key[0], key[1], exc)
        finish(self.factory, key[0], key[1], FAILED, error=str(exc)[:2000], prepared=None)
        return FAILED

    def _deliver(self, o: Outgoing, outcomes: dict[Key, str | RetryLaterError]) -> DigestRow | None:
        """Give one message to SMTP and, once accepted, make its row final (a commit of its
        own); put the row's outcome in outcomes and return the sent row, or None."""
        period, consultant_id = o.key
        now = datetime.now(UTC)
        if now - o.claimed.claimed_at > self.lease / 2 and not renew(
            self.factory, o.key, o.claimed.claimed_at, now
        ):
            outcomes[o.key] = "busy"  # the batch outlived half the lease and lost the row
            return None
        try:
            self.mailer.send(o.message, [o.recipient], raw=o.raw)
        except TransientMailError as exc:
            release(self.factory, period, consultant_id, error=str(exc))
            outcomes[o.key] = RetryLaterError(str(exc))
            return None
        except PermanentMailError as exc:
            self._unreserve(o.week, consultant_id, list(o.proposed))
            outcomes[o.key] = self._failed(o.key, exc)
            return None
        sent_at = datetime.now(UTC)
        mark_sent(self.factory, o.key, str(o.message["Message-ID"]).strip(), sent_at)
        log.info(
            "digest sent",
            extra={"period": period, "consultant_id": consultant_id, "suggested": o.proposed},
        )
        outcomes[o.key] = SENT
        suggestions = o.prepared.suggestions if o.prepared else o.claimed.suggestions
        return DigestRow(
            period=period, consultant_id=consultant_id, sent_at=sent_at, suggestions=suggestions
        )

    def _publish_sent(
        self, sent: list[DigestRow], outcomes: dict[Key, str | RetryLaterError]
    ) -> None:
        """Publish the digest.sent of the batch's sent rows together, then note it. If the
        stream is away, the rows stay sent and unpublished: a retry of each publishes it
        (the task retries those, and planning enqueues any left so)."""
        if not sent:
            return
        try:
            self._publish(sent)
        except RetryLaterError as exc:
            for row in sent:
                outcomes[row.period, row.consultant_id] = exc
            return
        mark_published(self.factory, [(row.period, row.consultant_id) for row in sent])

    def _publish(self, rows: list[DigestRow]) -> None:
        """Publish digest.sent for sent rows (at-least-once; the same event id every time)."""
        events = [digest_sent(row) for row in rows]
        try:
            self.events.publish_many([(str(e.id), dump_event(e)) for e in events])
        except (RedisError, OSError) as exc:
            raise RetryLaterError(f"digest sent, event not yet published: {exc}") from exc
