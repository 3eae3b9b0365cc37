"""The calendar sync process killed with SIGKILL mid-run, again and again, then restarted:
every occasion is published once, every ended event recorded once (exactly-once in effect)."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import orjson
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import document, event, new_collection
from tests.support.processes import service_process, wait_until
from tests.support.profiles import admin_headers, profiles_under_test
from tests.support.servers import SessionServers

CALENDARS = 6
EVENTS = 24  # per calendar: every fourth one is over and becomes an interaction
PEOPLE = 12


def _synced(database: Path, since: datetime) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT last_synced_at FROM calendars").fetchall()
    return sum(1 for (at,) in rows if at and datetime.fromisoformat(at).replace(tzinfo=UTC) > since)


def _at_least(database: Path, since: datetime, count: int) -> bool:
    return _synced(database, since) >= count


def test_sync_killed_mid_run_and_restarted_publishes_each_occasion_once(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    caldav_account: CaldavAccount,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with profiles_under_test(tmp_path, servers.endpoints.redis_url) as profiles:
        emails = [f"p{i}@cabinet.example" for i in range(PEOPLE)]
        for email in emails:
            profiles.register(email, email.split("@")[0].upper())
        collections = [new_collection(caldav_account, "kill") for _ in range(CALENDARS)]
        for collection in collections:  # registered empty: nothing synced yet
            response = profiles.client.post(
                "/v1/calendars",
                json={
                    "name": "Événements",
                    "source": "caldav",
                    "url": collection.url,
                    "user": caldav_account.user,
                    "password": caldav_account.password,
                },
                headers=admin_headers(),
            )
            assert response.json()["scheduled"] == 0
        past = 0
        for c, collection in enumerate(collections):
            for i in range(EVENTS):
                start = now + timedelta(days=i - EVENTS // 4, hours=c)
                past += start + timedelta(hours=1) < now
                attendees = [emails[(c + i + k) % PEOPLE] for k in range(3)]
                collection.put(
                    f"e{i}",
                    document(
                        event(
                            f"k{c}-{i}@x",
                            f"Afterwork {c}-{i}",
                            start,
                            start + timedelta(hours=1),
                            location="Bar, Lyon",
                            attendees=attendees,
                        )
                    ),
                )
        filled = datetime.now(UTC)
        env = {
            "BRAISE_PROFILES_DATABASE_URL": profiles.settings.database_url,
            "REDIS_URL": servers.endpoints.redis_url,
            "BRAISE_PROFILES_CALENDAR_SYNC_MINUTES": "0.02",
            "BRAISE_PROFILES_CALENDAR_ALLOW_PRIVATE_HOSTS": "true",
            "BRAISE_PROFILES_CALENDAR_SYNC_LOCK_S": "3",
        }
        database = tmp_path / "profiles.db"
        log = tmp_path / "sync.log"
        kills = 0
        for after in (1, 3, 5):
            with service_process("braise_profiles.calendar_sync", env, log) as proc:
                wait_until(
                    partial(_at_least, database, filled, after),
                    timeout_s=120,
                    what=f"{after} calendars synced",
                )
                proc.kill()
                kills += 1
        with service_process("braise_profiles.calendar_sync", env, log) as proc:
            wait_until(
                lambda: _synced(database, filled) == CALENDARS,
                timeout_s=180,
                what="every calendar synced",
            )
            proc.stop()
            assert "Traceback" not in proc.log_tail(400)

        with profiles.engine.connect() as connection:
            outbox = [
                orjson.loads(p)
                for (p,) in connection.exec_driver_sql("SELECT payload FROM outbox ORDER BY seq")
            ]
        scheduled = Counter(
            e["data"]["occasion_id"] for e in outbox if e["type"] == "occasion.scheduled"
        )
        recorded = Counter(
            e["data"]["interaction_id"] for e in outbox if e["type"] == "interaction.recorded"
        )
        assert kills == 3
        assert len(scheduled) == CALENDARS * EVENTS
        assert set(scheduled.values()) == {1}
        assert len(recorded) == past
        assert set(recorded.values()) == {1}
        assert not [e for e in outbox if e["type"] == "occasion.withdrawn"]
