"""docs/events.md is generated from the models: it must match what they generate now."""

from pathlib import Path

from braise_shared.eventdocs import examples, render
from braise_shared.events import dump_event, parse_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_events_doc_matches_the_models() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make docs` and commit docs/events.md"


def test_every_documented_example_parses() -> None:
    for example in examples():
        assert parse_event(dump_event(example)) == example
