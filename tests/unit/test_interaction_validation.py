"""What POST /v1/interactions accepts: each refusal names the field and the reason."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from braise_profiles.consultants.schemas import ConsultantIn
from braise_profiles.interactions.schemas import InteractionIn

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def _errors(model: type[Any], **body: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def _interaction(**overrides: Any) -> dict[str, Any]:
    base = {
        "kind": "lunch",
        "participants": [str(A), str(B)],
        "occurred_at": "2026-03-12T12:30:00+01:00",
    }
    return base | overrides


def test_valid_interaction_is_accepted() -> None:
    parsed = InteractionIn.model_validate(_interaction(initiator=str(A), note="  Déjeuner  "))
    assert parsed.participants == [A, B]
    assert parsed.note == "Déjeuner"


def test_unknown_kind_names_the_field_and_the_known_kinds() -> None:
    [(loc, msg)] = _errors(InteractionIn, **_interaction(kind="mission"))
    assert loc == ("kind",)
    assert "unknown interaction kind 'mission'" in msg
    assert "mission_together" in msg


def test_future_interaction_is_refused() -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    [(loc, msg)] = _errors(InteractionIn, **_interaction(occurred_at=later))
    assert loc == ("occurred_at",)
    assert "future" in msg


def test_time_without_zone_is_refused() -> None:
    [(loc, msg)] = _errors(InteractionIn, **_interaction(occurred_at="2026-03-12T12:30:00"))
    assert loc == ("occurred_at",)
    assert "timezone" in msg


def test_one_participant_is_not_an_interaction() -> None:
    [(loc, _msg)] = _errors(InteractionIn, **_interaction(participants=[str(A)]))
    assert loc == ("participants",)


def test_repeated_participant_is_refused() -> None:
    [(loc, msg)] = _errors(InteractionIn, **_interaction(participants=[str(A), str(A)]))
    assert loc == ("participants",)
    assert "distinct" in msg


def test_initiator_outside_the_participants_is_refused() -> None:
    [(loc, msg)] = _errors(InteractionIn, **_interaction(initiator=str(C)))
    assert loc == ("initiator",)
    assert "participants" in msg


def test_unknown_field_is_refused() -> None:
    [(loc, _msg)] = _errors(InteractionIn, **_interaction(weight=3))
    assert loc == ("weight",)


def test_consultant_email_and_tags_are_checked() -> None:
    errors = _errors(
        ConsultantIn, email="not-an-email", display_name="Camille", skills=["Python", "---"]
    )
    assert (
        ("email",),
        "Value error, not an e-mail address: An email address must have an @-sign.",
    ) in errors
    assert any(loc == ("skills", 1) and "empty" in msg for loc, msg in errors)


def test_consultant_email_is_lower_cased() -> None:
    parsed = ConsultantIn.model_validate({"email": " Camille@Example.ORG ", "display_name": "C"})
    assert parsed.email == "camille@example.org"
