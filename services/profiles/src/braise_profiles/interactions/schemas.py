"""What the interaction routes accept and return."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from braise_profiles.fields import BulkIn, Note, PastTime, Strict, strict_with_example
from braise_shared.interactions import UnknownKindError, load_kinds
from braise_shared.text import SingleLine

MAX_PARTICIPANTS = 500
# Placeholders in the documentation's examples: put the ids of registered consultants there.
EXAMPLE_ME = "00000000-0000-4000-8000-00000000000a"
EXAMPLE_OTHER = "00000000-0000-4000-8000-00000000000b"


class InteractionIn(Strict):
    """An interaction to record."""

    model_config = strict_with_example(
        {
            "kind": "lunch",
            "participants": [EXAMPLE_ME, EXAMPLE_OTHER],
            "occurred_at": "2026-03-12T12:30:00+01:00",
            "initiator": EXAMPLE_ME,
            "note": "Déjeuner après la mission Enedis",
        }
    )

    kind: SingleLine = Field(description="One of the configured kinds, e.g. `lunch`.")
    participants: list[uuid.UUID] = Field(
        min_length=2,
        max_length=MAX_PARTICIPANTS,
        description="Ids of registered consultants, distinct. A consultant token records a "
        "pair: its own id and one other.",
    )
    occurred_at: PastTime
    initiator: uuid.UUID | None = Field(
        None, description="Who reached out, one of the participants; a consultant token: itself."
    )
    note: Note | None = Field(None, description="Free text; line feeds and tabs are kept.")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        try:
            load_kinds().get(value)
        except UnknownKindError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("participants")
    @classmethod
    def _distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("participants must be distinct")
        return value

    @field_validator("initiator")
    @classmethod
    def _initiator_takes_part(
        cls, value: uuid.UUID | None, info: ValidationInfo
    ) -> uuid.UUID | None:
        participants = info.data.get("participants")
        if value is not None and participants is not None and value not in participants:
            raise ValueError("must be one of the participants")
        return value


class InteractionOut(BaseModel):
    """A recorded interaction."""

    id: uuid.UUID
    kind: str
    participants: list[uuid.UUID]
    occurred_at: datetime
    initiator: uuid.UUID | None
    note: str | None
    recorded_at: datetime


class BulkInteractionsIn(BulkIn[InteractionIn]):
    """Interactions to record together: all of them, or none."""
