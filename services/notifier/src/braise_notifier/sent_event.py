"""The `digest.sent` event of a ledger row that the SMTP server accepted."""

import json
import uuid
from datetime import UTC, datetime

from braise_notifier.db import DigestRow
from braise_shared.events import DigestSent, DigestSentV1, SuggestedLink

# Digest event ids derive from (period, consultant), so re-publishing one is harmless.
DIGEST_EVENTS = uuid.UUID("6f1d0c57-2a43-4d4e-9a51-0b8f2a1c9e11")


def digest_sent(row: DigestRow) -> DigestSentV1:
    """Return the event of a sent row: the same id every time it is published."""
    # The ledger keeps the reasons too (the closed loop counts by reason); the event does not.
    suggestions = [
        SuggestedLink.model_validate({k: s[k] for k in SuggestedLink.model_fields})
        for s in json.loads(row.suggestions or "[]")
    ]
    return DigestSentV1(
        id=uuid.uuid5(DIGEST_EVENTS, f"{row.period}:{row.consultant_id}"),
        occurred_at=row.sent_at or datetime.now(UTC),
        producer="notifier",
        data=DigestSent(
            consultant_id=uuid.UUID(row.consultant_id),
            period=row.period,
            suggestions=suggestions,
        ),
    )
