"""Bad input to profiles gets a 4xx naming the field, never a 500, and records nothing."""

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.profiles import (
    ProfilesUnderTest,
    admin_headers,
    consultant_headers,
    profiles_under_test,
)
from tests.support.servers import SessionServers

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def profiles(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def _lunch(a: str, b: str, when: str = "2025-05-20T12:30:00+02:00", **extra: Any) -> dict[str, Any]:
    return {"kind": "lunch", "participants": [a, b], "occurred_at": when, **extra}


def _refused(response: Any, status: int, loc: list[str | int]) -> None:
    assert response.status_code == status, response.text
    assert response.json()["detail"][0]["loc"] == loc, response.text
    assert response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("skill=", "skill"),
        ("sector=~", "sector"),
        ("interest=>", "interest"),
        ("skill=" + "x" * 61, "skill"),
        ("skill=" + "x" * 200, "skill"),
        ("sector=Data%00Science", "sector"),
        ("interest=Voile%0D%0A", "interest"),
    ],
)
def test_a_tag_query_that_normalizes_to_nothing_or_too_much_is_a_422(
    profiles: ProfilesUnderTest, query: str, param: str
) -> None:
    response = profiles.client.get(f"/v1/consultants?{query}", headers=admin_headers())
    _refused(response, 422, ["query", param])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "Camille\r\nBcc: someone@example.org"),
        ("display_name", "Camille\x00"),
        ("display_name", "Camille\n"),
        ("email", "camille\x00@example.org"),
        ("city", "Lyon\u2028"),
        ("city", "Ly\x85on"),
        ("skills", ["Py\tthon"]),
        ("sectors", ["Énergie\x7f"]),
        ("interests", ["Voile\u2029"]),
    ],
)
def test_a_control_character_in_any_profile_field_is_a_422_naming_it(
    profiles: ProfilesUnderTest, field: str, value: Any
) -> None:
    body = {"email": "camille@example.org", "display_name": "Camille", field: value}
    response = profiles.client.post("/v1/consultants", json=body, headers=admin_headers())
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert "U+" in response.json()["detail"][0]["msg"]
    assert profiles.drain() == 0


def test_a_lone_surrogate_is_a_422_not_a_broken_error_handler(
    profiles: ProfilesUnderTest,
) -> None:
    anne = profiles.register("anne@example.org", "Anne")
    response = profiles.client.patch(
        f"/v1/consultants/{anne['id']}",
        content=b'{"city": "\\ud800"}',
        headers=admin_headers() | JSON,
    )
    _refused(response, 422, ["body", "city"])
    assert "surrogate" in response.json()["detail"][0]["msg"]
    unknown = profiles.client.post(
        "/v1/consultants",
        content=b'{"email": "a@example.org", "display_name": "A", "\\udc00": 1}',
        headers=admin_headers() | JSON,
    )
    assert unknown.status_code == 422, unknown.text


def test_a_note_keeps_line_feeds_and_tabs_but_not_other_controls(
    profiles: ProfilesUnderTest,
) -> None:
    a = profiles.register("anne@example.org", "Anne")["id"]
    b = profiles.register("bruno@example.org", "Bruno")["id"]
    kept = profiles.client.post(
        "/v1/interactions", json=_lunch(a, b, note="Projet\tX\r\nsuite"), headers=admin_headers()
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["note"] == "Projet\tX\nsuite"
    refused = profiles.client.post(
        "/v1/interactions", json=_lunch(a, b, note="Projet\x00"), headers=admin_headers()
    )
    _refused(refused, 422, ["body", "note"])


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "1969-12-31T23:59:59Z"],
)
def test_an_interaction_before_1970_is_refused(profiles: ProfilesUnderTest, when: str) -> None:
    a = profiles.register("anne@example.org", "Anne")["id"]
    b = profiles.register("bruno@example.org", "Bruno")["id"]
    response = profiles.client.post(
        "/v1/interactions", json=_lunch(a, b, when=when), headers=admin_headers()
    )
    _refused(response, 422, ["body", "occurred_at"])


@pytest.mark.parametrize("when", ["2999-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"])
def test_an_interaction_in_the_far_future_is_refused(
    profiles: ProfilesUnderTest, when: str
) -> None:
    a = profiles.register("anne@example.org", "Anne")["id"]
    b = profiles.register("bruno@example.org", "Bruno")["id"]
    response = profiles.client.post(
        "/v1/interactions", json=_lunch(a, b, when=when), headers=admin_headers()
    )
    _refused(response, 422, ["body", "occurred_at"])


def test_an_idempotency_key_over_200_characters_is_a_422_naming_the_header(
    profiles: ProfilesUnderTest,
) -> None:
    a = profiles.register("anne@example.org", "Anne")["id"]
    b = profiles.register("bruno@example.org", "Bruno")["id"]
    response = profiles.client.post(
        "/v1/interactions",
        json=_lunch(a, b),
        headers=admin_headers() | {"Idempotency-Key": "k" * 201},
    )
    _refused(response, 422, ["header", "Idempotency-Key"])
    assert profiles.drain() == 2


def test_patching_a_required_field_to_null_is_a_422(profiles: ProfilesUnderTest) -> None:
    anne = profiles.register("anne@example.org", "Anne", city="Brest")
    for field in ("display_name", "email"):
        response = profiles.client.patch(
            f"/v1/consultants/{anne['id']}", json={field: None}, headers=admin_headers()
        )
        _refused(response, 422, ["body", field])
    cleared = profiles.client.patch(
        f"/v1/consultants/{anne['id']}", json={"city": None}, headers=admin_headers()
    )
    assert cleared.status_code == 200
    assert cleared.json()["city"] is None


def test_another_consultants_interactions_are_refused_naming_the_query(
    profiles: ProfilesUnderTest,
) -> None:
    me = profiles.register("me@example.org", "Moi")["id"]
    other = profiles.register("other@example.org", "Autre")["id"]
    response = profiles.client.get(
        f"/v1/interactions?consultant_id={other}", headers=consultant_headers(me)
    )
    _refused(response, 403, ["query", "consultant_id"])


@pytest.mark.parametrize("path", ["/v1/interactions/bulk", "/v1/consultants/bulk"])
def test_reading_a_bulk_route_is_a_405(profiles: ProfilesUnderTest, path: str) -> None:
    response = profiles.client.get(path, headers=admin_headers())
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def test_a_chunked_body_over_the_limit_is_a_413(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "a@example.org", "display_name": "'
        for _ in range(30):
            yield b"x" * 100
        yield b'"}'

    with profiles_under_test(tmp_path, servers.endpoints.redis_url, max_body_bytes=2000) as p:
        response = p.client.post(
            "/v1/consultants", content=chunks(), headers=admin_headers() | JSON
        )
        assert "content-length" not in {k.lower() for k in response.request.headers}
        _refused(response, 413, ["body"])
        assert p.drain() == 0


def _import(profiles: ProfilesUnderTest, text: str) -> Any:
    return profiles.client.post(
        "/v1/interactions/import",
        files={"file": ("history.csv", text.encode(), "text/csv")},
        headers=admin_headers(),
    )


def test_a_csv_cell_over_the_csv_modules_limit_is_a_rejected_row(
    profiles: ProfilesUnderTest,
) -> None:
    profiles.register("anne@example.org", "Anne")
    profiles.register("bruno@example.org", "Bruno")
    pair = "anne@example.org;bruno@example.org"
    text = (
        "kind,participants,occurred_at,note\n"
        f'call,{pair},2025-01-01,"{"n" * 200_000}"\n'
        f"lunch,{pair},2025-01-02,ok\n"
    )
    response = _import(profiles, text)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    [rejected] = response.json()["rejected"]
    assert rejected["line"] == 2
    assert "longer than" in rejected["reason"]


def test_a_csv_unclosed_quote_costs_its_row_only(profiles: ProfilesUnderTest) -> None:
    profiles.register("anne@example.org", "Anne")
    profiles.register("bruno@example.org", "Bruno")
    pair = "anne@example.org;bruno@example.org"
    text = "\n".join(
        [
            "kind,participants,occurred_at,note",
            f'call,{pair},2025-01-01,"never closed',
            f"lunch,{pair},2025-01-02,",
            f"lunch,{pair},2025-01-03,Note\x00",
            f"call,{pair},2025-01-04,",
        ]
    )
    report = _import(profiles, text).json()
    assert report["accepted"] == 2
    assert [(r["line"], r["reason"].split(":")[0]) for r in report["rejected"]] == [
        (2, "a quote opened on this row is never closed"),
        (4, "note"),
    ]


def test_a_csv_of_stray_quotes_is_counted_row_by_row(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    rows = 50_000
    text = "kind,participants,occurred_at,note\n" + "".join(
        f'call,a@example.org;b@example.org,2025-01-01,"note {i}\n' for i in range(rows)
    )
    with profiles_under_test(tmp_path, servers.endpoints.redis_url, max_body_bytes=10_000_000) as p:
        response = _import(p, text)
    _refused(response, 422, ["body", "file"])
    assert response.json()["detail"][0]["msg"].startswith(f"{rows} rows; at most")


def test_a_path_that_is_not_an_id_is_a_404(profiles: ProfilesUnderTest) -> None:
    stranger = uuid.uuid4()
    response = profiles.client.get(f"/v1/consultants/{stranger}x", headers=admin_headers())
    assert response.status_code == 404


@pytest.mark.parametrize(
    "resume_on",
    [
        "2026-13-01",  # no such month
        "next week",
        "2025-01-06",  # long past
        (date.today() + timedelta(weeks=60)).isoformat(),  # past the longest break
        (date.today() - timedelta(days=3)).isoformat(),
        "2026-12-01T00:00:00",  # a moment, not a day
        12,
    ],
)
def test_a_bad_end_of_break_is_a_422_naming_resume_on_and_changes_nothing(
    profiles: ProfilesUnderTest, resume_on: object
) -> None:
    anne = profiles.register("anne@example.org", "Anne")
    assert profiles.drain() == 1
    url = f"/v1/consultants/{anne['id']}/preferences"
    response = profiles.client.put(
        url,
        json={"frequency": "monthly", "resume_on": resume_on},
        headers=consultant_headers(anne["id"]),
    )
    _refused(response, 422, ["body", "resume_on"])
    stored = profiles.client.get(url, headers=consultant_headers(anne["id"])).json()
    assert (stored["frequency"], stored["resume_on"]) == ("weekly", None)  # nothing half-written
    assert profiles.drain() == 0  # and no event


def test_a_break_is_set_kept_and_ended_through_the_api_each_change_an_event(
    profiles: ProfilesUnderTest,
) -> None:
    anne = profiles.register("anne@example.org", "Anne")
    url = f"/v1/consultants/{anne['id']}/preferences"
    mine = consultant_headers(anne["id"])
    until = (date.today() + timedelta(weeks=4)).isoformat()

    paused = profiles.client.put(url, json={"resume_on": until}, headers=mine)
    assert paused.json()["resume_on"] == until, paused.text
    kept = profiles.client.put(url, json={"locale": "en"}, headers=mine).json()
    assert (kept["resume_on"], kept["locale"]) == (until, "en")  # left out: kept
    ended = profiles.client.put(url, json={"resume_on": None}, headers=mine).json()
    assert ended["resume_on"] is None  # null: the break ends now
    assert ended["frequency"] == "weekly"  # the rhythm it resumes with

    profiles.drain()
    changed = [e for e in profiles.stream_events() if e["type"] == "preferences.changed"]
    assert [(e["version"], e["data"]["resume_on"]) for e in changed] == [
        (2, until),
        (2, until),
        (2, None),
    ]
