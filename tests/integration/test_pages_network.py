"""My network: every link by stage with its last exchange, "we met" for anyone, "not now" and
"never" with its undo, a search box past 30 people."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from braise_shared.candidates import DeclinedPerson, InviteGesture, RevivalCandidate
from braise_shared.network import ConsultantLink
from braise_shared.stream import EVENTS_STREAM
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers
from tests.support.streams import entries


class FakeGraph:
    """The graph's answers for every reader: the candidates and the links given, in order."""

    def __init__(self, candidates: list[RevivalCandidate], links: list[ConsultantLink]) -> None:
        self.given = candidates
        self.given_links = links
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

    def links(self, consultant_id: str) -> list[ConsultantLink]:
        return self.given_links

    def declined(self, consultant_id: str) -> list[DeclinedPerson]:
        return []


def _link(other_id: str, name: str, stage: str, last: datetime) -> ConsultantLink:
    return ConsultantLink.model_validate(
        {
            "other_id": other_id,
            "other_name": name,
            "strength": 0.5,
            "stage": stage,
            "peak": 12.0,
            "peak_at": last,
            "first_at": last,
            "last_at": last,
            "count": 3,
            "counts_by_kind": {"lunch": 3},
            "initiated_by_me": 1,
            "initiated_by_other": 2,
            "reciprocity": 0.5,
        }
    )


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


def _firm(pages: PagesUnderTest) -> tuple[str, str, str, str]:
    camille = pages.profiles.register("camille@example.org", "Camille Martin")
    karim = pages.profiles.register("karim@example.org", "Karim Benali")
    lea = pages.profiles.register("lea@example.org", "Léa Dubois", locale="fr")
    ines = pages.profiles.register("ines@example.org", "Inès Roy")
    pages.know_everyone()
    graph = FakeGraph(
        [_candidate(karim["id"], "Karim Benali", "dormant")],
        [
            _link(karim["id"], "Karim Benali", "dormant", datetime(2024, 6, 1, tzinfo=UTC)),
            _link(lea["id"], "Léa Dubois", "cooling", datetime(2026, 3, 2, tzinfo=UTC)),
            _link(ines["id"], "Inès Roy", "faded", datetime(2023, 5, 9, tzinfo=UTC)),
        ],
    )
    pages.notifier.digests.graph = graph
    pages.notifier.graph = graph  # type: ignore[assignment]
    return camille["id"], karim["id"], lea["id"], ines["id"]


def test_the_page_shows_every_stage_with_the_last_exchange_and_faded_folded(
    pages: PagesUnderTest,
) -> None:
    camille, karim, lea, ines = _firm(pages)
    page = pages.client.get(pages.link("network", camille))
    assert page.status_code == 200
    text = page.text
    assert '<html lang="fr">' in text
    assert text.index("Des liens qui refroidissent") < text.index("Des liens endormis")
    lea_card = text[text.index(f'id="who-{lea}"') :]
    lea_card = lea_card[: lea_card.index("</section>")]
    assert "Dernier échange" in lea_card
    assert "mars 2026" in lea_card
    for who in (karim, lea, ines):
        assert f'id="who-{who}"' in text
    folded = text[text.index('<details class="group">') :]
    assert "Des liens effacés" in folded
    assert f'id="who-{ines}"' in folded
    assert f'id="who-{karim}"' not in folded
    assert text.count('<option value="') >= 3  # "we met" offers everyone of the network
    assert 'name="q"' not in text  # no search box for three people


def test_never_from_the_page_publishes_it_and_offers_the_undo_at_once(
    pages: PagesUnderTest,
) -> None:
    camille, karim, _lea, _ines = _firm(pages)
    pages.notifier.publisher.prepare()
    page = pages.client.get(pages.link("network", camille)).text
    said = pages.client.post(
        "/pages/network/answer",
        data={"csrf": pages.csrf(page), "other_id": karim, "action": "never"},
    )
    assert said.status_code == 200
    assert "ne vous proposera plus Karim Benali" in said.text
    assert 'value="undo_never"' in said.text
    undone = pages.client.post(
        "/pages/network/answer",
        data={"csrf": pages.csrf(said.text), "other_id": karim, "action": "undo_never"},
    )
    assert "pourra de nouveau vous proposer Karim Benali" in undone.text
    events = [json.loads(f[b"event"]) for _, f in entries(pages.profiles.redis, EVENTS_STREAM)]
    feedback = [e for e in events if e["type"] == "suggestion.feedback"]
    assert [(e["version"], e["data"]["other_id"], e["data"]["action"]) for e in feedback] == [
        (2, karim, "never"),
        (2, karim, "undo_never"),
    ]


def test_an_answer_without_its_form_token_is_refused_and_publishes_nothing(
    pages: PagesUnderTest,
) -> None:
    camille, karim, _lea, _ines = _firm(pages)
    pages.notifier.publisher.prepare()
    pages.client.get(pages.link("network", camille))
    refused = pages.client.post(
        "/pages/network/answer", data={"csrf": "forged", "other_id": karim, "action": "never"}
    )
    assert refused.status_code == 403
    events = [json.loads(f[b"event"]) for _, f in entries(pages.profiles.redis, EVENTS_STREAM)]
    assert [e for e in events if e["type"] == "suggestion.feedback"] == []


def test_we_met_records_a_lunch_and_the_card_says_so_at_once(pages: PagesUnderTest) -> None:
    camille, karim, _lea, _ines = _firm(pages)
    page = pages.client.get(pages.link("network", camille)).text
    saved = pages.client.post(
        "/pages/network/met",
        data={"csrf": pages.csrf(page), "kind": "lunch", "other_id": karim, "day": "2026-01-15"},
    )
    assert saved.status_code == 200
    card = saved.text[saved.text.index(f'id="who-{karim}"') :]
    card = card[: card.index("</section>")]
    assert "Noté : un déjeuner le 15 janvier 2026." in card.replace("\u00a0", " ").replace(
        "\u202f", " "
    )
    assert "Dernier échange" not in card  # nothing the lunch made untrue
    assert "2024" not in card
    stored = pages.profiles.client.get(
        "/v1/interactions", params={"consultant_id": camille}, headers=admin_headers()
    ).json()
    assert [(i["kind"], i["initiator"], sorted(i["participants"])) for i in stored] == [
        ("lunch", camille, sorted([camille, karim]))
    ]


def test_we_met_says_the_day_recorded_and_its_kind_even_before_the_last_exchange(
    pages: PagesUnderTest,
) -> None:
    camille, karim, _lea, _ines = _firm(pages)
    page = pages.client.get(pages.link("network", camille)).text
    saved = pages.client.post(
        "/pages/network/met",
        data={"csrf": pages.csrf(page), "kind": "call", "other_id": karim, "day": "2023-05-10"},
    )
    assert saved.status_code == 200
    card = saved.text[saved.text.index(f'id="who-{karim}"') :]
    card = card[: card.index("</section>")].replace("\u00a0", " ").replace("\u202f", " ")
    # A call, on the day recorded (not the later last exchange, and no "vus").
    assert "Noté : un appel le 10 mai 2023." in card
    assert "vous vous êtes vus" not in card
    # A kind the notifier does not know: the day, and "votre échange".
    unknown = pages.client.get(
        "/pages/network", params={"met": karim, "day": "2023-05-10", "kind": "séance"}
    ).text
    unknown = unknown[unknown.index(f'id="who-{karim}"') :]
    assert "Noté : votre échange du 10 mai 2023." in unknown.replace("\u00a0", " ").replace(
        "\u202f", " "
    )


def test_we_met_refused_by_profiles_says_so_kindly_and_links_back(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, _lea, _ines = _firm(pages)
    page = pages.client.get(pages.link("network", camille)).text
    refused = pages.client.post(
        "/pages/network/met",
        data={"csrf": pages.csrf(page), "kind": "lunch", "other_id": camille, "day": "2026-01-15"},
    )
    assert refused.status_code == 422
    assert 'href="/pages/network"' in refused.text
    assert 'href="/pages/preferences"' in refused.text


def test_past_thirty_people_a_search_box_finds_a_name_without_its_accents(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, lea, _ines = _firm(pages)
    graph = pages.notifier.graph
    assert isinstance(graph, FakeGraph)
    when = datetime(2025, 1, 6, tzinfo=UTC)
    graph.given_links += [
        _link(str(uuid.UUID(int=1000 + n)), f"Personne {n}", "faded", when) for n in range(30)
    ]
    page = pages.client.get(pages.link("network", camille)).text
    assert 'name="q"' in page
    found = pages.client.get("/pages/network", params={"q": "lea"}).text
    assert f'id="who-{lea}"' in found
    assert "Personne 1" not in found


def test_my_network_of_an_erased_consultant_says_the_account_no_longer_exists(
    pages: PagesUnderTest,
) -> None:
    camille, _karim, _lea, _ines = _firm(pages)
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
