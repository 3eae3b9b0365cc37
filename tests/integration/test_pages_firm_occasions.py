"""The firm's view shows the upcoming occasions with how many consultants are expected, never
who; the graph's route behind it answers staff only."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_graph.api import create_app
from braise_shared.occasions import UpcomingOccasions
from tests.support import events as ev
from tests.support.firmview import NAMES, graph_of_a_small_firm
from tests.support.graph import graph_settings, new_store
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers
from tests.support.staff_sign_in import Outbox, ask_for_link, link_in, run_the_worker

DAY = 86_400.0


def _calendar(now: float) -> list[ev.OccasionEvent]:
    return [
        ev.occasion(1, now + 9 * DAY, [1, 2, 3], title="Petit-déjeuner du jeudi"),
        ev.occasion(2, now + 3 * DAY, [1], title="Atelier en visio", online=True),
        ev.occasion(3, now + 4 * DAY, [1, 2], title="Soirée annulée"),
        ev.withdrawn(3, 2, t=now),
        ev.occasion(4, now - 2 * DAY, [1, 2], title="Conférence passée"),
    ]


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> Iterator[PagesUnderTest]:
    with (
        graph_of_a_small_firm(neo4j_driver, servers, occasion_horizon_days=10) as graph_url,
        pages_under_test(
            tmp_path,
            servers.endpoints.redis_url,
            staff_emails=["equipe@firm.example"],
            graph_url=graph_url,
        ) as running,
    ):
        new_store(neo4j_driver).apply(_calendar(datetime.now(UTC).timestamp()))
        yield running


def test_staff_see_the_upcoming_occasions_with_counts_and_no_names(pages: PagesUnderTest) -> None:
    outbox = Outbox()
    pages.notifier.digests.mailer = outbox
    assert ask_for_link(pages, "equipe@firm.example").status_code == 200
    run_the_worker(pages, outbox)
    firm = pages.client.get(link_in(outbox.sent[0]))
    assert firm.status_code == 200
    section = firm.text[
        firm.text.index('id="occasions"') : firm.text.index(
            "</table>", firm.text.index('id="occasions"')
        )
    ]
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td class=\"n\">(\d+)</td>", section
    )
    assert [(title, place, int(n)) for title, _when, place, n in rows] == [
        ("Atelier en visio", "en ligne", 1),
        ("Petit-déjeuner du jeudi", "Café Pouchkine, 16 place de la Madeleine, Paris", 3),
    ]
    assert all(re.search(r"\d{4} à \d\d:\d\d$", when) for _t, when, _p, _n in rows)
    # The hint says the graph's horizon (10 days here), not a fixed six weeks.
    assert "Celles des 10 prochains jours" in firm.text
    assert "six prochaines semaines" not in firm.text
    for name in NAMES:
        assert name not in firm.text


def test_the_graphs_occasions_route_counts_attendees_for_staff_only(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    now = datetime.now(UTC).timestamp()
    store = new_store(neo4j_driver)
    store.apply([ev.profile(n) for n in (1, 2, 3)])
    store.apply(_calendar(now))
    with TestClient(create_app(graph_settings(servers), driver=neo4j_driver)) as client:
        answer = client.get("/v1/occasions", headers=admin_headers())
        refused = client.get("/v1/occasions", headers=consultant_headers(str(ev.cid(1))))
    assert answer.status_code == 200, answer.text
    upcoming = UpcomingOccasions.model_validate(answer.json())
    assert [(o.occasion.title, o.attendees) for o in upcoming.occasions] == [
        ("Atelier en visio", 1),
        ("Petit-déjeuner du jeudi", 3),
    ]
    assert str(ev.cid(1)) not in answer.text
    assert refused.status_code == 403
