"""docs/events.md is generated from the models: it must match what they generate now."""

from pathlib import Path

from braise_shared.eventdocs import examples, render
from braise_shared.events import EVENT_MODELS, SUPERSEDED, dump_event, parse_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_events_doc_matches_the_models() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make docs` and commit docs/events.md"


def test_every_version_read_is_documented_once() -> None:
    documented = [type(e) for e in examples()]
    assert sorted(m.__name__ for m in documented) == sorted(
        m.__name__ for m in (*EVENT_MODELS, *SUPERSEDED)
    )


def test_every_documented_example_parses_as_its_latest_version() -> None:
    for example in examples():
        parsed = parse_event(dump_event(example))
        assert type(parsed) in EVENT_MODELS
        assert parsed.model_dump(include={"id", "type", "occurred_at"})["id"] == example.id
        if type(example) in EVENT_MODELS:
            assert parsed == example
