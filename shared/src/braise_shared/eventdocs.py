"""Generate docs/events.md from the event models, so the document cannot drift from the code.

Run: python -m braise_shared.eventdocs > docs/events.md (or `make docs`).
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import orjson

from braise_shared.events import (
    SUPERSEDED,
    ConsultantErased,
    ConsultantErasedV1,
    ConsultantProfile,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    DigestSent,
    DigestSentV1,
    Envelope,
    InteractionRecorded,
    InteractionRecordedV1,
    OccasionScheduled,
    OccasionScheduledV1,
    OccasionWithdrawn,
    OccasionWithdrawnV1,
    PreferencesChanged,
    PreferencesChangedV1,
    PreferencesChangedV2,
    PreferencesWithResume,
    SuggestedLink,
    SuggestionFeedback,
    SuggestionFeedbackV1,
    SuggestionFeedbackV2,
    SuggestionFeedbackWithUndo,
)
from braise_shared.stream import CONSUMER_GROUPS, DEAD_LETTER_STREAM, EVENTS_STREAM
from braise_shared.tags import make_tags

CAMILLE = uuid.UUID("3f1c2a8e-8a8e-4d0b-9d8b-0c3f1f2a4b5c")
KARIM = uuid.UUID("7b9d4e21-5c6f-4a3b-8e1d-2f3a4b5c6d7e")
AT = datetime(2026, 3, 12, 11, 30, tzinfo=UTC)
RECORDED = datetime(2026, 3, 12, 11, 30, 2, tzinfo=UTC)


def _envelope(n: int) -> dict[str, Any]:
    return {
        "id": uuid.UUID(int=0x0195_0000_0000_7000_8000_0000_0000_0000 + n),
        "occurred_at": AT,
        "recorded_at": RECORDED,
        "producer": "profiles",
    }


def _profile(revision: int) -> ConsultantProfile:
    return ConsultantProfile(
        consultant_id=CAMILLE,
        revision=revision,
        display_name="Camille Martin",
        email="camille.martin@example.org",
        city="Lyon",
        locale="fr",
        skills=make_tags(["Data Science", "Python"]),
        sectors=make_tags(["Énergie"]),
        interests=make_tags(["Trail running"]),
        suggestable=True,
        joined_at=datetime(2024, 9, 2, 8, 0, tzinfo=UTC),
    )


def examples() -> list[Envelope]:
    """Return one example of each version read, every type's versions together."""
    return [
        ConsultantRegisteredV1(**_envelope(1), data=_profile(1)),
        ConsultantUpdatedV1(**_envelope(2), data=_profile(2)),
        ConsultantErasedV1(**_envelope(3), data=ConsultantErased(consultant_id=CAMILLE)),
        PreferencesChangedV1(
            **_envelope(4),
            data=PreferencesChanged(
                consultant_id=CAMILLE,
                revision=3,
                frequency="biweekly",
                day_of_week="tuesday",
                locale="en",
                suggestable=True,
            ),
        ),
        PreferencesChangedV2(
            **_envelope(8),
            data=PreferencesWithResume(
                consultant_id=CAMILLE,
                revision=4,
                frequency="weekly",
                day_of_week="monday",
                locale="fr",
                suggestable=True,
                resume_on=date(2026, 4, 13),
            ),
        ),
        InteractionRecordedV1(
            **_envelope(5),
            data=InteractionRecorded(
                interaction_id=uuid.UUID("0c0ffee0-0000-4000-8000-000000000005"),
                kind="lunch",
                participants=[CAMILLE, KARIM],
                occurred_at=AT,
                initiator=CAMILLE,
                note="Déjeuner après la mission Enedis",
            ),
        ),
        DigestSentV1(
            **(_envelope(6) | {"producer": "notifier"}),
            data=DigestSent(
                consultant_id=CAMILLE,
                period="2026-W11",
                suggestions=[SuggestedLink(consultant_id=KARIM, stage="dormant", gesture="share")],
            ),
        ),
        SuggestionFeedbackV1(
            **(_envelope(7) | {"producer": "notifier"}),
            data=SuggestionFeedback(
                consultant_id=CAMILLE, other_id=KARIM, action="done", period="2026-W11"
            ),
        ),
        SuggestionFeedbackV2(
            **(_envelope(9) | {"producer": "notifier"}),
            data=SuggestionFeedbackWithUndo(
                consultant_id=CAMILLE, other_id=KARIM, action="undo_never", period="2026-W14"
            ),
        ),
        OccasionScheduledV1(
            **(_envelope(10) | {"producer": "profiles"}),
            data=OccasionScheduled(
                occasion_id=uuid.UUID("0c0ffee0-0000-4000-8000-00000000000a"),
                revision=2,
                title="Petit-déjeuner du cabinet",
                starts_at=datetime(2026, 12, 17, 7, 30, tzinfo=UTC),
                ends_at=datetime(2026, 12, 17, 9, 0, tzinfo=UTC),
                place="Café Pouchkine, 16 place de la Madeleine",
                city="Paris",
                attendees=[CAMILLE, KARIM],
            ),
        ),
        OccasionWithdrawnV1(
            **(_envelope(11) | {"producer": "profiles"}),
            data=OccasionWithdrawn(
                occasion_id=uuid.UUID("0c0ffee0-0000-4000-8000-00000000000a"), revision=3
            ),
        ),
    ]


def _type_of(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(defs[schema["$ref"].rsplit("/", 1)[-1]].get("title", "object"))
    if "anyOf" in schema:
        return " or ".join(_type_of(s, defs) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}), defs)}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return str(kind)


def _fields_table(model: type[Envelope]) -> list[str]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    data_ref = schema["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
    data = defs[data_ref]
    required = set(data.get("required", []))
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, prop in data["properties"].items():
        meaning = prop.get("description", "")
        rows.append(
            f"| `{name}` | {_type_of(prop, defs)} | {'yes' if name in required else 'no'} "
            f"| {meaning} |"
        )
    return rows


def _summary(model: type[Envelope]) -> str:
    text = (model.__doc__ or "").split(":", 1)[-1].strip()
    return text[:1].upper() + text[1:]


def _upcast_note(model: type[Envelope]) -> str:
    doc = (model.__dict__["upcast"].__doc__ or "").strip()
    return doc[:1].lower() + doc[1:]


def render() -> str:
    """Return the whole Markdown document."""
    lines = [
        "# Events",
        "",
        "<!-- Generated by `python -m braise_shared.eventdocs`; do not edit by hand. -->",
        "",
        f"Every event travels on the Redis Stream `{EVENTS_STREAM}`, one event per entry, its",
        "JSON in the entry field `event`. Consumer groups: "
        + ", ".join(f"`{g}`" for g in CONSUMER_GROUPS)
        + ".",
        "An entry that does not parse, or that a group fails to handle repeatedly, is copied",
        f"to `{DEAD_LETTER_STREAM}` with its error and acknowledged.",
        "",
        "## Envelope",
        "",
        "| field | meaning |",
        "|---|---|",
        "| `id` | UUID of the event; consumers de-duplicate on it (delivery is at-least-once) |",
        "| `type` | what happened, past tense, e.g. `interaction.recorded` |",
        "| `version` | version of this type's payload; a breaking change is a new version |",
        "| `occurred_at` | when the fact happened (UTC, ISO 8601) |",
        "| `recorded_at` | when the producer recorded it (UTC, ISO 8601) |",
        "| `producer` | the service that wrote it |",
        "| `data` | the payload, described below for each type and version |",
        "",
        "A consumer that meets a `(type, version)` it does not know dead-letters the entry.",
        "An older version of a type is read as its latest (`braise_shared.versions`): every",
        "consumer handles one version of each type, and producers publish only the latest.",
        "Payloads refuse unknown fields. A `Tag` is `{key, label}`: `key` is the normalized",
        "form used for matching (lower case, no accents, one space between words), `label` the",
        "spelling shown to people.",
        "",
    ]
    for example in examples():
        model = type(example)
        name = model.model_fields["type"].default
        version = model.model_fields["version"].default
        lines += [f"## `{name}` v{version}", "", _summary(model), ""]
        if model in SUPERSEDED:
            lines += [f"Still read, never published: {_upcast_note(model)}", ""]
        lines += [
            *_fields_table(model),
            "",
            "```json",
            orjson.dumps(example.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode(),
            "```",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
