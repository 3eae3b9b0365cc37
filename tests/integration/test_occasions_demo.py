"""The demo's calendars, made in the real Radicale and read by profiles as a firm would."""

import random
from datetime import UTC, datetime
from pathlib import Path

import redis

from braise_cli.firm import generate_firm
from braise_cli.occasions_demo import fill_radicale
from braise_cli.stack.caldav import CaldavAccount
from tests.support.profiles import admin_headers, consultant_headers, profiles_under_test
from tests.support.servers import SessionServers


def test_the_demo_firm_calendar_and_consultant_calendars_sync_without_error(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    caldav_account: CaldavAccount,
) -> None:
    now = datetime.now(UTC)
    firm = generate_firm(40, seed=3, now=now)
    a = caldav_account
    filled = fill_radicale(a.url, a.user, a.password, firm.consultants, now, random.Random(3))
    assert filled.firm_events == 4 * 5 + 3
    assert len(filled.consultant_calendars) == 3
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as profiles:
        ids = {
            c.email: profiles.register(c.email, c.display_name, city=c.city)["id"]
            for c in firm.consultants
        }
        body = {
            "name": "Événements",
            "source": "caldav",
            "url": filled.firm_calendar_url,
            "user": a.user,
            "password": a.password,
        }
        result = profiles.client.post("/v1/calendars", json=body, headers=admin_headers()).json()
        assert result["error"] is None
        assert result["calendar"]["skipped"] == {}
        assert result["calendar"]["upcoming"] >= 10
        assert result["interactions"] >= 8
        for email, url in filled.consultant_calendars.items():
            own = {"source": "caldav", "url": url, "user": a.user, "password": a.password}
            answer = profiles.client.put(
                f"/v1/consultants/{ids[email]}/calendar",
                json=own,
                headers=consultant_headers(ids[email]),
            ).json()
            assert answer["error"] is None
            assert answer["interactions"] == 3  # the past three; the upcoming lunch waits
        profiles.drain()
        events = profiles.stream_events()
        titles = {e["data"]["title"] for e in events if e["type"] == "occasion.scheduled"}
        assert "Formation en ligne : le portage salarial en 2027" in titles
        assert not [e for e in events if e["type"] == "occasion.withdrawn"]
