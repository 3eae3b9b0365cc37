"""The graph's live links between sectors (`GET /v1/sector-links`): counts only, staff only."""

import httpx
from neo4j import Driver

from braise_shared.shape import SectorLinks
from braise_shared.tags import tag_key
from tests.support import events as ev
from tests.support.firmview import NAMES, graph_of_a_small_firm
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers


def test_live_links_are_counted_by_sector_pair_and_name_no_one(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    with graph_of_a_small_firm(neo4j_driver, servers) as url:
        mine = httpx.get(f"{url}/v1/sector-links", headers=consultant_headers(ev.cid(1)))
        assert mine.status_code == 403
        response = httpx.get(f"{url}/v1/sector-links", headers=admin_headers())
    assert response.status_code == 200
    found = SectorLinks.model_validate_json(response.content)
    bank, energy, health, retail = (tag_key(s) for s in ("Banque", "Énergie", "Santé", "Retail"))
    assert [(s.sector.key if s.sector else None, s.people) for s in found.sectors] == [
        (bank, 5),
        (energy, 2),
        (health, 2),
        (retail, 1),
    ]
    # Dormant (1-2, 3-4) and faded (2-10) links are asleep: not counted. The group mission of
    # 1, 3 and 5 joins three sectors; 5-6 is within Santé, 7-8 crosses, 9-10 is within Banque.
    pairs = {(p.a, p.b): p.links for p in found.pairs}
    assert pairs == {
        tuple(sorted((bank, bank))): 1,
        tuple(sorted((bank, energy))): 1,
        tuple(sorted((bank, health))): 1,
        tuple(sorted((energy, health))): 1,
        tuple(sorted((health, health))): 1,
        tuple(sorted((bank, retail))): 1,
    }
    assert found.touching() == {bank: 4, energy: 2, health: 3, retail: 1}
    assert found.live_stages == ["nascent", "growing", "active", "cooling"]
    for name in NAMES:
        assert name not in response.text
    for n in range(1, len(NAMES) + 1):
        assert str(ev.cid(n)) not in response.text
