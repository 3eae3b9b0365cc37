"""Names and addresses that end up in mail headers are refused at the door, on every path.

A name that could forge a header (an RFC 2047 encoded word the e-mail library decodes into
CR LF, a bidi override, a zero-width character) and an address that is not one bare mailbox
(`r3>,<spy@evil.example`) get a 422 naming the field, and nothing is written or published.
"""

import unicodedata
from collections.abc import Iterator
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

# A subject line, a blank line and a forged HTML body, once the encoded word is decoded.
ENCODED_WORD = "Ann=?utf-8?b?DQpDb250ZW50LVR5cGU6IHRleHQvaHRtbA0KDQo8YSBocmVmPSJodHRwOi8vZXZpbCI+?="
FORGING_NAMES = [
    pytest.param(ENCODED_WORD, "encoded word", id="encoded-word"),
    pytest.param("Ann\u202egnp.exe", "U+202E", id="bidi-override"),
    pytest.param("Ann\u2066Martin\u2069", "U+2066", id="bidi-isolate"),
    pytest.param("An\u200bn", "U+200B", id="zero-width-space"),
    pytest.param("Ann\ufeff", "U+FEFF", id="zero-width-no-break"),
]
NOT_ONE_ADDRESS = [
    "r3>,<spy@evil.example",
    "a@b.c, d@e.f",
    '"Ann" <a@b.example>',
    '"Ann"<a@b.example>',
    "<a@b.example>",
    "a@b.example\nBcc: x@y",
]


@pytest.fixture
def profiles(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[ProfilesUnderTest]:
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def _refused(response: Any, loc: list[str | int], reason: str) -> None:
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == loc, response.text
    assert reason in error["msg"], response.text


@pytest.mark.parametrize(("name", "reason"), FORGING_NAMES)
def test_a_name_that_could_forge_a_header_is_refused_at_registration(
    profiles: ProfilesUnderTest, name: str, reason: str
) -> None:
    body = {"email": "ann@example.org", "display_name": name}
    response = profiles.client.post("/v1/consultants", json=body, headers=admin_headers())
    _refused(response, ["body", "display_name"], reason)
    listed = profiles.client.get("/v1/consultants", headers=admin_headers()).json()
    assert listed["items"] == []
    assert profiles.drain() == 0


@pytest.mark.parametrize(("name", "reason"), FORGING_NAMES)
def test_a_consultant_cannot_give_themselves_a_forging_name(
    profiles: ProfilesUnderTest, name: str, reason: str
) -> None:
    ann = profiles.register("ann@example.org", "Ann Martin")
    url = f"/v1/consultants/{ann['id']}"
    response = profiles.client.patch(
        url, json={"display_name": name}, headers=consultant_headers(ann["id"])
    )
    _refused(response, ["body", "display_name"], reason)
    stored = profiles.client.get(url, headers=consultant_headers(ann["id"])).json()
    assert (stored["display_name"], stored["revision"]) == ("Ann Martin", ann["revision"])
    assert profiles.drain() == 1  # the registration only


@pytest.mark.parametrize(("name", "reason"), FORGING_NAMES)
def test_one_forging_name_in_a_bulk_refuses_the_whole_bulk(
    profiles: ProfilesUnderTest, name: str, reason: str
) -> None:
    items = [
        {"email": "bruno@example.org", "display_name": "Bruno"},
        {"email": "ann@example.org", "display_name": name},
    ]
    response = profiles.client.post(
        "/v1/consultants/bulk", json={"items": items}, headers=admin_headers()
    )
    _refused(response, ["body", "items", 1, "display_name"], reason)
    assert profiles.client.get("/v1/consultants", headers=admin_headers()).json()["items"] == []
    assert profiles.drain() == 0


@pytest.mark.parametrize("address", NOT_ONE_ADDRESS)
def test_an_email_that_is_not_one_bare_address_is_refused_on_every_path(
    profiles: ProfilesUnderTest, address: str
) -> None:
    registered = profiles.client.post(
        "/v1/consultants",
        json={"email": address, "display_name": "Ann"},
        headers=admin_headers(),
    )
    _refused(registered, ["body", "email"], "")
    bulk = profiles.client.post(
        "/v1/consultants/bulk",
        json={"items": [{"email": address, "display_name": "Ann"}]},
        headers=admin_headers(),
    )
    _refused(bulk, ["body", "items", 0, "email"], "")
    bruno = profiles.register("bruno@example.org", "Bruno")
    url = f"/v1/consultants/{bruno['id']}"
    patched = profiles.client.patch(
        url, json={"email": address}, headers=consultant_headers(bruno["id"])
    )
    _refused(patched, ["body", "email"], "")
    stored = profiles.client.get(url, headers=consultant_headers(bruno["id"])).json()
    assert stored["email"] == "bruno@example.org"
    assert profiles.drain() == 1  # Bruno's registration only


def test_the_spy_address_is_refused_as_not_one_address(profiles: ProfilesUnderTest) -> None:
    response = profiles.client.post(
        "/v1/consultants",
        json={"email": "r3>,<spy@evil.example", "display_name": "Ann"},
        headers=admin_headers(),
    )
    _refused(response, ["body", "email"], "not an e-mail address")


def test_an_internationalized_address_is_kept_in_its_normalized_form(
    profiles: ProfilesUnderTest,
) -> None:
    decomposed = unicodedata.normalize("NFD", "José@Exämple.FR")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    jose = profiles.register(decomposed, "José")
    assert jose["email"] == "josé@exämple.fr"
    assert unicodedata.is_normalized("NFC", jose["email"])
    again = profiles.client.post(
        "/v1/consultants",
        json={"email": "JOSÉ@exämple.fr", "display_name": "José bis"},
        headers=admin_headers(),
    )
    assert again.status_code == 409, again.text  # the same mailbox, however it was typed
    chinese = profiles.register("用户@例子.广告", "Yonghu")
    assert chinese["email"] == "用户@例子.广告"


def _import(profiles: ProfilesUnderTest, text: str) -> Any:
    return profiles.client.post(
        "/v1/interactions/import",
        files={"file": ("history.csv", text.encode(), "text/csv")},
        headers=admin_headers(),
    )


def test_a_csv_row_naming_someone_by_a_forged_address_is_rejected_with_its_reason(
    profiles: ProfilesUnderTest,
) -> None:
    profiles.register("anne@example.org", "Anne")
    profiles.register("bruno@example.org", "Bruno")
    assert profiles.drain() == 2
    text = "\n".join(
        [
            "kind,participants,occurred_at,initiator",
            "lunch,anne@example.org;r3>@x.example,2025-01-02,",
            'lunch,anne@example.org;"Bruno"<bruno@example.org>,2025-01-03,',
            "lunch,anne@example.org;bruno@example.org,2025-01-04,<anne@example.org>",
            "lunch,anne@example.org;BRUNO@Example.org,2025-01-05,",
        ]
    )
    response = _import(profiles, text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 1
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert sorted(reasons) == [2, 3, 4]
    assert reasons[2].startswith("participants: 'r3>@x.example' is not an e-mail address")
    assert reasons[3].startswith("participants: '\"Bruno\"<bruno@example.org>' is not an e-mail")
    assert reasons[4].startswith("initiator: '<anne@example.org>' is not an e-mail address")
    assert profiles.drain() == 1  # the one valid row, nothing of the others
