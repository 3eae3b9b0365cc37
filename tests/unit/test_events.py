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
    assert len(set(keys)) == len(keys) == 11
