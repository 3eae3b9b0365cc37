"""What the HTTP API accepts and returns."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from braise_shared.events import DayOfWeek, Frequency, Locale, UtcDateTime
from braise_shared.interactions import UnknownKindError, load_kinds
from braise_shared.tags import MAX_TAG_LENGTH, InvalidTagError, Tag, make_tag

# Clocks disagree a little; an interaction a few minutes "ahead" is not in the future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_TAGS = 50
MAX_PARTICIPANTS = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _valid_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


def _valid_tag(value: str) -> str:
    try:
        make_tag(value)
    except InvalidTagError as exc:
        raise ValueError(str(exc)) from exc
    return value


def _not_in_future(value: datetime) -> datetime:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_valid_email)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
TagText = Annotated[
    str, StringConstraints(max_length=MAX_TAG_LENGTH * 2), AfterValidator(_valid_tag)
]
TagList = Annotated[list[TagText], Field(max_length=MAX_TAGS)]
PastTime = Annotated[UtcDateTime, AfterValidator(_not_in_future)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class PreferencesIn(Strict):
    """Digest preferences and consent; fields left out keep their value."""

    frequency: Frequency | None = None
    day_of_week: DayOfWeek | None = None
    locale: Locale | None = None
    suggestable: bool | None = Field(None, description="May be suggested to other consultants.")


class PreferencesOut(BaseModel):
    """A consultant's digest preferences and consent."""

    frequency: Frequency
    day_of_week: DayOfWeek
    locale: Locale
    suggestable: bool


class ConsultantIn(Strict):
    """A consultant to register."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "camille.martin@example.org",
                    "display_name": "Camille Martin",
                    "city": "Lyon",
                    "locale": "fr",
                    "skills": ["Data Science", "Python"],
                    "sectors": ["Énergie"],
                    "interests": ["Trail running"],
                }
            ]
        },
    )

    email: Email
    display_name: Name
    city: Name | None = None
    locale: Locale = "fr"
    skills: TagList = []
    sectors: TagList = []
    interests: TagList = []
    joined_at: PastTime | None = None
    frequency: Frequency = "weekly"
    day_of_week: DayOfWeek = "monday"
    suggestable: bool = True


class ConsultantPatch(Strict):
    """Changes to a consultant's profile; fields left out keep their value."""

    email: Email | None = None
    display_name: Name | None = None
    city: Name | None = None
    skills: TagList | None = None
    sectors: TagList | None = None
    interests: TagList | None = None


class ConsultantOut(BaseModel):
    """A consultant as the API returns them."""

    id: uuid.UUID
    email: str
    display_name: str
    city: str | None
    locale: Locale
    skills: list[Tag]
    sectors: list[Tag]
    interests: list[Tag]
    joined_at: datetime
    revision: int
    preferences: PreferencesOut


class ConsultantPage(BaseModel):
    """One page of consultants; pass next_cursor as `cursor` for the next."""

    items: list[ConsultantOut]
    next_cursor: uuid.UUID | None


class BulkConsultantsIn(Strict):
    """Consultants to register together: all of them, or none."""

    items: list[ConsultantIn] = Field(min_length=1)


class InteractionIn(Strict):
    """An interaction to record."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
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
            ]
        },
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


class BulkInteractionsIn(Strict):
    """Interactions to record together: all of them, or none."""

    items: list[InteractionIn] = Field(min_length=1)


class RejectedRow(BaseModel):
    """A CSV row that was not imported, and why."""

    line: int
    reason: str


class ImportReport(BaseModel):
    """The outcome of a CSV import: the valid rows went in, the others are listed."""

    accepted: int
    rejected: list[RejectedRow]
