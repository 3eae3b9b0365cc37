"""The graph read API on real Neo4j: links, revival candidates with reasons, stats, auth."""

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from prometheus_client import REGISTRY

from braise_graph import ranking, reads
from braise_graph.api import create_app
from braise_graph.ranking import Candidate, Person, rank
from braise_graph.store import GraphStore
from braise_shared.candidates import (
    MAX_BATCH,
    CandidatesBatch,
    FailedReader,
    RevivalCandidates,
)
from braise_shared.tags import tag_key
from tests.support import events as ev
from tests.support.disposable import free_port
from tests.support.graph import graph_settings, new_store
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers

DAY = 86_400.0
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()
ME, OLD_FRIEND, COLLEAGUE, OPTED_OUT, NEWCOMER, COOLING = 1, 2, 3, 4, 5, 6
LIMITS = {"dormant": 3, "cooling": 2}  # what a digest holds, as the notifier asks


@pytest.fixture
def graph(neo4j_driver: Driver, servers: SessionServers) -> Iterator[tuple[TestClient, GraphStore]]:
    settings = graph_settings(servers)
    store = new_store(neo4j_driver)
    with TestClient(create_app(settings, driver=neo4j_driver)) as client:
        yield client, store


def _firm(store: GraphStore) -> None:
    store.apply(
        [
            ev.profile(
                ME, name="Camille", skills=("Python",), sectors=("Banque",), interests=("Voile",)
            ),
            ev.profile(
                OLD_FRIEND,
                name="Karim",
                skills=("Python", "SAP"),
                sectors=("Énergie",),
                interests=("Voile",),
            ),
            ev.profile(COLLEAGUE, name="Léa", skills=("Python",), sectors=("Banque",)),
            ev.profile(OPTED_OUT, name="Hugo", sectors=("Santé",), suggestable=False),
            ev.profile(NEWCOMER, name="Inès", sectors=("Retail",)),
            ev.profile(COOLING, name="Jules", sectors=("Industrie",)),
        ]
    )
    two_years_ago = NOW - 730 * DAY
    store.apply(
        [
            # A strong mission two years ago, lunches after it, then silence: dormant.
            ev.interaction(
                [ME, OLD_FRIEND],
                two_years_ago,
                kind="mission_together",
                note="Migration SAP chez Enedis",
                initiator=ME,
            ),
            ev.interaction(
                [ME, OLD_FRIEND], two_years_ago + 30 * DAY, kind="lunch", initiator=OLD_FRIEND
            ),
            ev.interaction([ME, OLD_FRIEND], two_years_ago + 90 * DAY, kind="lunch", initiator=ME),
            # The same story with someone who opted out of being suggested.
            ev.interaction([ME, OPTED_OUT], two_years_ago, kind="mission_together"),
            # Active now.
            ev.interaction([ME, COLLEAGUE], NOW - 5 * DAY, kind="mission_together"),
            ev.interaction([ME, COLLEAGUE], NOW - 2 * DAY, kind="lunch"),
            # Young link.
            ev.interaction([ME, NEWCOMER], NOW - 10 * DAY, kind="call"),
            # Was strong six months ago, quiet since: cooling.
            ev.interaction([ME, COOLING], NOW - 200 * DAY, kind="mission_together"),
            ev.interaction([ME, COOLING], NOW - 150 * DAY, kind="lunch"),
        ]
    )
    # Karim learnt something new last month: a hook.
    store.apply(
        [
            ev.profile(
                OLD_FRIEND,
                revision=2,
                name="Karim",
                skills=("Python", "SAP", "Kubernetes"),
                sectors=("Énergie",),
                interests=("Voile",),
                t=NOW - 30 * DAY,
            )
        ]
    )


def _at() -> str:
    return datetime.fromtimestamp(NOW, UTC).isoformat()


def _tags(*labels: str) -> list[dict[str, str]]:
    return [{"key": tag_key(label), "label": label} for label in labels]


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).date().isoformat()


def test_links_show_strength_stage_and_history(graph: tuple[TestClient, GraphStore]) -> None:
    client, store = graph
    _firm(store)
    response = client.get(
        f"/v1/consultants/{ev.cid(ME)}/links",
        params={"at": _at()},
        headers=consultant_headers(ev.cid(ME)),
    )
    assert response.status_code == 200
    links = {link["other_name"]: link for link in response.json()}
    assert {n: link["stage"] for n, link in links.items()} == {
        "Karim": "dormant",
        "Hugo": "dormant",
        "Léa": "active",
        "Inès": "nascent",
        "Jules": "cooling",
    }
    karim = links["Karim"]
    assert karim["counts_by_kind"] == {"lunch": 2, "mission_together": 1}
    assert (karim["initiated_by_me"], karim["initiated_by_other"]) == (2, 1)
    assert karim["reciprocity"] == 0.5
    assert karim["peak"] > 10
    assert karim["strength"] < 0.15 * karim["peak"]

    only_dormant = client.get(
        f"/v1/consultants/{ev.cid(ME)}/links",
        params={"at": _at(), "stage": "dormant"},
        headers=admin_headers(),
    )
    assert sorted(link["other_name"] for link in only_dormant.json()) == ["Hugo", "Karim"]


def test_revival_candidates_rank_dormant_then_cooling_with_reasons(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    response = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=consultant_headers(ev.cid(ME)),
    )
    assert response.status_code == 200
    body = response.json()
    assert [(c["other_name"], c["stage"]) for c in body["candidates"]] == [
        ("Karim", "dormant"),
        ("Jules", "cooling"),
    ]
    assert body["locale"] == "fr"
    karim = body["candidates"][0]
    # Reasons are facts: a code and its parameters; the notifier's catalogs write the words.
    assert all(set(r) == {"code", "params"} for c in body["candidates"] for r in c["reasons"])
    facts = {r["code"]: r["params"] for r in karim["reasons"]}
    # Who reached out to whom weighs in the score, and is never a reason.
    assert list(facts) == ["was_strong", "last_seen", "shared", "hook", "novelty"]
    assert karim["components"]["trust"] == 0.5
    interaction_days = {_day(NOW - 730 * DAY + d * DAY) for d in (0, 30, 90)}
    assert facts["was_strong"]["peak_at"] in interaction_days
    # The window: the peak's month and the two before it, counted from the pair's log.
    peak_month = date.fromisoformat(facts["was_strong"]["peak_at"])
    months = peak_month.year * 12 + peak_month.month
    log = [
        (NOW - 730 * DAY + d * DAY, k)
        for d, k in ((0, "mission_together"), (30, "lunch"), (90, "lunch"))
    ]
    held = [
        (t, k)
        for t, k in log
        if 0
        <= months - (date.fromisoformat(_day(t)).year * 12 + date.fromisoformat(_day(t)).month)
        < 3
    ]
    assert facts["was_strong"]["kinds"] == dict(Counter(k for _, k in held))
    assert facts["was_strong"]["first_day"] == _day(held[0][0])
    assert facts["was_strong"]["last_day"] == _day(held[-1][0])
    assert facts["was_strong"]["peak"] > 10
    assert facts["last_seen"] == {"last_at": _day(NOW - 640 * DAY), "kind": "lunch"}
    # Labels travel with their keys: the notifier words them in the reader's language.
    assert facts["shared"] == {"topics": _tags("Python", "Voile")}
    kubernetes = {"key": "kubernetes", "label": "Kubernetes"}
    assert facts["hook"] == {"news_kind": "skill", "news": kubernetes, "at": _day(NOW - 30 * DAY)}
    assert facts["novelty"] == {"topics": _tags("Énergie", "Kubernetes", "SAP")}
    assert karim["gesture"] == {
        "kind": "congratulate",
        "params": {"news_kind": "skill", "news": kubernetes},
    }
    # The answer parses into the shared contract the notifier reads.
    assert RevivalCandidates.model_validate(body).candidates[0].other_name == "Karim"


def test_revival_candidates_hold_at_most_what_the_caller_asks_per_stage(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    path = f"/v3/consultants/{ev.cid(ME)}/revival-candidates"

    def names(**limits: int) -> list[str]:
        response = client.get(path, params={"at": _at(), **limits}, headers=admin_headers())
        assert response.status_code == 200, response.text
        return [c["other_name"] for c in response.json()["candidates"]]

    assert names(dormant=1, cooling=1) == ["Karim", "Jules"]
    assert names(dormant=1, cooling=0) == ["Karim"]
    assert names(dormant=0, cooling=5) == ["Jules"]
    assert names(dormant=0, cooling=0) == []

    missing = client.get(path, params={"at": _at(), "dormant": 3}, headers=admin_headers())
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "cooling"]
    too_many = client.get(path, params={"dormant": 51, "cooling": 2}, headers=admin_headers())
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["query", "dormant"]
    # The v1 route wrote sentences; it is gone.
    v1 = f"/v1/consultants/{ev.cid(ME)}/revival-candidates"
    assert client.get(v1, params={"at": _at()}, headers=admin_headers()).status_code == 404


def test_suggested_people_rest_for_the_fatigue_window_and_popularity_is_not_the_graphs_rule(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    store.apply([ev.digest_sent(ME, [OLD_FRIEND], NOW - 3 * DAY)])
    body = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=admin_headers(),
    ).json()
    assert [c["other_name"] for c in body["candidates"]] == ["Jules"]

    # Jules was proposed to three other people this week: the graph still offers him. How
    # many readers a person may be proposed to is the notifier's spread cap (its spread.py).
    store.apply([ev.profile(n) for n in (20, 21, 22)])
    store.apply([ev.digest_sent(n, [COOLING], NOW - DAY) for n in (20, 21, 22)])
    body = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=admin_headers(),
    ).json()
    assert [c["other_name"] for c in body["candidates"]] == ["Jules"]

    a_month_later = datetime.fromtimestamp(NOW + 30 * DAY, UTC).isoformat()
    later = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": a_month_later, **LIMITS},
        headers=admin_headers(),
    ).json()
    assert [c["other_name"] for c in later["candidates"]][:1] == ["Karim"]


def test_consultant_token_sees_only_its_own_links(graph: tuple[TestClient, GraphStore]) -> None:
    client, store = graph
    _firm(store)
    other = consultant_headers(ev.cid(OLD_FRIEND))
    for path in ("v1/consultants/{}/links", "v3/consultants/{}/revival-candidates"):
        url = "/" + path.format(ev.cid(ME))
        assert client.get(url, params=LIMITS, headers=other).status_code == 403
        assert client.get(url, params=LIMITS).status_code == 401
    assert client.get("/v1/stats", headers=other).status_code == 403
    unknown = client.get(f"/v1/consultants/{uuid.uuid4()}/links", headers=admin_headers())
    assert unknown.status_code == 404


def test_stats_count_consultants_links_by_stage_and_events(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    stats = client.get("/v1/stats", headers=admin_headers()).json()
    assert stats["consultants"] == 6
    assert stats["links"] == 5
    assert sum(stats["links_by_stage"].values()) == 5
    assert stats["events_applied"] == 6 + 9 + 1


def test_shape_draws_every_consultant_by_sector_and_names_no_one(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    assert client.get("/v1/shape", headers=consultant_headers(ev.cid(ME))).status_code == 403
    response = client.get("/v1/shape", headers=admin_headers())
    assert response.status_code == 200
    shape = response.json()
    assert shape["consultants"] == 6
    sectors = sorted(n["sector"]["key"] for n in shape["nodes"])
    assert sectors == sorted(
        tag_key(s) for s in ("Banque", "Banque", "Énergie", "Santé", "Retail", "Industrie")
    )
    assert len(shape["links"]) == 5
    degree: dict[str, int] = {}
    for link in shape["links"]:
        degree[link["a"]] = degree.get(link["a"], 0) + 1
        degree[link["b"]] = degree.get(link["b"], 0) + 1
    assert sorted(degree.values()) == [1, 1, 1, 1, 1, 5]  # Camille knows the five others
    for person in (ME, OLD_FRIEND, COLLEAGUE, OPTED_OUT, NEWCOMER, COOLING):
        assert str(ev.cid(person)) not in response.text
    for name in ("Camille", "Karim", "Léa", "Hugo", "Inès", "Jules"):
        assert name not in response.text


def test_feedback_done_counts_as_an_interaction_never_and_not_now_rest_the_person(
    graph: tuple[TestClient, GraphStore], neo4j_driver: Driver
) -> None:
    client, store = graph
    _firm(store)

    def names() -> list[str]:
        body = client.get(
            f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
            params={"at": _at(), **LIMITS},
            headers=admin_headers(),
        ).json()
        return [c["other_name"] for c in body["candidates"]]

    assert names() == ["Karim", "Jules"]
    store.apply([ev.feedback(ME, OPTED_OUT, "done", NOW - DAY)])
    strength = neo4j_driver.execute_query(
        "MATCH (:Consultant {id: $a})-[r:LINK]-(:Consultant {id: $b}) "
        "RETURN r.count AS n, r.kinds AS k",
        a=str(ev.cid(ME)),
        b=str(ev.cid(OPTED_OUT)),
    ).records[0]
    assert strength["n"] == 2
    assert "rekindled" in strength["k"]

    store.apply([ev.feedback(ME, OLD_FRIEND, "never", NOW - DAY)])
    assert names() == ["Jules"]
    store.apply([ev.feedback(ME, COOLING, "not_now", NOW - DAY)])
    assert names() == []


def test_batch_route_answers_each_consultant_as_the_single_route_and_lists_unknown_ids(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    stranger = str(uuid.uuid4())
    asked = [ev.cid(ME), ev.cid(OLD_FRIEND), stranger, ev.cid(COOLING), ev.cid(NEWCOMER)]
    batch = client.post(
        "/v3/revival-candidates",
        json={"consultant_ids": [str(c) for c in asked], "at": _at(), **LIMITS},
        headers=admin_headers(),
    )
    assert batch.status_code == 200, batch.text
    body = CandidatesBatch.model_validate(batch.json())
    assert body.unknown == [stranger]
    known = [str(c) for c in asked if str(c) != stranger]
    assert [a.consultant_id for a in body.answers] == known
    for answer in body.answers:
        single = client.get(
            f"/v3/consultants/{answer.consultant_id}/revival-candidates",
            params={"at": _at(), **LIMITS},
            headers=admin_headers(),
        )
        assert single.status_code == 200
        assert answer == RevivalCandidates.model_validate(single.json())
    by_id = {a.consultant_id: [c.other_name for c in a.candidates] for a in body.answers}
    # Not a vacuous equality: the readers with old ties get people, the others none.
    assert by_id[str(ev.cid(ME))] == ["Karim", "Jules"]
    assert by_id[str(ev.cid(OLD_FRIEND))] == ["Camille"]
    assert by_id[str(ev.cid(NEWCOMER))] == []


def test_batch_route_bounds_its_size_and_keeps_consultant_tokens_to_themselves(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    path = "/v3/revival-candidates"
    too_many = [str(uuid.uuid4()) for _ in range(MAX_BATCH + 1)]
    refused = client.post(
        path, json={"consultant_ids": too_many, **LIMITS}, headers=admin_headers()
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "consultant_ids"]
    most = client.post(
        path, json={"consultant_ids": too_many[:MAX_BATCH], **LIMITS}, headers=admin_headers()
    )
    assert most.status_code == 200
    assert len(most.json()["unknown"]) == MAX_BATCH
    empty = client.post(path, json={"consultant_ids": [], **LIMITS}, headers=admin_headers())
    assert empty.status_code == 422
    no_limits = client.post(
        path, json={"consultant_ids": [str(ev.cid(ME))], "dormant": 3}, headers=admin_headers()
    )
    assert no_limits.json()["detail"][0]["loc"] == ["body", "cooling"]

    me = {"consultant_ids": [str(ev.cid(ME))], "at": _at(), **LIMITS}
    assert client.post(path, json=me, headers=consultant_headers(ev.cid(ME))).status_code == 200
    others = client.post(path, json=me, headers=consultant_headers(ev.cid(OLD_FRIEND)))
    assert others.status_code == 403
    assert others.json()["detail"][0]["loc"] == ["body", "consultant_ids"]
    assert client.post(path, json=me).status_code == 401


def test_the_people_declined_are_listed_to_their_owner_and_an_undo_lets_them_come_back(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    me = ev.cid(ME)

    def declined(headers: dict[str, str] | None = None) -> list[str]:
        response = client.get(
            f"/v1/consultants/{me}/declined", headers=headers or consultant_headers(me)
        )
        assert response.status_code == 200, response.text
        assert response.json()["consultant_id"] == str(me)
        return [p["other_name"] for p in response.json()["people"]]

    def candidates() -> list[str]:
        body = client.get(
            f"/v3/consultants/{me}/revival-candidates",
            params={"at": _at(), **LIMITS},
            headers=admin_headers(),
        ).json()
        return [c["other_name"] for c in body["candidates"]]

    assert declined() == []
    store.apply([ev.feedback(ME, OLD_FRIEND, "never", NOW - 3 * DAY)])
    store.apply([ev.feedback(ME, COOLING, "never", NOW - 2 * DAY)])
    assert declined() == ["Jules", "Karim"]  # the most recent first
    assert candidates() == []
    other = client.get(f"/v1/consultants/{me}/declined", headers=consultant_headers(ev.cid(2)))
    assert other.status_code == 403  # a consultant's own list only
    unknown = client.get(f"/v1/consultants/{ev.cid(99)}/declined", headers=admin_headers())
    assert unknown.status_code == 404

    store.apply([ev.undo_never(ME, OLD_FRIEND, NOW - DAY)])
    assert declined() == ["Jules"]
    assert candidates() == ["Karim"]

    # The latest click wins, in whatever order the clicks arrive: a replayed undo older than
    # a new "never" changes nothing, and a late "never" older than the undo neither.
    store.apply([ev.feedback(ME, OLD_FRIEND, "never", NOW - DAY / 2)])
    store.apply([ev.undo_never(ME, OLD_FRIEND, NOW - DAY)])
    assert declined() == ["Karim", "Jules"]
    store.apply(
        [ev.undo_never(ME, COOLING, NOW - DAY / 4), ev.feedback(ME, COOLING, "never", NOW - DAY)]
    )
    assert declined() == ["Karim"]


def test_a_multi_line_mission_note_reads_on_one_line_in_the_news(
    graph: tuple[TestClient, GraphStore],
) -> None:
    client, store = graph
    _firm(store)
    # Karim starts a mission with someone else three days ago; notes may hold line breaks.
    store.apply(
        [
            ev.interaction(
                [OLD_FRIEND, NEWCOMER],
                NOW - 3 * DAY,
                kind="mission_together",
                note="  Refonte SI\nPhase 2\r\n\tlot 3 ",
            )
        ]
    )
    response = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=consultant_headers(ev.cid(ME)),
    )
    assert response.status_code == 200, response.text
    karim = response.json()["candidates"][0]
    assert karim["other_name"] == "Karim"
    news = {"key": "refonte si phase 2 lot 3", "label": "Refonte SI Phase 2 lot 3"}
    facts = {r["code"]: r["params"] for r in karim["reasons"]}
    assert facts["hook"] == {"news_kind": "mission", "news": news, "at": _day(NOW - 3 * DAY)}
    assert karim["gesture"] == {
        "kind": "congratulate",
        "params": {"news_kind": "mission", "news": news},
    }


def test_a_reader_whose_ranking_fails_is_listed_apart_and_the_others_are_answered(
    graph: tuple[TestClient, GraphStore],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, store = graph
    _firm(store)

    def rank_failing_for_me(me: Person, *args: Any, **kwargs: Any) -> list[Candidate]:
        if me.id == str(ev.cid(ME)):
            raise ValueError("a datum the ranking cannot take")
        return rank(me, *args, **kwargs)

    monkeypatch.setattr(reads, "rank", rank_failing_for_me)
    failures_before = _failures("ValueError")
    asked = [ev.cid(OLD_FRIEND), ev.cid(ME), ev.cid(COOLING)]
    batch = client.post(
        "/v3/revival-candidates",
        json={"consultant_ids": [str(c) for c in asked], "at": _at(), **LIMITS},
        headers=admin_headers(),
    )
    assert batch.status_code == 200, batch.text
    body = CandidatesBatch.model_validate(batch.json())
    assert [a.consultant_id for a in body.answers] == [
        str(ev.cid(OLD_FRIEND)),
        str(ev.cid(COOLING)),
    ]
    assert [c.other_name for c in body.answers[0].candidates] == ["Camille"]
    assert body.unknown == []
    assert body.failed == [
        FailedReader(
            consultant_id=str(ev.cid(ME)), reason="ValueError: a datum the ranking cannot take"
        )
    ]
    assert _failures("ValueError") == failures_before + 1
    [logged] = [r for r in caplog.records if r.name == "braise_graph.revival"]
    assert getattr(logged, "consultant_id", None) == str(ev.cid(ME))
    assert "ValueError: a datum the ranking cannot take" in logged.getMessage()
    caplog.clear()
    # The single route cannot answer for that reader alone, and says so; others are answered.
    single = client.get(
        f"/v3/consultants/{ev.cid(ME)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=admin_headers(),
    )
    assert single.status_code == 500
    assert single.json()["detail"] == [
        {
            "loc": ["path", "consultant_id"],
            "msg": f"candidates of {ev.cid(ME)} cannot be ranked: "
            "ValueError: a datum the ranking cannot take",
            "type": "candidates_failed",
        }
    ]
    other = client.get(
        f"/v3/consultants/{ev.cid(OLD_FRIEND)}/revival-candidates",
        params={"at": _at(), **LIMITS},
        headers=admin_headers(),
    )
    assert other.status_code == 200
    assert RevivalCandidates.model_validate(other.json()) == body.answers[0]


def _failures(error: str) -> float:
    value = REGISTRY.get_sample_value("braise_candidates_failed_total", {"error": error})
    return value or 0.0


def test_a_card_whose_facts_cannot_be_written_is_left_out_and_the_readers_others_answered(
    graph: tuple[TestClient, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, store = graph
    _firm(store)
    original = ranking._reasons

    def refusing_karims(me: Person, link: Any, *args: Any) -> Any:
        if link.other.id == str(ev.cid(OLD_FRIEND)):
            raise ValueError("a datum the contract refuses")
        return original(me, link, *args)

    monkeypatch.setattr(ranking, "_reasons", refusing_karims)
    dropped_before = REGISTRY.get_sample_value(
        "braise_candidate_cards_dropped_total", {"error": "ValueError"}
    )
    batch = client.post(
        "/v3/revival-candidates",
        json={"consultant_ids": [str(ev.cid(ME))], "at": _at(), **LIMITS},
        headers=admin_headers(),
    )
    assert batch.status_code == 200, batch.text
    body = CandidatesBatch.model_validate(batch.json())
    assert body.failed == []
    [answer] = body.answers
    assert [(c.other_name, c.stage) for c in answer.candidates] == [("Jules", "cooling")]
    dropped = REGISTRY.get_sample_value(
        "braise_candidate_cards_dropped_total", {"error": "ValueError"}
    )
    assert (dropped or 0.0) == (dropped_before or 0.0) + 1


def test_links_answer_503_with_retry_after_while_neo4j_is_down(servers: SessionServers) -> None:
    settings = graph_settings(
        servers,
        neo4j_uri=f"bolt://127.0.0.1:{free_port()}",  # nothing listens: Neo4j is down
        neo4j_retry_s=0,
    )
    app = create_app(settings)
    # Without its lifespan: the app started while Neo4j answered, which has gone since.
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get(
        f"/v1/consultants/{ev.cid(ME)}/links", headers=consultant_headers(ev.cid(ME))
    )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["detail"][0]["type"] == "unavailable"
    declared = app.openapi()["paths"]["/v1/consultants/{consultant_id}/links"]["get"]["responses"]
    assert "Retry-After" in declared["503"]["headers"]
