"""What the interaction routes accept and return."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from braise_profiles.fields import BulkIn, PastTime, Strict, strict_with_example
from braise_shared.interactions import UnknownKindError, load_kinds

MAX_PARTICIPANTS = 500


class InteractionIn(Strict):
    """An interaction to record."""

    model_config = strict_with_example(
        {
            "kind": "lunch",
            "participants": [
                "3f1c2a8e-8a8e-4d0b-9d8b-0c3f1f2a4b5c",
                "7b9d4e21-5c6f-4a3b-8e1d-2f3a4b5c6d7e",
            ],
            "occurred_at": "2026-03-12T12:30:00+01:00",
            "initiator": "3f1c2a8e-8a8e-4d0b-9d8b-0c3f1f2a4b5c",
            "note": "Déjeuner après la mission Enedis",
        }
    )

    kind: str
    participants: list[uuid.UUID] = Field(min_length=2, max_length=MAX_PARTICIPANTS)
    occurred_at: PastTime
    initiator: uuid.UUID | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None

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
