"""The whole path: HTTP -> profiles -> stream -> Neo4j -> digest e-mail in the sink.

Every Braise process runs as it does under `braise up` (the stack's own definitions),
against the session's real Redis, Neo4j and SMTP sink.
"""

import email
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import redis

from braise_cli.stack import StackSettings
from braise_cli.stack.mailkey import dkim_key_files
from braise_cli.trace import read_lines, trace_event
from braise_notifier.catalogs import texts
from braise_notifier.guard import tone_faults
from braise_notifier.wording import Words, gesture_text
from braise_shared.candidates import (
    AskNewsGesture,
    AskNewsParams,
    Gesture,
    InviteGesture,
    RevivalCandidates,
    ShareGesture,
    ShareParams,
)
from braise_shared.interactions import load_kinds
from braise_shared.stream import EVENTS_STREAM
from braise_shared.tags import make_tag
from braise_shared.taxonomy import load_taxonomy
from tests.support.mail import LIST_UNSUBSCRIBE, dkim_verifies, raw_headers, raw_mails
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers


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
    recorded = profiles.post(
        "/v1/interactions/bulk",
        json={"items": history},
        headers={"X-Correlation-ID": "e2e-history"},
    )
    assert recorded.status_code == 201

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
            f"/v3/consultants/{ids['reader']}/revival-candidates",
            params={"dormant": 3, "cooling": 2},
        ).json()
    )
    chosen = next(c.gesture for c in answer.candidates if c.other_name == "Karim Benali")

    notifier = httpx.Client(base_url=f"http://127.0.0.1:{braise.notifier_port}", headers=admin)
    # A staff preview shows the real digest, but its links open nothing.
    preview = notifier.get(f"/v1/admin/preview/{ids['reader']}")
    assert preview.status_code == 200
    assert "Karim Benali" in preview.text
    links = re.findall(r'href="([^"]*/l/[A-Za-z0-9_-]+)"', preview.text)
    assert links
    for link in links:
        opened = httpx.get(html.unescape(link))
        assert opened.status_code == 400, link
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
    for raw in raw_mails(maildir):
        # What a mailbox provider reads: a plain one-click URI, a signature that verifies.
        [unsubscribe] = raw_headers(raw, "List-Unsubscribe")
        assert LIST_UNSUBSCRIBE.match(unsubscribe), unsubscribe
        assert raw_headers(raw, "List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]
        assert dkim_verifies(raw, dkim_key_files(braise.root / "dkim"))
        message = email.message_from_bytes(raw, policy=default_policy)
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
    assert "Karim" in idea
    assert "Benali" not in idea  # the title names him in full, once
    assert tone_faults(idea) == []
    # Tags read in the reader's language, with their article in French; nobody keeps score.
    assert "la voile" in text
    assert "Voile" not in text
    assert "surtout" not in text
    for line in text.splitlines():
        assert tone_faults(line) == [], line
    _the_mail_says_the_graphs_gesture(idea, chosen)
    _follow_the_first_mission_through_the_logs(braise.root / "log", ids)


def _follow_the_first_mission_through_the_logs(log_dir: Path, ids: dict[str, str]) -> None:
    """The old mission's event, from the request that recorded it to the digest about it."""
    lines = list(read_lines(log_dir))
    pair = {ids["reader"], ids["old_friend"]}
    [staged, *_] = [
        line
        for line in lines
        if line.get("correlation_id") == "e2e-history"
        and line.get("msg") == "event staged"
        and set(line.get("participants", [])) == pair
    ]
    path = trace_event(staged["event_id"], lines)
    services = {line["service"] for line in path}
    assert {"profiles", "profiles-relay", "graph-consumer", "notifier-consumer"} <= services
    assert any(line.get("correlation_id") == "e2e-history" for line in path)
    [digest] = [
        line
        for line in path
        if line["msg"] == "digest sent" and line["consultant_id"] == ids["reader"]
    ]
    assert digest["service"] == "notifier-worker"
    assert ids["old_friend"] in digest["suggested"]


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ").strip()


def _the_mail_says_the_graphs_gesture(idea: str, chosen: object) -> None:
    """The idea line is one of the wordings of the gesture the graph chose, and of no other."""
    gesture = _plain(idea.split(":", 1)[1])
    facts: dict[str, Gesture] = {
        "share": ShareGesture(params=ShareParams(topic=make_tag("Voile"))),
        "ask_news": AskNewsGesture(params=AskNewsParams(project="Migration SAP chez Enedis")),
        "invite": chosen if isinstance(chosen, InviteGesture) else InviteGesture(),
    }
    assert chosen in facts.values(), chosen
    words = Words(texts("fr"), load_kinds(), load_taxonomy())
    said = {
        kind: {
            _plain(text)
            for seed in range(80)
            if (text := gesture_text(words, fact, "Karim", f"seed-{seed}")) is not None
        }
        for kind, fact in facts.items()
    }
    assert [kind for kind, texts_ in said.items() if gesture in texts_] == [
        next(kind for kind, fact in facts.items() if fact == chosen)
    ]
