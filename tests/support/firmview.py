"""A small firm for the firm's view: its graph in the real Neo4j, served by the real graph API,
and a notifier history (digests sent, meetings after them, answers, weekly records)."""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import Driver
from sqlalchemy.orm import Session, sessionmaker

from braise_graph.api import create_app
from braise_notifier.db import DigestRow, unit_of_work
from braise_notifier.history import record_sector_week, record_week
from braise_notifier.projections import project
from braise_shared.events import Event, SuggestionFeedbackV2, SuggestionFeedbackWithUndo
from braise_shared.tags import tag_key
from tests.support import events as ev
from tests.support.graph import graph_settings, new_store
from tests.support.pages import serving
from tests.support.servers import SessionServers

DAY = 86_400.0
NAMES = ["Camille", "Karim", "Léa", "Hugo", "Inès", "Jules", "Zoé", "Noé", "Lina", "Yanis"]
SECTORS = ["Banque", "Banque", "Énergie", "Énergie", "Santé", "Santé", "Retail", "Banque"]
HISTORY_PERIOD = "2026-W30"


def firm_events(now: float) -> list[Event]:
    """Return ten consultants in four sectors and links at every stage, faded included."""
    people: list[Event] = [
        ev.profile(n + 1, name=name, sectors=(SECTORS[n % len(SECTORS)],))
        for n, name in enumerate(NAMES)
    ]
    long_ago = now - 700 * DAY
    links: list[Event] = [
        # Strong two years ago, then silence: dormant.
        ev.interaction([1, 2], long_ago, kind="mission_together"),
        ev.interaction([1, 2], long_ago + 30 * DAY, kind="lunch"),
        ev.interaction([3, 4], long_ago, kind="mission_together"),
        ev.interaction([3, 4], long_ago + 20 * DAY, kind="lunch"),
        # Active now.
        ev.interaction([1, 3, 5], now - 6 * DAY, kind="mission_together"),
        ev.interaction([5, 6], now - 3 * DAY, kind="lunch"),
        ev.interaction([7, 8], now - 20 * DAY, kind="mission_together"),
        ev.interaction([7, 8], now - 5 * DAY, kind="lunch"),
        # Young.
        ev.interaction([9, 10], now - 8 * DAY, kind="call"),
        # One call long ago, nothing since: faded, not drawn.
        ev.interaction([2, 10], long_ago, kind="call"),
    ]
    return people + links


@contextmanager
def graph_of_a_small_firm(
    driver: Driver, servers: SessionServers, **overrides: Any
) -> Iterator[str]:
    """Load the small firm into the emptied Neo4j and serve the graph API (its settings, some
    overridden); yield its URL."""
    store = new_store(driver)
    store.apply(firm_events(datetime.now(UTC).timestamp()))
    settings = graph_settings(servers, **overrides)
    with serving(create_app(settings, driver=driver)) as url:
        yield url


def notifier_history(factory: sessionmaker[Session], now: datetime) -> None:
    """Give the notifier a past: Camille's digest of ten weeks ago proposed Karim (dormant,
    an invitation) and Léa (cooling, something to share); she and Karim met three weeks after,
    she answered "done" about Karim and "not now" about Léa; three weeks of stages were recorded,
    and two of sectors, eight weeks apart, Banque losing two live links between them."""
    sent_at = now - timedelta(weeks=10)
    proposed = [
        {
            "consultant_id": str(ev.cid(2)),
            "stage": "dormant",
            "gesture": "invite",
            "reasons": ["was_strong", "hook.skill"],
        },
        {
            "consultant_id": str(ev.cid(3)),
            "stage": "cooling",
            "gesture": "share",
            "reasons": ["was_strong", "shared"],
        },
    ]
    with unit_of_work(factory) as session:
        session.add(
            DigestRow(
                period=HISTORY_PERIOD,
                consultant_id=str(ev.cid(1)),
                state="sent",
                sent_at=sent_at,
                suggestions=json.dumps(proposed),
                created_at=sent_at,
            )
        )
    project(factory, [ev.interaction([1, 2], (sent_at + timedelta(weeks=3)).timestamp())])
    project(
        factory,
        [answer(1, 2, "done", sent_at + timedelta(days=2)), answer(1, 3, "not_now", sent_at)],
    )
    for weeks_ago, active in ((2, 4), (1, 5), (0, 6)):
        week = (now - timedelta(weeks=weeks_ago)).isocalendar()
        record_week(
            factory,
            f"{week.year}-W{week.week:02d}",
            {"nascent": 1, "active": active, "cooling": 1, "dormant": 2, "faded": 1},
            at=now,
        )
    sector_records(factory, now)


def answer(reader: int, other: int, action: str, at: datetime) -> SuggestionFeedbackV2:
    data = SuggestionFeedbackWithUndo.model_validate(
        {
            "consultant_id": ev.cid(reader),
            "other_id": ev.cid(other),
            "action": action,
            "period": HISTORY_PERIOD,
        }
    )
    return SuggestionFeedbackV2(id=uuid.uuid4(), occurred_at=at, producer="test", data=data)


def _week(at: datetime) -> str:
    week = at.isocalendar()
    return f"{week.year}-W{week.week:02d}"


def sector_records(factory: sessionmaker[Session], now: datetime) -> None:
    """Record the live links touching each sector eight weeks ago and this week."""
    for weeks_ago, bank in ((8, 6), (0, 4)):
        links = {"Banque": bank, "Énergie": 2, "Santé": 3, "Retail": 1}
        record_sector_week(
            factory,
            _week(now - timedelta(weeks=weeks_ago)),
            {tag_key(label): (label, n) for label, n in links.items()},
            at=now - timedelta(weeks=weeks_ago),
        )
