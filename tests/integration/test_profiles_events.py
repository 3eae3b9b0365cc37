"""Profiles writes and the events they publish, against real Redis, on SQLite and PostgreSQL."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import redis

from braise_shared.events import parse_event
from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers


@pytest.fixture
def profiles(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(sql_url, servers.endpoints.redis_url) as running:
        yield running


def _lunch(a: str, b: str, when: str = "2025-05-20T12:30:00+02:00", **extra: Any) -> dict[str, Any]:
    return {"kind": "lunch", "participants": [a, b], "occurred_at": when, **extra}


def test_each_accepted_write_publishes_exactly_one_event(profiles: ProfilesUnderTest) -> None:
    http, admin = profiles.client, admin_headers()
    camille = profiles.register("camille@example.org", "Camille Martin", skills=["Data Science"])
    karim = profiles.register("karim@example.org", "Karim Benali", sectors=["Énergie"])
    steps: list[tuple[str, Any]] = [
        ("consultant.registered", None),
        ("consultant.registered", None),
    ]
    response = http.patch(f"/v1/consultants/{camille['id']}", json={"city": "Lyon"}, headers=admin)
    assert response.status_code == 200
    steps.append(("consultant.updated", None))
    response = http.put(
        f"/v1/consultants/{karim['id']}/preferences",
        json={"frequency": "monthly", "locale": "en"},
        headers=consultant_headers(karim["id"]),
    )
    assert response.status_code == 200
    assert response.json() == {
        "frequency": "monthly",
        "day_of_week": "monday",
        "locale": "en",
        "suggestable": True,
        "resume_on": None,
    }
    steps.append(("preferences.changed", None))
    response = http.post("/v1/interactions", json=_lunch(camille["id"], karim["id"]), headers=admin)
    assert response.status_code == 201
    steps.append(("interaction.recorded", None))
    response = http.delete(f"/v1/consultants/{karim['id']}", headers=admin)
    assert response.status_code == 204
    steps.append(("consultant.erased", None))

    assert profiles.drain() == len(steps)
    events = profiles.stream_events()
    assert [e["type"] for e in events] == [t for t, _ in steps]
    for wire in events:
        assert set(wire) == {
            "id",
            "type",
            "version",
            "occurred_at",
            "recorded_at",
            "producer",
            "data",
        }
        assert wire["producer"] == "profiles"
        assert wire["version"] == (2 if wire["type"] == "preferences.changed" else 1)
        parse_event(orjson.dumps(wire))
    assert len({e["id"] for e in events}) == len(events)

    registered, _, updated, prefs, lunch, erased = events
    assert registered["data"]["skills"] == [{"key": "data science", "label": "Data Science"}]
    assert updated["data"]["city"] == "Lyon"
    assert updated["data"]["revision"] == 2
    assert prefs["data"] == {
        "consultant_id": karim["id"],
        "revision": 2,
        "frequency": "monthly",
        "day_of_week": "monday",
        "locale": "en",
        "suggestable": True,
        "resume_on": None,
    }
    assert lunch["data"]["participants"] == [camille["id"], karim["id"]]
    assert lunch["occurred_at"] == "2025-05-20T10:30:00Z"
    assert erased["data"] == {"consultant_id": karim["id"]}


def repr_bytes(wire: dict[str, Any]) -> bytes:
    import orjson

    return orjson.dumps(wire)


def test_rejected_writes_publish_nothing(profiles: ProfilesUnderTest) -> None:
    http, admin = profiles.client, admin_headers()
    camille = profiles.register("camille@example.org", "Camille Martin")
    karim = profiles.register("karim@example.org", "Karim Benali")
    assert profiles.drain() == 2
    stranger = str(uuid.uuid4())

    refusals = [
        (
            http.post(
                "/v1/interactions",
                json=_lunch(camille["id"], karim["id"]) | {"kind": "x"},
                headers=admin,
            ),
            422,
            ["body", "kind"],
        ),
        (
            http.post("/v1/interactions", json=_lunch(camille["id"], stranger), headers=admin),
            422,
            ["body", "participants"],
        ),
        (
            http.post(
                "/v1/interactions",
                json=_lunch(camille["id"], karim["id"], when="2999-01-01T00:00:00Z"),
                headers=admin,
            ),
            422,
            ["body", "occurred_at"],
        ),
        (
            http.post(
                "/v1/consultants",
                json={"email": "CAMILLE@example.org", "display_name": "C"},
                headers=admin,
            ),
            409,
            ["body", "email"],
        ),
        (
            http.post(
                "/v1/consultants",
                json={"email": "new@example.org", "display_name": "N"},
                headers=consultant_headers(camille["id"]),
            ),
            403,
            ["header", "Authorization"],
        ),
        (
            http.post("/v1/consultants", json={"email": "new@example.org", "display_name": "N"}),
            401,
            ["header", "Authorization"],
        ),
        (
            http.post(
                "/v1/interactions/bulk",
                json={
                    "items": [_lunch(camille["id"], karim["id"]), _lunch(camille["id"], stranger)]
                },
                headers=admin,
            ),
            422,
            ["body", "items", 1, "participants"],
        ),
        (
            http.patch(f"/v1/consultants/{stranger}", json={"city": "Nantes"}, headers=admin),
            404,
            ["path", "consultant_id"],
        ),
    ]
    for response, status, loc in refusals:
        assert response.status_code == status, response.text
        assert response.json()["detail"][0]["loc"] == loc, response.text
        assert response.json()["detail"][0]["msg"]

    assert profiles.drain() == 0
    assert len(profiles.stream_events()) == 2
    listed = http.get("/v1/interactions", headers=admin).json()
    assert listed == []


def test_oversized_request_is_refused_before_it_is_read(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> None:
    with profiles_under_test(sql_url, servers.endpoints.redis_url, max_body_bytes=2000) as p:
        response = p.client.post(
            "/v1/consultants",
            json={"email": "a@example.org", "display_name": "A", "skills": ["x" * 50] * 40},
            headers=admin_headers(),
        )
        assert response.status_code == 413
        assert response.json()["detail"][0]["type"] == "too_large"
        assert p.drain() == 0


def test_idempotency_key_records_once(profiles: ProfilesUnderTest) -> None:
    http, admin = profiles.client, admin_headers()
    a = profiles.register("a@example.org", "Anne")
    b = profiles.register("b@example.org", "Bruno")
    headers = admin | {"Idempotency-Key": "import-2026-11-28-line-1"}

    first = http.post("/v1/interactions", json=_lunch(a["id"], b["id"]), headers=headers)
    second = http.post("/v1/interactions", json=_lunch(a["id"], b["id"]), headers=headers)
    other = http.post(
        "/v1/interactions", json=_lunch(a["id"], b["id"], note="autre"), headers=headers
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert other.status_code == 409
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert profiles.drain() == 3
    assert [e["type"] for e in profiles.stream_events()].count("interaction.recorded") == 1


def test_csv_import_takes_valid_rows_and_reports_bad_ones(profiles: ProfilesUnderTest) -> None:
    a = profiles.register("anne@example.org", "Anne")
    b = profiles.register("bruno@example.org", "Bruno")
    c = profiles.register("chloe@example.org", "Chloé")
    csv_text = "\n".join(
        [
            "kind,participants,occurred_at,initiator,note",
            "lunch,anne@example.org;BRUNO@example.org,2025-01-15,anne@example.org,",
            f"event,{a['id']};{b['id']};{c['id']},2025-02-01T18:00:00+01:00,,Afterwork",
            "lunch,anne@example.org;nobody@example.org,2025-01-16,,",
            "brunch,anne@example.org;bruno@example.org,2025-01-16,,",
            "call,anne@example.org;bruno@example.org,2999-01-01,,",
            'call,anne@example.org;chloe@example.org,2025-03-01T09:00:00Z,,"Suivi, mission',
            'Enedis"',
            "call,anne@example.org,2025-03-02T09:00:00Z,,",
        ]
    )
    response = profiles.client.post(
        "/v1/interactions/import",
        files={"file": ("history.csv", csv_text.encode(), "text/csv")},
        headers=admin_headers(),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 3
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert sorted(reasons) == [4, 5, 6, 9]
    assert "nobody@example.org" in reasons[4]
    assert reasons[5].startswith("kind: Value error, unknown interaction kind 'brunch'")
    assert reasons[6].startswith("occurred_at:")
    assert "future" in reasons[6]
    assert reasons[9].startswith("participants:")

    assert profiles.drain() == 3 + 3
    recorded = [e for e in profiles.stream_events() if e["type"] == "interaction.recorded"]
    assert [e["data"]["kind"] for e in recorded] == ["lunch", "event", "call"]
    assert recorded[0]["data"]["occurred_at"] == "2025-01-15T12:00:00Z"
    assert recorded[0]["data"]["initiator"] == a["id"]
    assert recorded[2]["data"]["note"] == "Suivi, mission\nEnedis"


def test_erasure_forgets_the_person_and_their_interactions(profiles: ProfilesUnderTest) -> None:
    http, admin = profiles.client, admin_headers()
    a = profiles.register("anne@example.org", "Anne")
    b = profiles.register("bruno@example.org", "Bruno")
    c = profiles.register("chloe@example.org", "Chloé")
    http.post("/v1/interactions", json=_lunch(a["id"], b["id"], initiator=b["id"]), headers=admin)
    group = http.post(
        "/v1/interactions",
        json={
            "kind": "event",
            "participants": [a["id"], b["id"], c["id"]],
            "occurred_at": "2025-06-01T18:00:00Z",
            "initiator": b["id"],
        },
        headers=admin,
    ).json()

    assert (
        http.delete(f"/v1/consultants/{b['id']}", headers=consultant_headers(b["id"])).status_code
        == 204
    )

    assert http.get(f"/v1/consultants/{b['id']}", headers=admin).status_code == 404
    assert http.get(f"/v1/consultants/{b['id']}/export", headers=admin).status_code == 404
    remaining = http.get("/v1/interactions", headers=admin).json()
    assert [i["id"] for i in remaining] == [group["id"]]
    assert remaining[0]["participants"] == sorted([a["id"], c["id"]])
    assert remaining[0]["initiator"] is None
    # The e-mail is free again: nothing of theirs is kept.
    assert profiles.register("bruno@example.org", "Bruno")["id"] != b["id"]


def test_export_returns_everything_held_about_one_person(profiles: ProfilesUnderTest) -> None:
    http = profiles.client
    a = profiles.register("anne@example.org", "Anne", interests=["Voile"], city="Brest")
    b = profiles.register("bruno@example.org", "Bruno")
    http.post(
        "/v1/interactions", json=_lunch(a["id"], b["id"], note="Projet X"), headers=admin_headers()
    )

    export = http.get(f"/v1/consultants/{a['id']}/export", headers=consultant_headers(a["id"]))

    assert export.status_code == 200
    body = export.json()
    assert body["consultant"]["email"] == "anne@example.org"
    assert body["consultant"]["interests"] == [{"key": "voile", "label": "Voile"}]
    assert body["consultant"]["preferences"]["suggestable"] is True
    assert [i["note"] for i in body["interactions"]] == ["Projet X"]


def test_list_is_paginated_and_filtered_by_normalized_tags(profiles: ProfilesUnderTest) -> None:
    for i in range(5):
        profiles.register(
            f"p{i}@example.org", f"P{i}", skills=["Data Science"] if i % 2 else ["SAP"]
        )
    admin = admin_headers()

    first = profiles.client.get("/v1/consultants?limit=2", headers=admin).json()
    second = profiles.client.get(
        f"/v1/consultants?limit=2&cursor={first['next_cursor']}", headers=admin
    ).json()
    third = profiles.client.get(
        f"/v1/consultants?limit=2&cursor={second['next_cursor']}", headers=admin
    ).json()
    ids = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert third["next_cursor"] is None

    data = profiles.client.get("/v1/consultants?skill=data-science", headers=admin).json()
    assert sorted(c["email"] for c in data["items"]) == ["p1@example.org", "p3@example.org"]


def test_consultant_token_reaches_nobody_elses_data(profiles: ProfilesUnderTest) -> None:
    http = profiles.client
    me = profiles.register("me@example.org", "Moi")
    other = profiles.register("other@example.org", "Autre")
    third = profiles.register("third@example.org", "Tiers")
    theirs = http.post(
        "/v1/interactions", json=_lunch(other["id"], third["id"]), headers=admin_headers()
    ).json()
    mine = consultant_headers(me["id"])
    oid = other["id"]
    when = datetime(2025, 1, 1, tzinfo=UTC).isoformat()

    attempts = [
        http.get(f"/v1/consultants/{oid}", headers=mine),
        http.patch(f"/v1/consultants/{oid}", json={"city": "Paris"}, headers=mine),
        http.delete(f"/v1/consultants/{oid}", headers=mine),
        http.get(f"/v1/consultants/{oid}/export", headers=mine),
        http.get(f"/v1/consultants/{oid}/preferences", headers=mine),
        http.put(f"/v1/consultants/{oid}/preferences", json={"frequency": "paused"}, headers=mine),
        http.get("/v1/consultants", headers=mine),
        http.post(
            "/v1/consultants/bulk",
            json={"items": [{"email": "x@example.org", "display_name": "X"}]},
            headers=mine,
        ),
        http.get(f"/v1/interactions?consultant_id={oid}", headers=mine),
        http.get(f"/v1/interactions/{theirs['id']}", headers=mine),
        http.post("/v1/interactions", json=_lunch(oid, third["id"], when=when), headers=mine),
        http.post(
            "/v1/interactions/bulk",
            json={"items": [_lunch(me["id"], oid, when=when)]},
            headers=mine,
        ),
        http.post(
            "/v1/interactions/import",
            files={"file": ("h.csv", b"kind\n", "text/csv")},
            headers=mine,
        ),
    ]
    assert [r.status_code for r in attempts] == [403] * 9 + [404] + [403] * 3
    # Their own data stays reachable, and nothing was changed by the attempts.
    assert http.get(f"/v1/consultants/{me['id']}", headers=mine).status_code == 200
    assert http.get("/v1/interactions", headers=mine).json() == []
    assert http.get(f"/v1/consultants/{oid}", headers=admin_headers()).json()["city"] is None
