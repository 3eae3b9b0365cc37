"""The event contract: one envelope, typed payloads, one adapter that parses any event.

Events are facts, named in the past tense, immutable. A breaking change to a payload is a
new `version` of its type; an older version is read as the latest (`upcast`, see
`braise_shared.versions`), so consumers handle one class per type; a consumer that meets a
(type, version) it does not know sends the entry to the dead-letter stream instead of crashing.
"""

import uuid
from datetime import UTC, date, datetime
from typing import Literal, get_args

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from braise_shared.locales import DEFAULT_LOCALE, Locale
from braise_shared.tags import Tag as AffinityTag
from braise_shared.text import MultiLine, SingleLine

# Re-exported: profiles, the graph and the shared models read them from here.
from braise_shared.utc import EARLIEST as EARLIEST
from braise_shared.utc import UtcDateTime as UtcDateTime
from braise_shared.versions import reading_union

Frequency = Literal["weekly", "biweekly", "monthly", "paused"]
DayOfWeek = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Payload(BaseModel):
    """Base of every event payload: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ConsultantProfile(Payload):
    """What the firm knows of a consultant, as of one revision."""

    consultant_id: uuid.UUID = Field(description="The consultant's id.")
    revision: int = Field(
        ge=1,
        description="Grows by one at each change of the consultant: apply a profile only if "
        "its revision is above the one you hold.",
    )
    display_name: SingleLine = Field(
        min_length=1, max_length=120, description="Name shown to others."
    )
    email: SingleLine = Field(description="Where digests go (lower case).")
    city: SingleLine | None = Field(None, description="City the consultant works from.")
    locale: Locale = Field(DEFAULT_LOCALE, description="Language of their digests.")
    skills: list[AffinityTag] = Field([], description="Skills: `key` matches, `label` is shown.")
    sectors: list[AffinityTag] = Field([], description="Sectors, as skills.")
    interests: list[AffinityTag] = Field([], description="Interests, as skills.")
    suggestable: bool = Field(True, description="May be suggested to other consultants.")
    frequency: Frequency = Field("weekly", description="How often they want a digest.")
    day_of_week: DayOfWeek = Field("monday", description="Day their digest goes out.")
    joined_at: UtcDateTime = Field(description="When they joined the firm.")


class ConsultantErased(Payload):
    """The consultant asked to be forgotten: every store removes them."""

    consultant_id: uuid.UUID = Field(description="Who to forget, everywhere.")


class PreferencesChanged(Payload):
    """A consultant's digest preferences and consent, as of one revision."""

    consultant_id: uuid.UUID = Field(description="Whose preferences.")
    revision: int = Field(
        ge=1, description="The consultant's revision after this change (shared with profiles)."
    )
    frequency: Frequency = Field(description="How often they want a digest; `paused`: never.")
    day_of_week: DayOfWeek = Field(description="Day their digest goes out.")
    locale: Locale = Field(description="Language of their digests.")
    suggestable: bool = Field(description="May be suggested to other consultants.")


class PreferencesWithResume(PreferencesChanged):
    """A consultant's digest preferences and consent, and the day a pause of theirs ends."""

    resume_on: date | None = Field(
        description="No digest before this day (the firm's calendar); from it, `frequency` "
        "applies again by itself. Null: no pause of a set length."
    )


class InteractionRecorded(Payload):
    """Two or more consultants did something together."""

    interaction_id: uuid.UUID = Field(description="The interaction's id.")
    kind: SingleLine = Field(
        min_length=1, description="One of the configured kinds (`interaction_kinds.toml`)."
    )
    participants: list[uuid.UUID] = Field(
        min_length=2, description="Two or more distinct consultants; a group for an event."
    )
    occurred_at: UtcDateTime = Field(description="When it happened (never in the future).")
    initiator: uuid.UUID | None = Field(None, description="Who reached out, if known.")
    note: MultiLine | None = Field(
        None, description="Free text, e.g. the mission's name (line feeds and tabs allowed)."
    )

    @field_validator("participants")
    @classmethod
    def _participants_are_distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("participants must be distinct")
        return value

    @model_validator(mode="after")
    def _initiator_takes_part(self) -> "InteractionRecorded":
        if self.initiator is not None and self.initiator not in self.participants:
            raise ValueError("initiator must be one of the participants")
        return self


class SuggestedLink(Payload):
    """One person a digest proposed to its reader."""

    consultant_id: uuid.UUID = Field(description="The person proposed.")
    stage: Literal["dormant", "cooling"] = Field(description="The link's stage when proposed.")
    gesture: SingleLine = Field(description="The kind of give-first gesture proposed.")


class DigestSent(Payload):
    """A digest went out: who received it, for which period, proposing whom."""

    consultant_id: uuid.UUID = Field(description="Who received the digest.")
    period: SingleLine = Field(min_length=1, description="The digest period, e.g. `2026-W48`.")
    suggestions: list[SuggestedLink] = Field(min_length=1, description="Who it proposed.")


class SuggestionFeedback(Payload):
    """A reader clicked a link of their digest about one suggested person."""

    consultant_id: uuid.UUID = Field(description="The digest's reader.")
    other_id: uuid.UUID = Field(description="The person the suggestion was about.")
    action: Literal["done", "not_now", "never"] = Field(
        description="`done`: they reached out (counts as an interaction); `not_now`: ask "
        "again later; `never`: do not suggest this person to them again."
    )
    period: SingleLine = Field(min_length=1, description="The digest period it came from.")


class SuggestionFeedbackWithUndo(Payload):
    """A reader acted on a suggested person: from a digest's link or from their pages."""

    consultant_id: uuid.UUID = Field(description="The reader.")
    other_id: uuid.UUID = Field(description="The person the suggestion was about.")
    action: Literal["done", "not_now", "never", "undo_never"] = Field(
        description="`done`: they reached out (counts as an interaction); `not_now`: ask "
        "again later; `never`: do not suggest this person to them again; `undo_never`: "
        "they may be suggested again (a later `never` wins over an earlier undo, and back)."
    )
    period: SingleLine = Field(
        min_length=1,
        description="The digest period it came from, or the week it was given on a page.",
    )


class OccasionScheduled(Payload):
    """An occasion of the firm (a breakfast, an afterwork, a training), as its calendar says.

    Only the firm's own events calendar produces occasions; a consultant's private calendar
    never does (its meetings become interactions, without title or place).
    """

    occasion_id: uuid.UUID = Field(
        description="Stable id of one occurrence: the same calendar event (UID, and "
        "RECURRENCE-ID for one occurrence of a series) always has the same id."
    )
    revision: int = Field(
        ge=1,
        description="Grows by one at each change of the occasion: apply it only if its "
        "revision is above the one you hold.",
    )
    title: SingleLine = Field(min_length=1, max_length=200, description="Its title, as entered.")
    starts_at: UtcDateTime = Field(description="When it starts.")
    ends_at: UtcDateTime = Field(description="When it ends (after it starts).")
    place: SingleLine | None = Field(
        None, max_length=300, description="Where: the venue or address, as entered."
    )
    city: SingleLine | None = Field(
        None, max_length=120, description="The city it takes place in; null when online."
    )
    online: bool = Field(False, description="Held online (a video call), anyone may attend.")
    all_day: bool = Field(
        False,
        description="It takes whole days: `starts_at` and `ends_at` are midnights in the firm's "
        "time zone, and no hour is ever said of it.",
    )
    attendees: list[uuid.UUID] = Field(
        [],
        description="The consultants who accepted (registered). Invitees who have not answered, "
        "or answered maybe, are not listed; people who are not consultants never are.",
    )
    declined: list[uuid.UUID] = Field(
        [],
        description="The consultants invited who declined: a digest never invites them to it.",
    )

    @field_validator("attendees", "declined")
    @classmethod
    def _people_are_distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("attendees and declined must each be distinct")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> "OccasionScheduled":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if set(self.attendees) & set(self.declined):
            raise ValueError("no one both attends and declined")
        return self


class OccasionWithdrawn(Payload):
    """An occasion was cancelled or removed from the firm's calendar."""

    occasion_id: uuid.UUID = Field(description="The occasion's id.")
    revision: int = Field(ge=1, description="As for `occasion.scheduled`: the occasion's last.")


class Envelope(BaseModel):
    """The fields every event carries around its payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: UtcDateTime
    recorded_at: UtcDateTime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str = Field(min_length=1)


class ConsultantRegisteredV1(Envelope):
    """`consultant.registered` v1: a consultant joined the firm."""

    type: Literal["consultant.registered"] = "consultant.registered"
    version: Literal[1] = 1
    data: ConsultantProfile


class ConsultantUpdatedV1(Envelope):
    """`consultant.updated` v1: the consultant's profile changed; data is the new profile."""

    type: Literal["consultant.updated"] = "consultant.updated"
    version: Literal[1] = 1
    data: ConsultantProfile


class ConsultantErasedV1(Envelope):
    """`consultant.erased` v1: the consultant was erased (GDPR)."""

    type: Literal["consultant.erased"] = "consultant.erased"
    version: Literal[1] = 1
    data: ConsultantErased


class PreferencesChangedV2(Envelope):
    """`preferences.changed` v2: digest preferences, consent or a pause's end changed."""

    type: Literal["preferences.changed"] = "preferences.changed"
    version: Literal[2] = 2
    data: PreferencesWithResume


class InteractionRecordedV1(Envelope):
    """`interaction.recorded` v1: an interaction between consultants was recorded."""

    type: Literal["interaction.recorded"] = "interaction.recorded"
    version: Literal[1] = 1
    data: InteractionRecorded


class DigestSentV1(Envelope):
    """`digest.sent` v1: a digest was sent; the fatigue rule counts its suggestions."""

    type: Literal["digest.sent"] = "digest.sent"
    version: Literal[1] = 1
    data: DigestSent


class SuggestionFeedbackV2(Envelope):
    """`suggestion.feedback` v2: a reader acted on a suggestion (v1's actions, and undo never)."""

    type: Literal["suggestion.feedback"] = "suggestion.feedback"
    version: Literal[2] = 2
    data: SuggestionFeedbackWithUndo


class OccasionScheduledV1(Envelope):
    """`occasion.scheduled` v1: an occasion of the firm was scheduled, moved or changed."""

    type: Literal["occasion.scheduled"] = "occasion.scheduled"
    version: Literal[1] = 1
    data: OccasionScheduled


class OccasionWithdrawnV1(Envelope):
    """`occasion.withdrawn` v1: an occasion of the firm was cancelled or removed."""

    type: Literal["occasion.withdrawn"] = "occasion.withdrawn"
    version: Literal[1] = 1
    data: OccasionWithdrawn


_ENVELOPE = set(Envelope.model_fields)


class PreferencesChangedV1(Envelope):
    """`preferences.changed` v1: digest preferences or consent changed."""

    type: Literal["preferences.changed"] = "preferences.changed"
    version: Literal[1] = 1
    data: PreferencesChanged

    def upcast(self) -> PreferencesChangedV2:
        """Read as v2, `resume_on` null: v1 knew no pause of a set length."""
        data = PreferencesWithResume(**self.data.model_dump(), resume_on=None)
        return PreferencesChangedV2(**self.model_dump(include=_ENVELOPE), data=data)


class SuggestionFeedbackV1(Envelope):
    """`suggestion.feedback` v1: a reader acted on a suggestion (done, not now, never)."""

    type: Literal["suggestion.feedback"] = "suggestion.feedback"
    version: Literal[1] = 1
    data: SuggestionFeedback

    def upcast(self) -> SuggestionFeedbackV2:
        """Read as v2: the same fields, v1's actions being a subset of v2's."""
        data = SuggestionFeedbackWithUndo(**self.data.model_dump())
        return SuggestionFeedbackV2(**self.model_dump(include=_ENVELOPE), data=data)


# What consumers handle: the latest version of each type, one class each.
Event = (
    ConsultantRegisteredV1
    | ConsultantUpdatedV1
    | ConsultantErasedV1
    | PreferencesChangedV2
    | InteractionRecordedV1
    | DigestSentV1
    | SuggestionFeedbackV2
    | OccasionScheduledV1
    | OccasionWithdrawnV1
)
EVENT_MODELS: tuple[type[Envelope], ...] = get_args(Event)

# Older versions still read from the stream, each lifted to its next version by `upcast` (as
# eventsourcing's upcasting does) until it is the latest: a consumer never meets them.
SUPERSEDED: tuple[type[PreferencesChangedV1 | SuggestionFeedbackV1], ...] = (
    PreferencesChangedV1,
    SuggestionFeedbackV1,
)


# The one adapter that parses any event on the wire, answering its latest version.
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(reading_union(EVENT_MODELS, SUPERSEDED))


class EventParseError(ValueError):
    """Bytes that are not a valid event of a known type and version."""


def parse_event(raw: bytes | str) -> Event:
    """Parse one event from its JSON form, or raise EventParseError saying why."""
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValueError as exc:
        raise EventParseError(str(exc)) from exc


def dump_event(event: Envelope) -> bytes:
    """Serialise an event to its JSON wire form."""
    return orjson.dumps(event.model_dump(mode="json"))
