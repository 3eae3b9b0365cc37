"""The field types request bodies share: e-mail, name, tags, a moment in the past; strict bodies.

Every text field is built on `braise_shared.text` (no control characters; a person's name
also no encoded word, bidi control or zero-width character); every e-mail on
`braise_shared.addresses` (one bare mailbox); every moment on
`braise_shared.events.UtcDateTime` (from 1970 on).
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from braise_shared.addresses import normalize_address
from braise_shared.events import UtcDateTime
from braise_shared.tags import MAX_TAG_LENGTH, InvalidTagError, make_tag
from braise_shared.text import LINES, ONE_LINE, PERSON_NAME

# Clocks disagree a little; an interaction a few minutes "ahead" is not in the future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_TAGS = 50
MAX_NOTE_LENGTH = 2000
# What the OpenAPI document shows: the rough shape of one bare mailbox (email-validator decides).
_NOT_IN_ADDRESS = r"@\s<>,;:\"()\[\]\\\x00-\x1f\x7f-\x9f"
_EMAIL_PATTERN = f"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\\.[^{_NOT_IN_ADDRESS}]+$"


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


# The text rule (ONE_LINE, LINES) comes last: it checks what was sent before anything else.
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(normalize_address),
    ONE_LINE,
    Field(json_schema_extra={"format": "email", "pattern": _EMAIL_PATTERN}),
]
# A person's name is written into mail headers (To, Subject): the strictest text rule.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    PERSON_NAME,
    Field(
        description="One line; no control, bidi or zero-width character, no '=?' or '?=' "
        "(an RFC 2047 encoded word would be decoded in mail headers)."
    ),
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), ONE_LINE
]
TagText = Annotated[
    str, StringConstraints(max_length=MAX_TAG_LENGTH * 2), AfterValidator(_valid_tag), ONE_LINE
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE_LENGTH), LINES]
TagList = Annotated[list[TagText], Field(max_length=MAX_TAGS)]
PastTime = Annotated[
    UtcDateTime,
    AfterValidator(_not_in_future),
    Field(description="From 1970-01-01T00:00:00Z up to now (5 minutes of clock skew allowed)."),
]


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


def strict_with_example(example: JsonDict) -> ConfigDict:
    """Return the configuration of a strict body whose documentation shows example."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


Item = TypeVar("Item", bound=BaseModel)


class BulkIn(Strict, Generic[Item]):
    """Items to record together: all of them, or none."""

    items: list[Item] = Field(min_length=1)
