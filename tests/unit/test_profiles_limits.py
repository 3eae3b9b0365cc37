"""Profiles request limits come from the settings: page size and bulk size, answered as 422."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from braise_profiles.api import create_app
from braise_profiles.config import ProfilesSettings
from tests.support.profiles import admin_headers


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ProfilesSettings(
        database_url=f"sqlite:///{tmp_path / 'profiles.db'}", page_size_max=5, max_bulk_items=2
    )
    with TestClient(create_app(settings)) as http:
        yield http


@pytest.mark.parametrize("path", ["/v1/consultants", "/v1/interactions"])
def test_a_page_above_the_setting_is_refused_in_fastapis_words(
    client: TestClient, path: str
) -> None:
    assert client.get(f"{path}?limit=5", headers=admin_headers()).status_code == 200
    response = client.get(f"{path}?limit=6", headers=admin_headers())
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 5",
                "input": "6",
                "ctx": {"le": 5},
            }
        ]
    }


def test_the_openapi_schema_shows_the_page_size_setting(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/consultants", "/v1/interactions"):
        [limit] = [p for p in paths[path]["get"]["parameters"] if p["name"] == "limit"]
        assert limit["schema"] == {
            "type": "integer",
            "maximum": 5,
            "minimum": 1,
            "default": 50,
            "title": "Limit",
        }


def test_a_bulk_request_above_the_setting_is_refused_and_records_nothing(
    client: TestClient,
) -> None:
    items = [{"email": f"p{i}@example.org", "display_name": f"P{i}"} for i in range(3)]
    response = client.post("/v1/consultants/bulk", json={"items": items}, headers=admin_headers())
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "items"], "msg": "at most 2 items", "type": "value_error"}
    ]
    listed = client.get("/v1/consultants", headers=admin_headers()).json()
    assert listed["items"] == []
