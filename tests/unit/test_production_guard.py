"""Production refuses weak secrets, and BRAISE_ENV turns it on for every service at once."""

from typing import Any

import pytest
from pydantic import ValidationError

from braise_graph.config import GraphSettings
from braise_notifier.config import NotifierSettings
from braise_profiles.config import ProfilesSettings
from braise_shared.auth import DEFAULT_SECRET
from braise_shared.settings import (
    DEFAULT_LINK_SECRET,
    DEFAULT_NEO4J_PASSWORD,
    ServiceSettings,
)

JWT = "hX3v-9QpL2mZr8Tc-Wy5nB7kDf4Gs6Ju"
LINK = "L1nk-Zq9Vw3Rt7Yp5Mx2Kc8Hb4Nd6Fg0S"
NEO4J = "n3o4j-Gq8Wz2Lp6Xv1Rk5Tb9Mh3Yd7Cs"
SERVICES = [ProfilesSettings, GraphSettings, NotifierSettings]
CALENDAR_KEY = "q3X9v0TtYc7mJpL2nW5sR8dF1gH4kZ6bN0aE3uI7oPs="
VARIABLES = [
    "BRAISE_PROFILES_CALENDAR_KEY",
    "BRAISE_ENV",
    "BRAISE_PROFILES_ENVIRONMENT",
    "BRAISE_GRAPH_ENVIRONMENT",
    "BRAISE_NOTIFIER_ENVIRONMENT",
    "BRAISE_JWT_SECRET",
    "BRAISE_NOTIFIER_LINK_SECRET",
    "NEO4J_PASSWORD",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def _strong(settings: type[ServiceSettings], **secrets: str) -> dict[str, Any]:
    """Return the keyword arguments of a production-worthy settings, secrets overridden."""
    values: dict[str, Any] = {"BRAISE_JWT_SECRET": secrets.get("jwt", JWT)}
    if settings is GraphSettings:
        values["NEO4J_PASSWORD"] = secrets.get("neo4j", NEO4J)
    if settings is ProfilesSettings:  # a Fernet key of its own (docs/calendars.md)
        values["calendar_key"] = secrets.get("calendar", CALENDAR_KEY)
    if settings is NotifierSettings:
        values |= {
            "link_secret": secrets.get("link", LINK),
            "public_url": "https://braise.example.org",
            "preferences_url": "https://braise.example.org/preferences?token={token}",
        }
    return values


@pytest.mark.parametrize("settings", SERVICES)
def test_a_strong_production_configuration_starts(settings: type[ServiceSettings]) -> None:
    assert settings(environment="production", **_strong(settings)).in_production


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize("word", ["production", "Production", " PRODUCTION "])
def test_braise_env_turns_production_on_for_every_service(
    monkeypatch: pytest.MonkeyPatch, settings: type[ServiceSettings], word: str
) -> None:
    monkeypatch.setenv("BRAISE_ENV", word)
    assert settings(**_strong(settings)).in_production
    with pytest.raises(ValidationError, match="BRAISE_JWT_SECRET holds a default secret"):
        settings()


@pytest.mark.parametrize("settings", SERVICES)
def test_without_any_switch_a_service_is_in_development(settings: type[ServiceSettings]) -> None:
    assert not settings().in_production


@pytest.mark.parametrize("settings", SERVICES)
def test_the_service_variable_still_turns_production_on(
    monkeypatch: pytest.MonkeyPatch, settings: type[ServiceSettings]
) -> None:
    variable = f"{settings.model_config.get('env_prefix')}ENVIRONMENT"
    monkeypatch.setenv(variable, "production")
    assert settings(**_strong(settings)).in_production
    monkeypatch.setenv("BRAISE_ENV", "production")  # both, alike: fine
    assert settings(**_strong(settings)).in_production


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize(
    ("deployment", "own"), [("production", "development"), ("development", "production")]
)
def test_a_service_variable_that_contradicts_braise_env_is_refused(
    monkeypatch: pytest.MonkeyPatch, settings: type[ServiceSettings], deployment: str, own: str
) -> None:
    variable = f"{settings.model_config.get('env_prefix')}ENVIRONMENT"
    monkeypatch.setenv("BRAISE_ENV", deployment)
    monkeypatch.setenv(variable, own)
    with pytest.raises(
        ValidationError, match=f"BRAISE_ENV={deployment} contradicts {variable}={own}"
    ):
        settings(**_strong(settings))


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize(
    "weak",
    [
        DEFAULT_SECRET.upper(),
        f"  {DEFAULT_SECRET} ",
        DEFAULT_SECRET.title() + "\n",
        DEFAULT_LINK_SECRET,
        DEFAULT_NEO4J_PASSWORD.upper() + "-0123456789abcdefghij",
    ],
)
def test_a_published_default_in_any_disguise_is_refused_as_the_jwt_secret(
    settings: type[ServiceSettings], weak: str
) -> None:
    with pytest.raises(ValidationError, match="BRAISE_JWT_SECRET holds a default secret published"):
        settings(environment="production", **_strong(settings, jwt=weak))


@pytest.mark.parametrize("settings", SERVICES)
@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("a" * 32, "has too little variety: 1 distinct characters, at least 10 needed"),
        ("ab" * 20, "has too little variety: 2 distinct characters, at least 10 needed"),
        ("0123456789" * 3 + "0", "must be at least 32 characters long (it has 31)"),
        ("", "must be at least 32 characters long (it has 0)"),
    ],
)
def test_a_short_or_monotonous_jwt_secret_is_refused(
    settings: type[ServiceSettings], weak: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        settings(environment="production", **_strong(settings, jwt=weak))
    assert f"BRAISE_JWT_SECRET {reason}" in str(caught.value)


@pytest.mark.parametrize("weak", [DEFAULT_SECRET, DEFAULT_LINK_SECRET.upper(), "x" * 40])
def test_a_weak_link_secret_is_refused_naming_it(weak: str) -> None:
    with pytest.raises(ValidationError, match=r"BRAISE_NOTIFIER_LINK_SECRET (holds|has)"):
        NotifierSettings(environment="production", **_strong(NotifierSettings, link=weak))


@pytest.mark.parametrize(
    "weak", [DEFAULT_NEO4J_PASSWORD, DEFAULT_NEO4J_PASSWORD.upper(), f" {DEFAULT_NEO4J_PASSWORD}"]
)
def test_the_default_neo4j_password_is_refused_in_production(weak: str) -> None:
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD holds a default secret"):
        GraphSettings(environment="production", **_strong(GraphSettings, neo4j=weak))
    assert GraphSettings(NEO4J_PASSWORD=weak).neo4j_password.get_secret_value() == weak


@pytest.mark.parametrize(
    ("settings", "secrets", "pair"),
    [
        (NotifierSettings, {"link": JWT}, "BRAISE_JWT_SECRET and BRAISE_NOTIFIER_LINK_SECRET"),
        (
            NotifierSettings,
            {"link": f" {JWT.upper()}"},
            "BRAISE_JWT_SECRET and BRAISE_NOTIFIER_LINK_SECRET",
        ),
        (GraphSettings, {"neo4j": JWT}, "BRAISE_JWT_SECRET and NEO4J_PASSWORD"),
    ],
)
def test_one_value_for_two_secrets_is_refused_naming_both(
    settings: type[ServiceSettings], secrets: dict[str, str], pair: str
) -> None:
    with pytest.raises(ValidationError, match=f"{pair} hold the same value"):
        settings(environment="production", **_strong(settings, **secrets))


def test_a_refusal_lists_every_weak_secret_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        NotifierSettings(
            environment="production", **_strong(NotifierSettings, jwt="a" * 32, link="short")
        )
    message = str(caught.value)
    assert "BRAISE_JWT_SECRET has too little variety" in message
    assert "BRAISE_NOTIFIER_LINK_SECRET must be at least 32 characters long (it has 5)" in message


@pytest.mark.parametrize("settings", SERVICES)
def test_development_keeps_its_published_defaults(settings: type[ServiceSettings]) -> None:
    assert settings().jwt_secret.get_secret_value() == DEFAULT_SECRET
