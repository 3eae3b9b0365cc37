"""My network: the digest's words for cooling and dormant links, its actions, "we met"."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from braise_shared.candidates import InviteGesture, RevivalCandidate
from braise_shared.stream import EVENTS_STREAM
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers
from tests.support.streams import entries


class FakeGraph:
    """The graph's candidates for every reader: the people given, in order."""

    def __init__(self, candidates: list[RevivalCandidate]) -> None:
        self.given = candidates
        self.asked: list[tuple[str, int, int]] = []

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        assert not rested  # the page shows the people of the last digest too
        self.asked.append((consultant_id, dormant, cooling))
        return self.given

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> dict[str, list[RevivalCandidate]]:
        return {c: self.candidates(c, dormant=dormant, cooling=cooling) for c in consultant_ids}


def _candidate(other_id: str, name: str, stage: str) -> RevivalCandidate:
    return RevivalCandidate.model_validate(
        {
            "other_id": other_id,
            "other_name": name,
            "stage": stage,
            "score": 0.5,
            "components": {},
            "strength": 0.5,
            "peak": 12.0,
            "last_at": datetime(2024, 6, 1, tzinfo=UTC),
            "gesture": InviteGesture(),
            "reasons": [],
        }
    )


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def _firm(pages: PagesUnderTest) -> tuple[str, str, str]:
    camille = pages.profiles.register("camille@example.org", "Camille Martin")
    karim = pages.profiles.register("karim@example.org", "Karim Benali")
    lea = pages.profiles.register("lea@example.org", "Léa Dubois", locale="fr")
    pages.know_everyone()
    graph = FakeGraph(
        [
            _candidate(karim["id"], "Karim Benali", "dormant"),
            _candidate(lea["id"], "Léa", "cooling"),
        ]
    )
    pages.notifier.digests.graph = graph
    return camille["id"], karim["id"], lea["id"]


def test_the_page_words_each_link_as_the_digest_does_with_its_three_actions(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, _lea = _firm(pages)
    page = pages.client.get(pages.link("network", camille))
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Karim Benali" in page.text
    assert "Léa" in page.text
    codes = re.findall(r'action="/l/([A-Za-z0-9_-]+)"', page.text)
    purposes = [pages.notifier.signer.purpose_of(code) for code in codes]
    cards = page.text.count('<section class="card"')
    assert cards == 2  # Karim and Léa
    assert purposes == ["done", "not_now", "never"] * cards
    assert 'aria-current="page"' in page.text


def test_done_from_the_page_publishes_the_digests_feedback_event(pages: PagesUnderTest) -> None:
    camille, karim, _lea = _firm(pages)
    pages.notifier.publisher.prepare()
    page = pages.client.get(pages.link("network", camille)).text
    [done] = [
        f"/l/{code}"
        for code in re.findall(r'action="/l/([A-Za-z0-9_-]+)"', page)
        if pages.notifier.signer.purpose_of(code) == "done"
        and pages.notifier.signer.verify("done", code).other_id == karim
    ]
    assert pages.client.post(done).status_code == 200
    events = [json.loads(f[b"event"]) for _, f in entries(pages.profiles.redis, EVENTS_STREAM)]
    feedback = [e["data"] for e in events if e["type"] == "suggestion.feedback"]
    assert [(f["consultant_id"], f["other_id"], f["action"]) for f in feedback] == [
        (camille, karim, "done")
    ]


def test_we_met_records_a_lunch_in_profiles_as_the_consultant_who_reached_out(
    pages: PagesUnderTest,
) -> None:
    camille, karim, _lea = _firm(pages)
    page = pages.client.get(pages.link("network", camille)).text
    saved = pages.client.post(
        "/pages/network/met",
        data={"csrf": pages.csrf(page), "kind": "lunch", "other_id": karim, "day": "2026-01-15"},
    )
    assert saved.status_code == 200
    assert "noté, merci" in saved.text
    stored = pages.profiles.client.get(
        "/v1/interactions", params={"consultant_id": camille}, headers=admin_headers()
    ).json()
    assert [(i["kind"], i["initiator"], sorted(i["participants"])) for i in stored] == [
        ("lunch", camille, sorted([camille, karim]))
    ]


def test_we_met_refused_by_profiles_says_so_kindly_and_records_nothing(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, _lea = _firm(pages)
    page = pages.client.get(pages.link("network", camille)).text
    refused = pages.client.post(
        "/pages/network/met",
        data={"csrf": pages.csrf(page), "kind": "lunch", "other_id": camille, "day": "2026-01-15"},
    )
    assert refused.status_code == 422
    assert "Mon réseau" in refused.text


def test_my_network_of_an_erased_consultant_says_the_account_no_longer_exists(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, _lea = _firm(pages)
    assert pages.client.get(pages.link("network", camille)).status_code == 200
    erased = pages.profiles.client.delete(f"/v1/consultants/{camille}", headers=admin_headers())
    assert erased.status_code == 204
    pages.know_everyone()  # the notifier's consumer applies consultant.erased

    page = pages.client.get("/pages/network")
    assert page.status_code == 410
    assert "Ce compte n&#39;existe plus" in page.text
    assert "Karim Benali" not in page.text
    assert "braise_page" not in pages.client.cookies  # the session ends with the account
    assert pages.client.get(pages.link("network", camille)).status_code == 410
