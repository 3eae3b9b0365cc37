"""A CalDAV server that forgot its sync-token (the collection was made again) answers 403
DAV:valid-sync-token (RFC 6578): the sync reads the whole collection again instead of
reporting refused credentials."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import document, event, new_collection
from tests.support.profiles import ProfilesUnderTest, admin_headers, profiles_under_test
from tests.support.servers import SessionServers


@pytest.fixture
def profiles(
    servers: SessionServers, redis_client: redis.Redis, tmp_path: Path
) -> Iterator[ProfilesUnderTest]:
    url = f"sqlite:///{tmp_path / 'profiles.db'}"
    with profiles_under_test(url, servers.endpoints.redis_url) as running:
        yield running


def test_a_forgotten_sync_token_means_a_full_read_not_refused_credentials(
    profiles: ProfilesUnderTest, caldav_account: CaldavAccount
) -> None:
    calendar = new_collection(caldav_account, "forgetful")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=9)
    calendar.put("a", document(event("a@test", "Afterwork", starts, starts + timedelta(hours=2))))
    registered = profiles.client.post(
        "/v1/calendars",
        json={
            "name": "Événements",
            "source": "caldav",
            "url": calendar.url,
            "user": caldav_account.user,
            "password": caldav_account.password,
        },
        headers=admin_headers(),
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["scheduled"] == 1
    calendar_id = registered.json()["calendar"]["id"]

    # The collection is deleted and made again at the same address: the token is gone.
    auth = (caldav_account.user, caldav_account.password)
    assert httpx.delete(calendar.url, auth=auth).status_code in (200, 204)
    made = httpx.request(
        "MKCALENDAR",
        calendar.url,
        auth=auth,
        content='<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:caldav"/>',
        headers={"Content-Type": "application/xml"},
    )
    assert made.status_code == 201, made.text
    later = starts + timedelta(days=7)
    calendar.put("b", document(event("b@test", "Formation", later, later + timedelta(hours=3))))

    synced = profiles.client.post(f"/v1/calendars/{calendar_id}/sync", headers=admin_headers())
    assert synced.status_code == 200, synced.text
    body = synced.json()
    assert body["error"] is None
    assert body["scheduled"] == 1  # the training; the afterwork is gone from the source
    assert body["withdrawn"] == 1
