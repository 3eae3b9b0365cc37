"""My preferences: one idea of a break, apart from the rhythm. A break until a day
(`resume_on`) or until the reader resumes (frequency `paused`); "resume now" ends either; the
page says until when in words, and the planner does what the words say."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from braise_notifier.catalogs import texts
from braise_notifier.planning import due_today, everyone_for
from braise_notifier.schedule import local_today, week_period
from braise_notifier.tokens import LinkClaims
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import consultant_headers
from tests.support.servers import SessionServers


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def _stored(pages: PagesUnderTest, consultant_id: str) -> dict[str, Any]:
    answer = pages.profiles.client.get(
        f"/v1/consultants/{consultant_id}/preferences", headers=consultant_headers(consultant_id)
    )
    assert answer.status_code == 200
    stored: dict[str, Any] = answer.json()
    return stored


def _post(pages: PagesUnderTest, html: str, frequency: str, **fields: str) -> str:
    saved = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(html),
            "frequency": frequency,
            "day_of_week": "monday",
            "locale": "fr",
            **fields,
        },
    )
    assert saved.status_code == 200, saved.text
    return saved.text


def _today(pages: PagesUnderTest) -> date:
    return local_today(datetime.now(UTC), pages.notifier.settings.timezone)


def test_the_rhythm_offers_no_pause_and_each_break_is_offered_until_a_day_in_words(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    assert 'name="frequency" value="paused"' not in form  # a break is not a rhythm
    today = _today(pages)
    t = texts("fr")
    for weeks in (1, 2, 4, 8, 12):
        last = t.near_day(today + timedelta(weeks=weeks, days=-1), today)
        assert f'<option value="{weeks}">Jusqu&#39;au {last} inclus</option>' in form
    assert '<option value="open">Jusqu&#39;à ce que je reprenne</option>' in form
    assert 'id="paused-until"' not in form
    assert 'id="resume"' not in form  # nothing to resume


def test_a_break_until_i_resume_sends_nothing_until_resume_now_brings_back_the_rhythm_shown(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    paused = _post(pages, form, "monthly", pause="open")
    assert (_stored(pages, ana["id"])["frequency"], _stored(pages, ana["id"])["resume_on"]) == (
        "paused",
        None,
    )
    assert "Pas de message jusqu&#39;à ce que vous repreniez." in paused
    assert 'value="weekly" checked' in paused  # the rhythm "resume now" would bring back
    assert 'value="keep" selected' in paused
    assert '<option value="open">' not in paused  # already so
    assert 'id="resume"' in paused
    pages.know_everyone()
    today = _today(pages)
    mondays = [
        today + timedelta(days=n) for n in range(60) if (today + timedelta(days=n)).weekday() == 0
    ]
    tz = pages.notifier.settings.timezone
    assert all(due_today(pages.notifier.factory, day, timezone=tz) == [] for day in mondays)
    assert everyone_for(pages.notifier.factory, week_period(today), today) == []

    kept = _post(pages, paused, "biweekly", pause="keep")  # saving keeps the break as it is
    assert _stored(pages, ana["id"])["frequency"] == "paused"
    assert "Pas de message jusqu&#39;à ce que vous repreniez." in kept

    resumed = _post(pages, kept, "weekly", pause="keep", resume="true")
    assert (_stored(pages, ana["id"])["frequency"], _stored(pages, ana["id"])["resume_on"]) == (
        "weekly",
        None,
    )
    assert "Pas de message" not in resumed
    assert 'id="resume"' not in resumed
    pages.know_everyone()
    assert all(
        due_today(pages.notifier.factory, day, timezone=tz) == [(week_period(day), ana["id"])]
        for day in mondays
    )


def test_a_dated_break_says_its_last_day_keeps_the_rhythm_and_resume_now_ends_it(
    pages: PagesUnderTest,
) -> None:
    karim = pages.profiles.register("karim@example.org", "Karim Benali")
    form = pages.client.get(pages.link("preferences", karim["id"])).text
    today = _today(pages)
    ends = today + timedelta(weeks=4)
    on_break = _post(pages, form, "monthly", pause="4")
    assert _stored(pages, karim["id"]) | {"suggestable": None} == {
        "frequency": "monthly",
        "day_of_week": "monday",
        "locale": "fr",
        "suggestable": None,
        "resume_on": ends.isoformat(),
    }
    t = texts("fr")
    last, resume = t.near_day(ends - timedelta(days=1), today), t.near_day(ends, today)
    words = f"Pas de message jusqu&#39;au {last}\u202f; votre rythme reprend le {resume}."
    assert words in on_break
    assert 'value="monthly" checked' in on_break
    assert '<option value="open">' in on_break  # a dated break may become an open one

    pages.know_everyone()
    tz = pages.notifier.settings.timezone
    days = [today + timedelta(days=n) for n in range(70)]
    due = [day for day in days if due_today(pages.notifier.factory, day, timezone=tz)]
    assert due
    assert min(due) >= ends  # nothing before the day the words name

    resumed = _post(pages, on_break, "monthly", pause="keep", resume="true")
    assert (_stored(pages, karim["id"])["frequency"], _stored(pages, karim["id"])["resume_on"]) == (
        "monthly",
        None,
    )
    assert "Pas de message" not in resumed
    assert 'value="none" selected' in resumed


def test_an_unsubscribed_reader_is_not_on_a_break_and_cannot_come_back_into_one(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    pages.know_everyone()
    code = pages.notifier.signer.sign(LinkClaims("unsubscribe", ana["id"], None, "2026-W48"))
    assert pages.client.post(f"/l/{code}").status_code == 200  # a digest's unsubscribe link
    assert pages.notifier.profiles.pause_digests(ana["id"], idempotency_key="unsubscribe-1")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    assert 'id="unsubscribed"' in form
    assert 'id="paused-until"' not in form
    assert 'id="resume"' not in form
    refused = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": "weekly",
            "day_of_week": "monday",
            "locale": "fr",
            "resubscribe": "true",
            "pause": "open",
        },
    )
    assert refused.status_code == 422
    assert _stored(pages, ana["id"])["frequency"] == "paused"
