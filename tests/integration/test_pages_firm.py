"""The firm's view: a staff member signs in by an e-mailed link; the same figures as JSON."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from braise_notifier import staff_sign_in
from braise_notifier.mailer import wire_bytes
from tests.support import events as ev
from tests.support.disposable import free_port
from tests.support.firmview import (
    HISTORY_PERIOD,
    NAMES,
    SECTORS,
    graph_of_a_small_firm,
    notifier_history,
)
from tests.support.mail import raw_headers
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers
from tests.support.staff_sign_in import Outbox, ask_for_link, link_in, run_the_worker


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> Iterator[PagesUnderTest]:
    with (
        graph_of_a_small_firm(neo4j_driver, servers) as graph_url,
        pages_under_test(
            tmp_path,
            servers.endpoints.redis_url,
            staff_emails=["equipe@firm.example"],
            graph_url=graph_url,
        ) as running,
    ):
        notifier_history(running.notifier.factory, datetime.now(UTC))
        yield running


def test_a_staff_member_signs_in_by_the_emailed_link_and_sees_the_revival_table(
    pages: PagesUnderTest,
) -> None:
    outbox = Outbox()
    pages.notifier.digests.mailer = outbox  # where the page mailed from before the worker did
    before = datetime.now(UTC).replace(microsecond=0)
    for address in ("equipe@firm.example", "someone@else.example"):
        answer = ask_for_link(pages, address)
        assert answer.status_code == 200
        assert "un lien de connexion vient de lui" in answer.text
    assert run_the_worker(pages, outbox) == ["equipe@firm.example", "someone@else.example"]
    after = datetime.now(UTC)
    assert [m["To"] for m in outbox.sent] == ["equipe@firm.example"]
    # Dated and identified like a digest, on the wire.
    raw = wire_bytes(outbox.sent[0])
    [message_id] = raw_headers(raw, "Message-ID")
    assert re.fullmatch(r"<[\w.]+\.staff-sign-in@braise\.example\.org>", message_id)
    [date] = raw_headers(raw, "Date")
    assert before <= parsedate_to_datetime(date) <= after
    assert raw_headers(raw, "From") == ["Braise <reseau@braise.example.org>"]
    assert raw_headers(raw, "Content-Language") == ["fr"]
    firm = pages.client.get(link_in(outbox.sent[0]))
    assert firm.status_code == 200
    assert "La vue du cabinet" in firm.text
    revival = firm.text[firm.text.index('id="revival-stage"') :]
    assert (
        '<td>Endormi</td><td class="n">1</td><td class="n">1</td><td class="n">100</td>' in revival
    )
    assert (
        '<td>Qui refroidit</td><td class="n">1</td><td class="n">0</td><td class="n">0</td>'
        in revival
    )
    by_reason = firm.text[firm.text.index('id="revival-reason"') :]
    # Each suggestion under the reason that set it apart, not under "was strong" they share.
    assert _row("Une nouvelle compétence", 1, 1, 100) in by_reason
    assert _row("Des points communs", 1, 0, 0) in by_reason
    assert "Un lien fort autrefois" not in by_reason[: by_reason.index("</table>")]
    answers = firm.text[firm.text.index('id="feedback"') :]
    assert _row("Inviter", 1, 0, 0) in answers
    matrix = firm.text[firm.text.index('id="sector-matrix"') :]
    assert "1. Banque (5)" in matrix  # the biggest sector first, with its people
    assert "6 liens vivants" in firm.text  # dormant and faded links are not live
    thinning = firm.text[firm.text.index('id="thinning-table"') :]
    assert '<th scope="row">Banque</th><td class="n">6</td><td class="n">4</td>' in thinning
    assert "Santé</th>" not in thinning  # it lost nothing
    history = firm.text[
        firm.text.index('id="history"') : firm.text.index(
            "</table>", firm.text.index('id="history"')
        )
    ]
    assert re.findall(r'<th scope="col" class="n">([^<]+)</th>', history) == [
        "Non éteints",
        "Naissant",
        "Qui grandit",
        "Actif",
        "Qui refroidit",
        "Endormi",
        "Éteint",
    ]  # the graph's order of stages, whatever order the rows come back in
    assert "links-now" not in firm.text  # one count per stage: the weekly record, dated
    assert history.count('<tr><td class="nowrap">') == 3
    assert re.search(r"<td>envoyés\s:\s1</td>", firm.text)
    for name in NAMES:
        assert name not in firm.text
    for n in range(1, len(NAMES) + 1):
        assert str(ev.cid(n)) not in firm.text


def _row(words: str, *figures: int) -> str:
    return f"<td>{words}</td>" + "".join(f'<td class="n">{n}</td>' for n in figures)


def test_the_staff_link_expires_and_a_consultant_session_opens_no_firm_view(
    pages: PagesUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pages.client.get("/pages/firm").status_code == 401
    pages.client.get(pages.link("preferences", str(ev.cid(1))), follow_redirects=False)
    assert pages.client.get("/pages/firm").status_code == 401
    link = pages.link("staff", "equipe@firm.example")
    monkeypatch.setattr(staff_sign_in, "LINK_MAX_AGE_S", -1)  # older than its 15 minutes
    assert pages.client.get(link).status_code == 400


def test_the_dashboard_json_needs_a_staff_token_and_names_no_one(pages: PagesUnderTest) -> None:
    assert pages.client.get("/v1/dashboard").status_code == 401
    own = consultant_headers(ev.cid(1))
    assert pages.client.get("/v1/dashboard", headers=own).status_code == 403
    answer = pages.client.get("/v1/dashboard", headers=admin_headers())
    figures = answer.json()
    assert figures["revival"]["window_weeks"] == 8
    assert figures["revival"]["gesture"] == [
        {"key": "invite", "suggestions": 1, "revived": 1, "rate": 1.0},
        {"key": "share", "suggestions": 1, "revived": 0, "rate": 0.0},
    ]
    assert figures["revival"]["reason"] == [
        {"key": "hook.skill", "suggestions": 1, "revived": 1, "rate": 1.0},
        {"key": "shared", "suggestions": 1, "revived": 0, "rate": 0.0},
    ]
    assert figures["feedback_by_gesture"] == [
        {"gesture": "invite", "done": 1, "not_now": 0, "never": 0},
        {"gesture": "share", "done": 0, "not_now": 1, "never": 0},
    ]
    assert figures["digests_by_period"] == {HISTORY_PERIOD: {"sent": 1}}
    assert [w["links_by_stage"]["active"] for w in figures["history"]] == [4, 5, 6]
    stages = figures["links_by_stage"]
    assert stages["faded"] == 1
    assert stages["dormant"] == 2
    sectors = figures["sectors"]
    assert sum(p["links"] for p in sectors["pairs"]) == sum(stages.values()) - 3  # 2 dormant
    assert {s["sector"]["label"] for s in sectors["sectors"]} == set(SECTORS)
    assert [w["links_by_sector"]["banque"] for w in figures["sector_history"]] == [6, 4]
    for name in NAMES:
        assert name not in answer.text
    for n in range(1, len(NAMES) + 1):
        assert str(ev.cid(n)) not in answer.text


def test_without_the_graph_the_firms_view_shows_what_the_notifier_knows(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    with pages_under_test(
        tmp_path,
        servers.endpoints.redis_url,
        staff_emails=["equipe@firm.example"],
        graph_url=f"http://127.0.0.1:{free_port()}",
    ) as running:
        notifier_history(running.notifier.factory, datetime.now(UTC))
        running.client.get(running.link("staff", "equipe@firm.example"))
        firm = running.client.get("/pages/firm")
        figures = running.client.get("/v1/dashboard", headers=admin_headers()).json()
    assert firm.status_code == 200
    assert "Les chiffres du réseau reviennent dans un instant." in firm.text
    assert 'id="sector-matrix"' not in firm.text
    assert 'id="thinning-table"' in firm.text  # the notifier's own weekly records
    assert figures["sectors"] is None
    assert figures["links_by_stage"] is None
    assert figures["revival"]["stage"][0]["key"] == "cooling"
