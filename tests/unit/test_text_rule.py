"""Text fields refuse control characters, line separators and lone surrogates, everywhere."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from braise_shared.events import (
    ConsultantProfile,
    DigestSent,
    InteractionRecorded,
    SuggestionFeedback,
)
from braise_shared.tags import InvalidTagError, Tag, make_tag
from braise_shared.text import (
    ForbiddenCharacterError,
    check_multi_line,
    check_single_line,
)

C0 = [chr(c) for c in range(0x20)]
C1 = [chr(c) for c in range(0x7F, 0xA0)]
FORBIDDEN_EVERYWHERE = [c for c in C0 + C1 if c not in "\t\n\r"] + ["\u2028", "\u2029", "\ud800"]
WHEN = datetime(2026, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize("character", [*FORBIDDEN_EVERYWHERE, "\t", "\n", "\r"])
def test_one_line_refuses_every_control_separator_and_surrogate(character: str) -> None:
    with pytest.raises(ForbiddenCharacterError, match=f"U\\+{ord(character):04X}"):
        check_single_line(f"Camille{character}Martin")


@pytest.mark.parametrize("character", [*FORBIDDEN_EVERYWHERE, "\r"])
def test_lines_refuse_the_same_but_line_feeds_and_tabs(character: str) -> None:
    with pytest.raises(ForbiddenCharacterError):
        check_multi_line(f"Suivi{character}mission")


def test_lines_keep_line_feeds_and_tabs_and_read_crlf_as_lf() -> None:
    assert check_multi_line("Suivi,\tmission\r\nEnedis\n") == "Suivi,\tmission\nEnedis\n"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Zl", "Zp"])))
def test_printable_text_passes_unchanged(text: str) -> None:
    assert check_single_line(text) == text
    assert check_multi_line(text) == text


def _profile(**overrides: Any) -> dict[str, Any]:
    return {
        "consultant_id": uuid.UUID(int=1),
        "revision": 1,
        "display_name": "Camille Martin",
        "email": "camille@example.org",
        "joined_at": WHEN,
    } | overrides


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ConsultantProfile, _profile(display_name="Camille\r\nBcc: x@y.z"), "display_name"),
        (ConsultantProfile, _profile(email="camille\x00@example.org"), "email"),
        (ConsultantProfile, _profile(city="Lyon\u2028"), "city"),
        (Tag, {"key": "python", "label": "Py\x85thon"}, "label"),
        (
            InteractionRecorded,
            {
                "interaction_id": uuid.UUID(int=9),
                "kind": "lunch",
                "participants": [uuid.UUID(int=1), uuid.UUID(int=2)],
                "occurred_at": WHEN,
                "note": "Projet\x1b[31m",
            },
            "note",
        ),
        (
            DigestSent,
            {"consultant_id": uuid.UUID(int=1), "period": "2026-W48\n", "suggestions": []},
            "period",
        ),
        (
            SuggestionFeedback,
            {
                "consultant_id": uuid.UUID(int=1),
                "other_id": uuid.UUID(int=2),
                "action": "done",
                "period": "2026\tW48",
            },
            "period",
        ),
    ],
)
def test_event_payloads_refuse_control_characters(
    model: type[Any], data: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    assert field in [e["loc"][0] for e in refused.value.errors()]


def test_a_tag_with_a_control_character_is_invalid() -> None:
    with pytest.raises(InvalidTagError, match="U\\+0000"):
        make_tag("Py\x00thon")


def test_event_times_before_1970_or_out_of_range_are_refused() -> None:
    for moment in ("1969-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(ValidationError, match="occurred_at"):
            InteractionRecorded.model_validate(
                {
                    "interaction_id": uuid.UUID(int=9),
                    "kind": "lunch",
                    "participants": [uuid.UUID(int=1), uuid.UUID(int=2)],
                    "occurred_at": moment,
                }
            )
