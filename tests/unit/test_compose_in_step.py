"""docker-compose.yml stays in step with the local stack: same ports, secrets and commands."""

import tomllib
from pathlib import Path
from typing import Any

import yaml

from braise_cli.stack import StackSettings
from braise_shared.auth import DEFAULT_SECRET
from braise_shared.settings import DEFAULT_NEO4J_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def _host_ports(service: str) -> set[int]:
    return {int(str(p).split(":")[0]) for p in SERVICES[service].get("ports", [])}


def test_ports_match_the_local_stack() -> None:
    local = StackSettings()
    assert local.redis_port in _host_ports("redis")
    assert local.neo4j_bolt_port in _host_ports("neo4j")
    assert local.smtp_port in _host_ports("mail")
    assert local.profiles_port in _host_ports("profiles")
    assert local.graph_port in _host_ports("graph")
    assert local.notifier_port in _host_ports("notifier")


def test_secrets_and_servers_match_the_defaults() -> None:
    env = SERVICES["profiles"]["environment"]
    assert env["NEO4J_PASSWORD"] == DEFAULT_NEO4J_PASSWORD
    assert SERVICES["neo4j"]["environment"]["NEO4J_AUTH"] == f"neo4j/{DEFAULT_NEO4J_PASSWORD}"
    assert env["BRAISE_JWT_SECRET"] == DEFAULT_SECRET
    assert SERVICES["neo4j"]["image"] == "neo4j:5.26-community"


def test_every_command_is_an_installed_entry_point() -> None:
    scripts: set[str] = {"celery", "braise"}
    for pyproject in ROOT.glob("services/*/pyproject.toml"):
        scripts |= set(tomllib.loads(pyproject.read_text())["project"].get("scripts", {}))
    braise = [name for name, spec in SERVICES.items() if spec.get("image") == "braise:local"]
    assert sorted(braise) == [
        "beat",
        "graph",
        "graph-consumer",
        "notifier",
        "notifier-consumer",
        "profiles",
        "relay",
        "worker",
    ]
    for name in braise:
        assert SERVICES[name]["command"][0] in scripts, name
