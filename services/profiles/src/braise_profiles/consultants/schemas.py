"""What the consultant routes accept and return."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import cast

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from braise_profiles.fields import (
    BulkIn,
    Email,
    Name,
    PastTime,
    PersonName,
    Strict,
    TagList,
    strict_with_example,
)
from braise_profiles.preferences.schemas import PreferencesOut
from braise_shared.events import DayOfWeek, Frequency
from braise_shared.locales import DEFAULT_LOCALE, Locale
from braise_shared.tags import Tag


class ConsultantIn(Strict):
    """A consultant to register."""

    model_config = strict_with_example(
        {
            "email": "camille.martin@example.org",
            "display_name": "Camille Martin",
            "city": "Lyon",
            "locale": "fr",
            "skills": ["Data Science", "Python"],
            "sectors": ["Énergie"],
            "interests": ["Trail running"],
        }
    )

    email: Email
    display_name: PersonName
    city: Name | None = None
    locale: Locale = DEFAULT_LOCALE
    skills: TagList = Field([])
    sectors: TagList = Field([])
    interests: TagList = Field([])
    joined_at: PastTime | None = None
    frequency: Frequency = "weekly"
    day_of_week: DayOfWeek = "monday"
    suggestable: bool = True


def _never_null(*fields: str) -> Callable[[JsonDict], None]:
    """Show these fields as not nullable: they may be left out, but a null is refused."""

    def edit(schema: JsonDict) -> None:
        properties = cast(JsonDict, schema["properties"])
        for name in fields:
            field = cast(JsonDict, properties[name])
            [kept] = [s for s in cast(list[JsonDict], field.pop("anyOf")) if s != {"type": "null"}]
            field.update(kept)
            field.pop("default", None)

    return edit


class ConsultantPatch(Strict):
    """Changes to a consultant's profile; fields left out keep their value.

    `city` and the tag lists may be null (no city, no tags); `email` and `display_name` may
    be left out but never null: every consultant has both.
    """

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_never_null("email", "display_name")
    )

    email: Email | None = None
    display_name: PersonName | None = None
    city: Name | None = None
    skills: TagList | None = None
    sectors: TagList | None = None
    interests: TagList | None = None

    @field_validator("email", "display_name", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only on values sent: a field left out keeps its value, a null is refused.
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


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


class BulkConsultantsIn(BulkIn[ConsultantIn]):
    """Consultants to register together: all of them, or none."""
