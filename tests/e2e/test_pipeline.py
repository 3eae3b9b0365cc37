"""The whole path: HTTP -> profiles -> stream -> Neo4j -> digest e-mail in the sink.

Every Braise process runs as it does under `braise up` (the stack's own definitions),
against the session's real Redis, Neo4j and SMTP sink.
"""

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pytest
import redis
from neo4j import Driver

from braise_cli.stack import StackSettings, build_services
from braise_cli.stack.servers import Server
from braise_notifier.catalogs import texts
from braise_notifier.guard import solicitations
from braise_shared.candidates import RevivalCandidates
from braise_shared.stream import EVENTS_STREAM
from tests.support.disposable import free_port
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers, stack_settings_for


@pytest.fixture
def braise(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    neo4j_driver: Driver,
    maildir: Path,
) -> Iterator[StackSettings]:
    settings = stack_settings_for(
        servers,
        tmp_path / "var",
        profiles_port=free_port(),
        graph_port=free_port(),
        notifier_port=free_port(),
    )
    broker = servers.endpoints.redis_url.rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(broker).flushdb()
    started: list[Server] = []
    try:
        for service in build_services(settings):
            service.start()
            started.append(service)
        yield settings
    finally:
        for service in reversed(started):
            service.stop()


def _iso(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def test_planted_dormant_link_is_suggested_with_a_gift_and_the_active_one_is_not(
    braise: StackSettings, redis_client: redis.Redis, maildir: Path
) -> None:
    admin = admin_headers()
    profiles = httpx.Client(base_url=f"http://127.0.0.1:{braise.profiles_port}", headers=admin)
    people = {
        "reader": {
            "email": "camille.martin@example.org",
            "display_name": "Camille Martin",
            "interests": ["Voile"],
            "sectors": ["Banque"],
            "skills": ["Python"],
        },
        "old_friend": {
            "email": "karim.benali@example.org",
            "display_name": "Karim Benali",
            "interests": ["Voile"],
            "sectors": ["Énergie"],
            "skills": ["SAP"],
            "day_of_week": "sunday",
        },
        "colleague": {
            "email": "lea.dubois@example.org",
            "display_name": "Léa Dubois",
            "sectors": ["Banque"],
            "skills": ["Python"],
            "day_of_week": "sunday",
        },
    }
    response = profiles.post("/v1/consultants/bulk", json={"items": list(people.values())})
    assert response.status_code == 201, response.text
    ids = {name: body["id"] for name, body in zip(people, response.json(), strict=True)}

    history = [
        {
            "kind": "mission_together",
            "participants": [ids["reader"], ids["old_friend"]],
            "occurred_at": _iso(700),
            "note": "Migration SAP chez Enedis",
            "initiator": ids["old_friend"],
        },
        {
            "kind": "lunch",
            "participants": [ids["reader"], ids["old_friend"]],
            "occurred_at": _iso(650),
            "initiator": ids["reader"],
        },
        {
            "kind": "lunch",
            "participants": [ids["reader"], ids["old_friend"]],
            "occurred_at": _iso(600),
            "initiator": ids["old_friend"],
        },
        {
            "kind": "mission_together",
            "participants": [ids["reader"], ids["colleague"]],
            "occurred_at": _iso(20),
        },
        {
            "kind": "lunch",
            "participants": [ids["reader"], ids["colleague"]],
            "occurred_at": _iso(3),
        },
    ]
    assert profiles.post("/v1/interactions/bulk", json={"items": history}).status_code == 201

    def caught_up() -> bool:
        groups = {g["name"]: g for g in redis_client.xinfo_groups(EVENTS_STREAM)}
        return redis_client.xlen(EVENTS_STREAM) >= 8 and all(
            groups.get(name) is not None
            and groups[name]["lag"] == 0
            and groups[name]["pending"] == 0
            for name in (b"graph", b"notifier")
        )

    wait_until(caught_up, timeout_s=60, what="the graph and the notifier to apply every event")

    # What the graph proposes to Camille this week, asked before the digest is sent (once it
    # is, Karim is in his fatigue window). Without fresh news, the gesture that fits is
    # sharing on their common interest, asking about their mission, or inviting (nobody of
    # Camille's active network shares a topic with Karim).
    graph = httpx.Client(base_url=f"http://127.0.0.1:{braise.graph_port}", headers=admin)
    answer = RevivalCandidates.model_validate(
        graph.get(
            f"/v2/consultants/{ids['reader']}/revival-candidates",
            params={"dormant": 3, "cooling": 2},
        ).json()
    )
    chosen = next(c.gesture for c in answer.candidates if c.other_name == "Karim Benali")

    notifier = httpx.Client(base_url=f"http://127.0.0.1:{braise.notifier_port}", headers=admin)
    run = notifier.post("/v1/admin/periods/2026-W48/run")
    assert run.status_code == 200
    assert run.json()["enqueued"] == 3

    def report() -> dict[str, int]:
        by_state: dict[str, int] = notifier.get("/v1/admin/periods/2026-W48").json()["by_state"]
        return by_state

    wait_until(
        lambda: sum(report().get(s, 0) for s in ("sent", "empty")) == 3,
        timeout_s=60,
        what="the period's digests",
    )
    # The dormant link shows on both sides; the colleague has only active links: no digest.
    assert report() == {"sent": 2, "empty": 1}

    mails = {}
    for path in sorted(maildir.glob("*.eml")):
        with path.open("rb") as f:
            message = email.message_from_binary_file(f, policy=default_policy)
        assert isinstance(message, EmailMessage)
        mails[str(message["To"])] = message
    assert sorted(mails) == [
        "Camille Martin <camille.martin@example.org>",
        "Karim Benali <karim.benali@example.org>",
    ]
    mail = mails["Camille Martin <camille.martin@example.org>"]
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Karim Benali" in text
    assert "Léa Dubois" not in text
    idea = next(line for line in text.splitlines() if line.strip().startswith("Une idée"))
    gesture = idea.split(":", 1)[1].strip()
    assert solicitations(gesture) == []

    # The mail says the graph's gesture, in one of that gesture's own wordings.
    facts = {
        "share": {"topic": "Voile"},
        "ask_news": {"project": "Migration SAP chez Enedis"},
        "invite": {},
    }
    assert chosen.kind in facts
    assert chosen.params.model_dump() == facts[chosen.kind]
    fr = texts("fr")
    words = {
        kind: {fr.get(key, name="Karim Benali", **params) for key in fr.variants(f"gesture.{kind}")}
        for kind, params in facts.items()
    }
    assert [kind for kind, said in words.items() if gesture in said] == [chosen.kind]
