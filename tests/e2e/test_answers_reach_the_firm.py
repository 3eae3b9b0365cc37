"""A reader's click on a real digest reaches the firm's figures, through the real stream.

Every Braise process runs as under `braise up`, against the session's real Redis, Neo4j and
SMTP sink: profiles publish the firm, the graph and the notifier apply it, a period of digests
goes to the sink, and readers open the links of their own digests as a mail program would
(GET, then the confirmation page's button). Their answers travel as `suggestion.feedback`
(the version the notifier publishes) through the stream to the notifier's consumer, and the
test reads them where staff do: `/v1/dashboard` and the firm's view. Nothing is written to a
store directly.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis

from braise_cli.stack import StackSettings
from braise_cli.stack.services import LOCAL_STAFF_EMAIL
from braise_shared.stream import EVENTS_STREAM
from tests.support.digest_links import click, digest_of, link_about
from tests.support.firm_screenshot import sign_in_link
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers

PEOPLE = {
    "camille": ("camille.martin@example.org", "Camille Martin"),
    "karim": ("karim.benali@example.org", "Karim Benali"),
    "ines": ("ines.garnier@example.org", "Inès Garnier"),
    "hugo": ("hugo.perrin@example.org", "Hugo Perrin"),
    "zoe": ("zoe.masson@example.org", "Zoé Masson"),
}
PERIOD = "2026-W48"
WAIT_S = 60


def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def _dormant(a: str, b: str) -> list[dict[str, Any]]:
    """A strong mission long ago, two lunches after it, then silence."""
    return [
        {"kind": "mission_together", "participants": [a, b], "occurred_at": _ago(700)},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(660), "initiator": a},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(610), "initiator": b},
    ]


def _send_a_period(settings: StackSettings, client: "redis.Redis") -> dict[str, str]:
    """Load the firm through profiles, wait until it is applied, send the period's digests."""
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{settings.profiles_port}", headers=admin_headers()
    )
    items = [{"email": e, "display_name": n} for e, n in PEOPLE.values()]
    response = profiles.post("/v1/consultants/bulk", json={"items": items})
    assert response.status_code == 201, response.text
    ids = {key: body["id"] for key, body in zip(PEOPLE, response.json(), strict=True)}
    history = [
        *_dormant(ids["camille"], ids["karim"]),
        *_dormant(ids["camille"], ids["ines"]),
        *_dormant(ids["hugo"], ids["zoe"]),
    ]
    assert profiles.post("/v1/interactions/bulk", json={"items": history}).status_code == 201

    def caught_up() -> bool:
        groups = {g["name"]: g for g in client.xinfo_groups(EVENTS_STREAM)}
        return client.xlen(EVENTS_STREAM) >= len(PEOPLE) + len(history) and all(
            groups.get(name) is not None
            and groups[name]["lag"] == 0
            and not groups[name]["pending"]
            for name in (b"graph", b"notifier")
        )

    wait_until(caught_up, timeout_s=WAIT_S, what="the graph and the notifier to apply the firm")
    notifier = httpx.Client(
        base_url=f"http://127.0.0.1:{settings.notifier_port}", headers=admin_headers()
    )
    assert notifier.post(f"/v1/admin/periods/{PERIOD}/run").json()["enqueued"] == len(PEOPLE)

    def settled() -> bool:
        by_state: dict[str, int] = notifier.get(f"/v1/admin/periods/{PERIOD}").json()["by_state"]
        return sum(by_state.get(s, 0) for s in ("sent", "empty")) == len(PEOPLE)

    wait_until(settled, timeout_s=WAIT_S, what="the period's digests")
    return ids


def _answers(dashboard: dict[str, Any]) -> dict[str, int]:
    """Add up the answers of every gesture kind; `?` would be an answer the ledger misses."""
    rows = dashboard["feedback_by_gesture"]
    assert all(row["gesture"] != "?" for row in rows), rows
    return {action: sum(row[action] for row in rows) for action in ("done", "not_now", "never")}


def _firm_view_answers(page: str) -> dict[str, int]:
    """Add up the columns of the firm's view's answers table (done, not now, never)."""
    table = re.search(r'<table id="feedback".*?</table>', page, re.S)
    assert table, "no answers table on the firm's view"
    rows = re.findall(r"<tr><td>[^<]*</td>((?:<td class=\"n\">\d+</td>){3})</tr>", table[0])
    counts = [list(map(int, re.findall(r">(\d+)<", row))) for row in rows]
    return dict(zip(("done", "not_now", "never"), map(sum, zip(*counts, strict=True)), strict=True))


def test_clicks_on_a_real_digest_reach_the_dashboard_and_the_firms_view(
    braise: StackSettings, redis_client: "redis.Redis", maildir: Path
) -> None:
    ids = _send_a_period(braise, redis_client)
    camille = digest_of(maildir, PEOPLE["camille"][0])
    hugo = digest_of(maildir, PEOPLE["hugo"][0])

    done = link_about(camille, "done", ids["karim"])
    for _ in range(2):  # a second click of the same link is the same answer
        assert "Karim Benali" in click(done).text
    thanks = click(link_about(camille, "never", ids["ines"]))
    assert "Inès Garnier" in thanks.text
    assert 'action="/l/' in thanks.text  # the never's undo, offered on the thank-you page
    click(link_about(hugo, "not_now", ids["zoe"]))

    notifier = f"http://127.0.0.1:{braise.notifier_port}"
    expected = {"done": 1, "not_now": 1, "never": 1}

    def counted() -> bool:
        answer = httpx.get(f"{notifier}/v1/dashboard", headers=admin_headers())
        answer.raise_for_status()
        return _answers(answer.json()) == expected

    wait_until(counted, timeout_s=WAIT_S, what="the answers in /v1/dashboard")

    link = sign_in_link(notifier, maildir, LOCAL_STAFF_EMAIL, since=0)
    with httpx.Client(follow_redirects=True) as staff:
        view = staff.get(link)
    assert view.status_code == 200
    assert str(view.url).endswith("/pages/firm")
    assert _firm_view_answers(view.text) == expected
    for _email, name in PEOPLE.values():
        assert name not in view.text  # aggregates only
