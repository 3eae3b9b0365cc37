"""Production refuses development secrets; the synthetic firm is deterministic."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from braise_cli.firm import generate_firm
from braise_cli.stack.caldav import ensure_calendar_key
from braise_graph.config import GraphSettings
from braise_notifier.config import NotifierSettings
from braise_profiles.config import ProfilesSettings

ANCHOR = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
STRONG = "a-production-secret-of-more-than-32-characters"


@pytest.mark.parametrize("settings", [ProfilesSettings, GraphSettings, NotifierSettings])
def test_production_refuses_the_development_secret(settings: type) -> None:
    with pytest.raises(ValidationError, match="BRAISE_JWT_SECRET"):
        settings(environment="production")


@pytest.mark.parametrize("settings", [ProfilesSettings, GraphSettings, NotifierSettings])
@pytest.mark.parametrize("word", ["Production", "PRODUCTION", " production "])
def test_production_in_any_casing_turns_the_guard_on(settings: type, word: str) -> None:
    with pytest.raises(ValidationError, match="BRAISE_JWT_SECRET"):
        settings(environment=word)


@pytest.mark.parametrize("settings", [ProfilesSettings, GraphSettings, NotifierSettings])
def test_an_unknown_environment_is_refused(settings: type) -> None:
    with pytest.raises(ValidationError, match="environment"):
        settings(environment="prod")


@pytest.mark.parametrize("settings", [ProfilesSettings, GraphSettings, NotifierSettings])
def test_production_refuses_a_short_jwt_secret(settings: type) -> None:
    with pytest.raises(ValidationError, match="32"):
        settings(environment="production", BRAISE_JWT_SECRET="x" * 31)


def test_production_refuses_a_short_link_secret() -> None:
    with pytest.raises(ValidationError, match="BRAISE_NOTIFIER_LINK_SECRET"):
        NotifierSettings(
            environment="production",
            BRAISE_JWT_SECRET=STRONG,
            link_secret="s",
            public_url="https://braise.example.org",
            preferences_url="https://braise.example.org/preferences",
        )


def test_production_starts_with_real_secrets() -> None:
    GraphSettings(environment="production", BRAISE_JWT_SECRET=STRONG, NEO4J_PASSWORD=STRONG + "-db")
    ProfilesSettings(
        environment="production",
        BRAISE_JWT_SECRET=STRONG,
        calendar_key=Fernet.generate_key().decode(),  # calendar passwords are encrypted with it
    )
    NotifierSettings(
        environment="production",
        BRAISE_JWT_SECRET=STRONG,
        link_secret=STRONG + "-links",
        public_url="https://braise.example.org",
        preferences_url="https://braise.example.org/preferences",
    )
    https = {"public_url": "https://braise.example.org", "preferences_url": "https://b.example"}
    for url in https:
        urls = https | {url: "http://braise.example.org"}
        with pytest.raises(ValidationError, match=f"{url.upper()} must be HTTPS"):
            NotifierSettings.model_validate(
                {"environment": "production", "link_secret": STRONG + "-links", **urls}
                | {"BRAISE_JWT_SECRET": STRONG}
            )


def test_same_seed_same_firm_other_seed_other_firm() -> None:
    first = generate_firm(120, seed=7, now=ANCHOR)
    again = generate_firm(120, seed=7, now=ANCHOR)
    other = generate_firm(120, seed=8, now=ANCHOR)
    assert first == again
    assert first.consultants != other.consultants


def test_firm_has_history_communities_events_and_late_joiners() -> None:
    firm = generate_firm(300, seed=42, now=ANCHOR)
    kinds = {i.kind for i in firm.interactions}
    assert {"mission_together", "lunch", "call", "message", "event"} <= kinds
    assert all(i.occurred_at <= ANCHOR for i in firm.interactions)
    assert len({c.email for c in firm.consultants}) == 300
    late = [c for c in firm.consultants if c.joined_at > ANCHOR.replace(year=2024)]
    assert late
    by_key = {c.key: c for c in firm.consultants}
    for interaction in firm.interactions:
        for key in interaction.participants:
            assert by_key[key].joined_at <= interaction.occurred_at


@pytest.mark.timeout(60)
def test_a_firm_past_the_name_combinations_has_unique_names_and_emails() -> None:
    # ~2,100 "first last" pairs exist: 5,000 people need homonyms told apart, without looping.
    firm = generate_firm(5000, seed=3, now=ANCHOR)
    assert len({c.display_name for c in firm.consultants}) == 5000
    assert len({c.email for c in firm.consultants}) == 5000
    assert any(". " in c.display_name for c in firm.consultants)


def test_event_rooms_stay_human_sized_as_the_firm_grows() -> None:
    events = [i for i in generate_firm(5000, seed=3, now=ANCHOR).interactions if i.kind == "event"]
    assert len(events) > 12
    assert all(3 <= len(e.participants) <= 40 for e in events)


@pytest.mark.parametrize("size", [0, -1, 200_001])
def test_a_firm_size_out_of_range_is_refused_by_name(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        generate_firm(size, seed=1, now=ANCHOR)


def test_a_secret_written_by_processes_starting_at_once_is_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "calendar.key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: ensure_calendar_key(path), range(32)))
    assert keys == {path.read_text().strip()}
    assert [p.name for p in path.parent.iterdir()] == ["calendar.key"]  # no staging left
