"""The firm's occasions in the real graph: stored by revision, withdrawn, erased, pruned, read
through the real stream by the real consumer, and proposed as junction points by the API."""

import time
from pathlib import Path
from typing import Any

import redis
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_graph.api import create_app
from braise_graph.reads import GraphReader
from braise_shared.candidates import InviteGesture, JunctionReason, RevivalCandidates
from braise_shared.events import Event, dump_event
from braise_shared.publisher import EventPublisher
from tests.support import events as ev
from tests.support.graph import as_entries, graph_settings, new_store
from tests.support.processes import service_process, wait_until
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers

DAY = 86_400.0
NOW = time.time()
SOON = NOW + 10 * DAY

STORED = """
MATCH (o:Occasion {id: $id})
OPTIONAL MATCH (c:Consultant)-[:ATTENDS]->(o)
WITH o, c ORDER BY c.id
RETURN o {.*} AS props, collect(c.id) AS attendees
"""


def _stored(driver: Driver, n: int) -> tuple[dict[str, Any], list[str]] | None:
    records, _, _ = driver.execute_query(STORED, id=str(ev.oid(n)))
    return (records[0]["props"], records[0]["attendees"]) if records else None


def _ids(*numbers: int) -> list[str]:
    return [str(ev.cid(n)) for n in numbers]


def test_an_occasion_is_kept_by_revision_and_its_attendees_replaced(neo4j_driver: Driver) -> None:
    store = new_store(neo4j_driver)
    people: list[Event] = [ev.profile(n) for n in (1, 2, 3)]
    first = ev.occasion(1, SOON, [1, 2])
    store.apply_entries(as_entries([*people, first]))
    stored = _stored(neo4j_driver, 1)
    assert stored is not None
    props, attendees = stored
    assert (props["title"], props["revision"], props["city"]) == (
        "Petit-déjeuner du cabinet",
        1,
        "Paris",
    )
    assert props["starts_at"] == first.data.starts_at.timestamp()
    assert attendees == _ids(1, 2)
    moved = ev.occasion(1, SOON + DAY, [2, 3], revision=2, place="Le Train Bleu")
    store.apply_entries(as_entries([moved], first=10))
    store.apply_entries(as_entries([first], first=11))  # an older revision, late
    store.apply_entries(as_entries([moved], first=10))  # a redelivery
    props, attendees = _stored(neo4j_driver, 1) or ({}, [])
    assert (props["revision"], props["place"]) == (2, "Le Train Bleu")
    assert props["starts_at"] == moved.data.starts_at.timestamp()
    assert attendees == _ids(2, 3)
    records, _, _ = neo4j_driver.execute_query("MATCH (o:Occasion) RETURN count(o) AS n")
    assert records[0]["n"] == 1


def test_a_withdrawn_occasion_is_a_tombstone_an_older_revision_cannot_revive(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    store = new_store(neo4j_driver)
    reader = GraphReader(neo4j_driver, graph_settings(servers))
    store.apply_entries(as_entries([ev.profile(1), ev.profile(2), ev.occasion(1, SOON, [1, 2])]))
    assert [o.id for o in reader.upcoming_occasions(now=NOW)] == [str(ev.oid(1))]
    store.apply_entries(as_entries([ev.withdrawn(1, 2)], first=10))
    store.apply_entries(as_entries([ev.occasion(1, SOON, [1, 2], revision=2)], first=11))
    props, attendees = _stored(neo4j_driver, 1) or ({}, [])
    assert props["withdrawn"] is True
    assert props.get("title") is None
    assert attendees == []
    assert reader.upcoming_occasions(now=NOW) == ()
    store.apply_entries(as_entries([ev.occasion(1, SOON, [1], revision=3)], first=12))
    assert [o.attendees for o in reader.upcoming_occasions(now=NOW)] == [frozenset(_ids(1))]


def test_who_declined_and_all_day_are_stored_by_revision_and_erasure_forgets_them(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    store = new_store(neo4j_driver)
    reader = GraphReader(neo4j_driver, graph_settings(servers))
    people: list[Event] = [ev.profile(n) for n in (1, 2, 3)]
    first = ev.occasion(1, SOON, [1], declined=[2, 3], all_day=True, hours=24)
    store.apply_entries(as_entries([*people, first]))
    (upcoming,) = reader.upcoming_occasions(now=NOW)
    assert upcoming.declined == frozenset(_ids(2, 3))
    assert upcoming.attendees == frozenset(_ids(1))
    fact = upcoming.fact()
    assert (fact.all_day, fact.revision) == (True, 1)
    # A later revision replaces who declined; an older one, late, changes nothing.
    second = ev.occasion(1, SOON, [1, 3], declined=[2], revision=2)
    store.apply_entries(as_entries([second], first=10))
    store.apply_entries(as_entries([first], first=11))
    (upcoming,) = reader.upcoming_occasions(now=NOW)
    assert (upcoming.declined, upcoming.attendees) == (frozenset(_ids(2)), frozenset(_ids(1, 3)))
    assert (upcoming.fact().all_day, upcoming.fact().revision) == (False, 2)
    store.apply_entries(as_entries([ev.erased(2)], first=12))
    store.apply_entries(as_entries([ev.occasion(1, SOON, [1], declined=[2], revision=3)], first=13))
    (upcoming,) = reader.upcoming_occasions(now=NOW)
    assert upcoming.declined == frozenset()
    records, _, _ = neo4j_driver.execute_query("MATCH ()-[d:DECLINED]->() RETURN count(d) AS n")
    assert records[0]["n"] == 0


def test_erasure_removes_the_persons_attendances_for_good(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    store = new_store(neo4j_driver)
    reader = GraphReader(neo4j_driver, graph_settings(servers))
    store.apply_entries(as_entries([ev.profile(1), ev.profile(2), ev.occasion(1, SOON, [1, 2])]))
    store.apply_entries(as_entries([ev.erased(2)], first=10))
    (upcoming,) = reader.upcoming_occasions(now=NOW)
    assert upcoming.attendees == frozenset(_ids(1))
    # A later revision naming the erased person does not bring them back.
    store.apply_entries(as_entries([ev.occasion(1, SOON, [1, 2], revision=2)], first=11))
    (upcoming,) = reader.upcoming_occasions(now=NOW)
    assert upcoming.attendees == frozenset(_ids(1))
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Consultant {id: $id}) RETURN count(c) AS n", id=str(ev.cid(2))
    )
    assert records[0]["n"] == 0


def test_past_occasions_are_not_upcoming_and_old_ones_are_pruned(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    store = new_store(neo4j_driver)
    reader = GraphReader(neo4j_driver, graph_settings(servers))
    batch: list[Event] = [
        ev.occasion(1, NOW - 2 * DAY, [1, 2]),  # last week: kept a while, never upcoming
        ev.occasion(2, NOW - 30 * DAY, [1, 2]),  # a month ago: pruned
        ev.occasion(3, NOW + 60 * DAY, [1, 2]),  # beyond the horizon
        ev.occasion(4, SOON, [1, 2]),
    ]
    store.apply_entries(as_entries(batch))
    assert _stored(neo4j_driver, 1) is not None
    assert _stored(neo4j_driver, 2) is None
    assert [o.id for o in reader.upcoming_occasions(now=NOW)] == [str(ev.oid(4))]


def _publish(client: redis.Redis, events: list[Event]) -> None:
    publisher = EventPublisher(client, groups=("graph",))
    publisher.prepare()
    publisher.publish_many([(str(e.id), dump_event(e)) for e in events])


def _caught_up(client: redis.Redis) -> bool:
    groups: list[dict[str, Any]] = client.xinfo_groups("braise:events")
    found = next((g for g in groups if g["name"] in (b"graph", "graph")), None)
    return found is not None and bool(found["lag"] == 0 and found["pending"] == 0)


def test_the_consumer_reads_occasions_from_the_stream_and_the_api_proposes_the_junction(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> None:
    old = NOW - 400 * DAY
    events: list[Event] = [ev.profile(n, city="Paris") for n in (1, 2, 3)]
    # Two dormant links of consultant 1: with 2 (once strong) and with 3 (stronger still).
    events += [ev.interaction([1, 2], old + d * DAY, kind="mission_together") for d in (0, 20)]
    events += [ev.interaction([1, 3], old + d * DAY, kind="mission_together") for d in (0, 9, 30)]
    events += [
        ev.occasion(1, SOON, [1, 2], title="Petit-déjeuner du jeudi"),
        ev.occasion(2, SOON - DAY, [1, 2], title="Afterwork annulé"),
        ev.withdrawn(2, 2),
    ]
    _publish(redis_client, events)
    e = servers.endpoints
    env = {
        "REDIS_URL": e.redis_url,
        "NEO4J_URI": e.neo4j_uri,
        "NEO4J_USER": e.neo4j_user,
        "NEO4J_PASSWORD": e.neo4j_password.get_secret_value(),
        "BRAISE_GRAPH_CONSUMER_NAME": "graph-occasions",
    }
    with service_process("braise_graph.consumer", env, tmp_path / "c.log") as proc:
        wait_until(lambda: _caught_up(redis_client), timeout_s=120, what="the group caught up")
        assert "Traceback" not in proc.log_tail(200)
    assert (_stored(neo4j_driver, 1) or ({}, []))[1] == _ids(1, 2)
    with TestClient(create_app(graph_settings(servers), driver=neo4j_driver)) as client:
        answer = client.get(
            f"/v3/consultants/{ev.cid(1)}/revival-candidates",
            params={"dormant": 3, "cooling": 0},
            headers=admin_headers(),
        )
    assert answer.status_code == 200, answer.text
    candidates = RevivalCandidates.model_validate(answer.json()).candidates
    assert [c.other_id for c in candidates] == _ids(2, 3)
    first = candidates[0]
    assert isinstance(first.reasons[0], JunctionReason)
    occasion = first.reasons[0].params.occasion
    assert (occasion.occasion_id, occasion.title) == (str(ev.oid(1)), "Petit-déjeuner du jeudi")
    assert isinstance(first.gesture, InviteGesture)
    assert first.gesture.params.occasion == occasion
    assert not any(isinstance(r, JunctionReason) for r in candidates[1].reasons)
