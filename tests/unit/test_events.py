"""The event contract: one envelope, typed payloads, unknown versions refused."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from braise_shared.events import (
    EVENT_MODELS,
    ConsultantErased,
    ConsultantErasedV1,
    EventParseError,
    InteractionRecorded,
    InteractionRecordedV1,
    PreferencesChanged,
    PreferencesChangedV1,
    PreferencesChangedV2,
    SuggestionFeedback,
    SuggestionFeedbackV1,
    SuggestionFeedbackV2,
    dump_event,
    parse_event,
)

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))
WHEN = datetime(2026, 3, 12, 11, 30, tzinfo=UTC)


def _interaction(**overrides: object) -> InteractionRecordedV1:
    data = {
        "interaction_id": uuid.UUID(int=99),
        "kind": "lunch",
        "participants": [A, B],
        "occurred_at": WHEN,
        "initiator": A,
    } | overrides
    return InteractionRecordedV1(
        occurred_at=WHEN, producer="profiles", data=InteractionRecorded.model_validate(data)
    )


def test_event_survives_the_wire_unchanged() -> None:
    event = _interaction()
    assert parse_event(dump_event(event)) == event


def test_envelope_carries_the_documented_fields() -> None:
    event = _interaction()
    wire = orjson.loads(dump_event(event))
    assert set(wire) == {"id", "type", "version", "occurred_at", "recorded_at", "producer", "data"}
    assert wire["type"] == "interaction.recorded"
    assert wire["version"] == 1
    # The event's id, in the canonical form of a UUID (a UUID object is always true).
    assert wire["id"] == str(event.id) == str(uuid.UUID(wire["id"]))


def test_unknown_version_is_refused_with_a_reason() -> None:
    wire = orjson.loads(dump_event(_interaction()))
    wire["version"] = 2
    with pytest.raises(EventParseError, match="unknown event type or version"):
        parse_event(orjson.dumps(wire))


def test_unknown_type_is_refused() -> None:
    wire = orjson.loads(dump_event(_interaction()))
    wire["type"] = "interaction.forgotten"
    with pytest.raises(EventParseError, match="unknown event type or version"):
        parse_event(orjson.dumps(wire))


def test_unknown_field_is_refused() -> None:
    wire = orjson.loads(dump_event(_interaction()))
    wire["data"]["weight"] = 3
    with pytest.raises(EventParseError, match="weight"):
        parse_event(orjson.dumps(wire))


def test_not_json_is_refused() -> None:
    with pytest.raises(EventParseError):
        parse_event(b"{not json")


def test_events_are_frozen() -> None:
    event = ConsultantErasedV1(
        occurred_at=WHEN, producer="profiles", data=ConsultantErased(consultant_id=A)
    )
    with pytest.raises(ValidationError):
        event.producer = "someone else"  # type: ignore[misc]


def test_interaction_needs_two_distinct_participants() -> None:
    with pytest.raises(ValidationError, match="at least 2"):
        _interaction(participants=[A])
    with pytest.raises(ValidationError, match="distinct"):
        _interaction(participants=[A, A])


def test_initiator_must_take_part() -> None:
    with pytest.raises(ValidationError, match="initiator"):
        _interaction(initiator=C)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _interaction(occurred_at=datetime(2026, 3, 12, 11, 30))


def test_every_model_has_a_distinct_type_and_version() -> None:
    keys = [
        (m.model_fields["type"].default, m.model_fields["version"].default) for m in EVENT_MODELS
    ]
    assert len(set(keys)) == len(keys) == 9  # the current version of each type


def test_each_type_has_one_current_model() -> None:
    types = [m.model_fields["type"].default for m in EVENT_MODELS]
    assert len(set(types)) == len(types)


def test_feedback_v1_is_read_as_v2_with_the_same_envelope_and_answer() -> None:
    data = SuggestionFeedback(consultant_id=A, other_id=B, action="never", period="2026-W11")
    old = SuggestionFeedbackV1(occurred_at=WHEN, producer="notifier", data=data)
    read = parse_event(dump_event(old))
    assert isinstance(read, SuggestionFeedbackV2)
    assert (read.id, read.occurred_at, read.recorded_at, read.producer) == (
        old.id,
        WHEN,
        old.recorded_at,
        "notifier",
    )
    assert read.data.model_dump() == data.model_dump()


def test_preferences_v1_is_read_as_v2_without_a_pause() -> None:
    data = PreferencesChanged(
        consultant_id=A,
        revision=3,
        frequency="monthly",
        day_of_week="friday",
        locale="en",
        suggestable=False,
    )
    old = PreferencesChangedV1(occurred_at=WHEN, producer="profiles", data=data)
    read = parse_event(dump_event(old))
    assert isinstance(read, PreferencesChangedV2)
    assert read.id == old.id
    assert read.data.model_dump() == data.model_dump() | {"resume_on": None}


def test_a_bad_v1_is_refused_naming_the_field() -> None:
    wire = orjson.loads(dump_event(_interaction()))
    wire |= {"type": "suggestion.feedback", "version": 1}
    wire["data"] = {"consultant_id": str(A), "other_id": str(B), "action": "undo_never"}
    with pytest.raises(EventParseError, match="action"):
        parse_event(orjson.dumps(wire))


def _occasion(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "occasion_id": str(uuid.uuid4()),
        "revision": 1,
        "title": "Petit-déjeuner du cabinet",
        "starts_at": "2026-12-17T07:30:00+01:00",
        "ends_at": "2026-12-17T09:00:00+01:00",
        "city": "Lyon",
        "attendees": [str(uuid.uuid4()), str(uuid.uuid4())],
    }
    return base | changes


def _occasion_event(data: dict[str, object]) -> bytes:
    return orjson.dumps(
        {
            "type": "occasion.scheduled",
            "version": 1,
            "occurred_at": "2026-12-01T10:00:00Z",
            "producer": "profiles",
            "data": data,
        }
    )


def test_an_occasion_is_read_in_utc() -> None:
    event = parse_event(_occasion_event(_occasion()))
    assert event.type == "occasion.scheduled"
    assert event.data.starts_at == datetime(2026, 12, 17, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2026-12-17T07:30:00+01:00"}, "ends_at must be after starts_at"),
        ({"attendees": ["0c0ffee0-0000-4000-8000-000000000001"] * 2}, "must each be distinct"),
        (
            {
                "attendees": ["0c0ffee0-0000-4000-8000-000000000001"],
                "declined": ["0c0ffee0-0000-4000-8000-000000000001"],
            },
            "both attends and declined",
        ),
        ({"title": ""}, "title"),
        ({"revision": 0}, "revision"),
        ({"place": "Café\r\nBcc: x@y.z"}, "place"),
    ],
)
def test_an_occasion_that_cannot_be_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(EventParseError, match=message):
        parse_event(_occasion_event(_occasion(**changes)))
