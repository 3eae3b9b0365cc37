"""A digest's message, written to its ledger row before SMTP is given it (write-ahead).

The row becomes final only once the server accepted the message. An attempt cut short after
the message left (a worker killed between the server's 250 and the ledger's commit) leaves the
row `sending` with its message prepared; the attempt that retakes it sends that same message
again (same Message-ID, same people), and never composes another digest, or none: the ledger
cannot say `empty` for a digest that was delivered. The cost is the duplicate the retake may
deliver, which providers that honour Message-ID fold into one.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.compose import Digest
from braise_notifier.db import DigestRow, unit_of_work
from braise_notifier.ledger import Claimed, Key
from braise_notifier.mailer import MAIL_POLICY


@dataclass(frozen=True)
class Prepared:
    """What the ledger keeps of a message about to be sent: the message as bytes, its id,
    the people it proposes (JSON, with their stage, gesture and reasons) and its opening."""

    key: Key
    raw: bytes
    message_id: str
    suggestions: str
    variant: int


@dataclass(frozen=True)
class Outgoing:
    """A claimed row's message, ready to go: to whom, the people it proposes (reserved), and
    what the ledger writes of it first (None: an earlier attempt wrote it already)."""

    key: Key
    week: str
    claimed: Claimed
    message: EmailMessage
    recipient: str
    proposed: list[str]
    prepared: Prepared | None

    @property
    def raw(self) -> bytes:
        """The message as the ledger keeps it, which goes to SMTP as it is."""
        raw = self.prepared.raw if self.prepared is not None else self.claimed.prepared
        assert raw is not None
        return raw


def prepared(key: Key, message: EmailMessage, digest: Digest) -> Prepared:
    """Return what the ledger keeps of this message and the digest it says."""
    suggestions = [
        {
            "consultant_id": s.other_id,
            "stage": s.stage,
            "gesture": s.gesture_kind,
            "reasons": list(s.reason_codes),
        }
        for s in digest.suggestions
    ]
    return Prepared(
        key=key,
        raw=message.as_bytes(policy=MAIL_POLICY),
        message_id=str(message["Message-ID"]).strip(),
        suggestions=json.dumps(suggestions),
        variant=digest.variant,
    )


def prepare(factory: sessionmaker[Session], messages: Sequence[Prepared]) -> None:
    """Write these messages to their rows, in one transaction, before any of them is sent."""
    if not messages:
        return
    with unit_of_work(factory) as session:
        for m in messages:
            session.execute(
                update(DigestRow)
                .where(DigestRow.period == m.key[0], DigestRow.consultant_id == m.key[1])
                .values(
                    prepared=m.raw,
                    message_id=m.message_id,
                    suggestions=m.suggestions,
                    variant=m.variant,
                )
                .execution_options(synchronize_session=False)
            )


def parse(raw: bytes) -> EmailMessage:
    """Return the message an earlier attempt prepared, as it was written."""
    message = message_from_bytes(raw, _class=EmailMessage, policy=MAIL_POLICY)
    assert isinstance(message, EmailMessage)
    return message
