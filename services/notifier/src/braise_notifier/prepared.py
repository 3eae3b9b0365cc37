"""A digest's message, written to its ledger row before SMTP is given it (write-ahead).

The row becomes final only once the server accepted the message. An attempt cut short after
the message left (a worker killed between the server's 250 and the ledger's commit) leaves the
row `sending` with its message prepared; the attempt that retakes it sends that same message
again (same Message-ID, same people), and never composes another digest, or none: the ledger
cannot say `empty` for a digest that was delivered. The cost is the duplicate the retake may
deliver, which providers that honour Message-ID fold into one.
"""

import json
from email import message_from_bytes
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.compose import Digest
from braise_notifier.db import DigestRow, unit_of_work
from braise_notifier.mailer import MAIL_POLICY


def prepare(
    factory: sessionmaker[Session],
    period: str,
    consultant_id: str,
    message: EmailMessage,
    digest: Digest,
) -> None:
    """Write the message, what it proposes and its opening to the row, before sending it."""
    suggestions = [
        {
            "consultant_id": s.other_id,
            "stage": s.stage,
            "gesture": s.gesture_kind,
            "reasons": list(s.reason_codes),
        }
        for s in digest.suggestions
    ]
    with unit_of_work(factory) as session:
        row = session.get(DigestRow, (period, consultant_id))
        assert row is not None
        row.prepared = message.as_bytes(policy=MAIL_POLICY)
        row.message_id = str(message["Message-ID"]).strip()
        row.suggestions = json.dumps(suggestions)
        row.variant = digest.variant


def is_prepared(factory: sessionmaker[Session], period: str, consultant_id: str) -> bool:
    """Tell whether an earlier attempt wrote this row's message."""
    with factory() as session:
        row = session.get(DigestRow, (period, consultant_id))
        return row is not None and row.prepared is not None


def prepared_message(
    factory: sessionmaker[Session], period: str, consultant_id: str
) -> tuple[EmailMessage, list[str]] | None:
    """Return the message an earlier attempt prepared for this row and the people it
    proposes, or None."""
    with factory() as session:
        row = session.get(DigestRow, (period, consultant_id))
        if row is None or row.prepared is None:
            return None
        raw, suggestions = row.prepared, row.suggestions
    message = message_from_bytes(raw, _class=EmailMessage, policy=MAIL_POLICY)
    assert isinstance(message, EmailMessage)
    return message, [s["consultant_id"] for s in json.loads(suggestions or "[]")]
