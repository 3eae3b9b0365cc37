"""My preferences: opened from a digest's signed link, changed through profiles as its reader."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from braise_notifier.catalogs import texts
from braise_notifier.db import RecipientRow
from braise_notifier.pages.session import Sessions
from braise_notifier.planning import due_today, everyone_for
from braise_notifier.schedule import local_today, week_period
from braise_notifier.tokens import LinkClaims
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def test_the_link_opens_a_short_httponly_session_and_drops_the_token(pages: PagesUnderTest) -> None:
    camille = pages.profiles.register("camille@example.org", "Camille Martin")
    opened = pages.client.get(pages.link("preferences", camille["id"]), follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/pages/preferences"
    cookie = opened.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "max-age=3600" in cookie
    assert "secure" not in cookie  # plain HTTP in development; HTTPS sets Secure

    page = pages.client.get("/pages/preferences")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Mes préférences" in page.text
    assert 'value="weekly" checked' in page.text


def test_a_change_goes_through_profiles_and_its_event_and_the_page_speaks_the_new_language(
    pages: PagesUnderTest,
) -> None:
    karim = pages.profiles.register("karim@example.org", "Karim Benali")
    pages.profiles.drain()
    form = pages.client.get(pages.link("preferences", karim["id"])).text
    saved = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": "monthly",
            "day_of_week": "thursday",
            "locale": "en",
        },
    )
    assert saved.status_code == 200
    assert '<html lang="en">' in saved.text
    assert "Saved. Thank you." in saved.text
    stored = pages.profiles.client.get(
        f"/v1/consultants/{karim['id']}/preferences", headers=consultant_headers(karim["id"])
    ).json()
    assert stored == {
        "frequency": "monthly",
        "day_of_week": "thursday",
        "locale": "en",
        "suggestable": False,  # the box was left unticked
        "resume_on": None,
    }
    pages.profiles.drain()
    changed = [e for e in pages.profiles.stream_events() if e["type"] == "preferences.changed"]
    assert [e["data"]["frequency"] for e in changed] == ["monthly"]


def test_a_form_without_the_sessions_csrf_token_changes_nothing(pages: PagesUnderTest) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    pages.client.get(pages.link("preferences", ana["id"]))
    refused = pages.client.post(
        "/pages/preferences",
        data={"csrf": "0" * 64, "frequency": "paused", "day_of_week": "monday", "locale": "fr"},
    )
    assert refused.status_code == 403
    stored = pages.profiles.client.get(
        f"/v1/consultants/{ana['id']}/preferences", headers=consultant_headers(ana["id"])
    ).json()
    assert stored["frequency"] == "weekly"


def test_a_tampered_or_expired_link_and_a_missing_session_get_a_readable_page(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    link = pages.link("preferences", ana["id"])
    tampered = pages.client.get(link[:-4] + "abcd", follow_redirects=False)
    assert tampered.status_code == 400
    assert "plus valable" in tampered.text
    assert '<html lang="fr">' in tampered.text
    unsubscribe_token = pages.notifier.signer.sign(LinkClaims("unsubscribe", ana["id"]))
    other = pages.client.get(f"/pages/open/preferences?token={unsubscribe_token}")
    assert other.status_code == 400  # a link made for another purpose opens nothing

    pages.notifier.signer.ttl_s = -1  # every link is now older than its lifetime
    assert pages.client.get(link, follow_redirects=False).status_code == 400

    pages.client.cookies.clear()
    closed = pages.client.get("/pages/preferences")
    assert closed.status_code == 401
    assert "Rouvrez-la depuis le lien" in closed.text
    assert "csrf" not in closed.text


def test_a_break_chosen_on_the_page_holds_back_every_digest_until_its_day_then_ends_by_itself(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    assert 'value="none" selected' in form  # no break running: "no break" comes first
    today = local_today(datetime.now(UTC), pages.notifier.settings.timezone)
    saved = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": "weekly",
            "day_of_week": "monday",
            "locale": "fr",
            "suggestable": "true",
            "pause": "2",
        },
    )
    assert saved.status_code == 200
    ends = today + timedelta(weeks=2)
    stored = pages.profiles.client.get(
        f"/v1/consultants/{ana['id']}/preferences", headers=consultant_headers(ana["id"])
    ).json()
    assert (stored["frequency"], stored["resume_on"]) == ("weekly", ends.isoformat())
    last = texts("fr").near_day(ends - timedelta(days=1), today)
    assert f"Pas de message jusqu&#39;au {last}" in saved.text
    assert 'value="keep" selected' in saved.text  # saving again keeps the break

    pages.know_everyone()  # the stream's preferences.changed, as the notifier's consumer reads it
    mondays = [
        today + timedelta(days=n) for n in range(35) if (today + timedelta(days=n)).weekday() == 0
    ]
    tz = pages.notifier.settings.timezone
    due = {day: due_today(pages.notifier.factory, day, timezone=tz) for day in mondays}
    assert all(due[day] == [] for day in mondays if day < ends)
    assert all(due[day] == [(week_period(day), ana["id"])] for day in mondays if day >= ends)
    period = week_period(today)
    assert everyone_for(pages.notifier.factory, period, today) == []
    assert everyone_for(pages.notifier.factory, period, ends) == [(period, ana["id"])]

    again = pages.client.get("/pages/preferences").text
    ended = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(again),
            "frequency": "weekly",
            "day_of_week": "monday",
            "locale": "fr",
            "pause": "none",
        },
    )
    assert "Pas de message" not in ended.text
    pages.know_everyone()
    assert everyone_for(pages.notifier.factory, period, today) == [(period, ana["id"])]


def test_a_break_option_that_is_not_offered_changes_nothing(pages: PagesUnderTest) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    refused = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": "weekly",
            "day_of_week": "monday",
            "locale": "fr",
            "pause": "520",
        },
    )
    assert refused.status_code == 422
    assert "pause" in refused.text
    stored = pages.profiles.client.get(
        f"/v1/consultants/{ana['id']}/preferences", headers=consultant_headers(ana["id"])
    ).json()
    assert stored["resume_on"] is None


def _form_field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


def test_a_link_of_someone_else_asks_before_switching_and_only_its_post_switches(
    pages: PagesUnderTest,
) -> None:
    camille = pages.profiles.register("camille@example.org", "Camille Martin")
    ines = pages.profiles.register("ines@example.org", "Inès Roy")
    pages.know_everyone()
    sessions: Sessions = pages.client.app.state.page_sessions  # type: ignore[attr-defined]
    pages.client.get(pages.link("preferences", camille["id"]))
    mine = pages.client.cookies["braise_page"]

    # A page elsewhere sends Camille's browser to Inès's link: the browser carries Camille's
    # cookie (SameSite=Lax lets a top-level GET through), so the notifier asks first.
    asked = pages.client.get(pages.link("preferences", ines["id"]), follow_redirects=False)
    assert asked.status_code == 200
    assert "set-cookie" not in asked.headers
    assert '<html lang="fr">' in asked.text
    assert "Vous êtes connecté·e au compte de Camille Martin." in asked.text
    assert "Ce lien ouvre la page d&#39;Inès Roy." in asked.text
    assert "Ouvrir la page d&#39;Inès Roy" in asked.text
    assert 'href="/pages/preferences"' in asked.text  # stay on my page
    assert asked.headers["cache-control"] == "no-store"
    assert asked.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert pages.client.cookies["braise_page"] == mine
    assert sessions.read(mine, "consultant").subject == camille["id"]

    # The same link posted from elsewhere carries no cookie and no valid form token.
    forged = pages.client.post(
        "/pages/open/preferences",
        data={"token": _form_field(asked.text, "token"), "csrf": "0" * 64},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "set-cookie" not in forged.headers
    cookieless = TestClient(pages.client.app).post(
        "/pages/open/preferences",
        data={"token": _form_field(asked.text, "token"), "csrf": _form_field(asked.text, "csrf")},
        follow_redirects=False,
    )
    assert cookieless.status_code == 303  # back to the link, which asks when a session exists
    assert cookieless.headers["location"].startswith("/pages/open/preferences?token=")
    assert "set-cookie" not in cookieless.headers
    assert pages.client.cookies["braise_page"] == mine

    switched = pages.client.post(
        "/pages/open/preferences",
        data={"token": _form_field(asked.text, "token"), "csrf": _form_field(asked.text, "csrf")},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/pages/preferences"
    theirs = pages.client.cookies["braise_page"]
    assert sessions.read(theirs, "consultant").subject == ines["id"]

    # Her own link again, in her own session: it opens at once, as before.
    again = pages.client.get(pages.link("preferences", ines["id"]), follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/pages/preferences"


def test_the_question_before_switching_speaks_the_language_of_an_english_reader(
    pages: PagesUnderTest,
) -> None:
    grace = pages.profiles.register("grace@example.org", "Grace Hill", locale="en")
    karim = pages.profiles.register("karim@example.org", "Karim Benali")
    pages.know_everyone()
    pages.client.get(pages.link("network", grace["id"]))
    asked = pages.client.get(pages.link("network", karim["id"]), follow_redirects=False)
    assert asked.status_code == 200
    assert '<html lang="en">' in asked.text
    assert "You are signed in as Grace Hill." in asked.text
    assert "Open Karim Benali&#39;s page" in asked.text
    assert 'href="/pages/network"' in asked.text
    assert 'action="/pages/open/network"' in asked.text


def test_the_preferences_of_an_erased_consultant_say_the_account_no_longer_exists(
    pages: PagesUnderTest,
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    pages.know_everyone()
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    erased = pages.profiles.client.delete(f"/v1/consultants/{ana['id']}", headers=admin_headers())
    assert erased.status_code == 204

    posted = pages.client.post(
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": "monthly",
            "day_of_week": "monday",
            "locale": "fr",
        },
    )
    assert posted.status_code == 410
    assert "Ce compte n&#39;existe plus" in posted.text
    assert "braise_page" not in pages.client.cookies  # the session ends with the account

    # Before the notifier hears of the erasure, the link still opens a session: the page ends it.
    page = pages.client.get(pages.link("preferences", ana["id"]))
    assert page.status_code == 410
    assert "Ce compte n&#39;existe plus" in page.text
    assert "csrf" not in page.text
    assert "braise_page" not in pages.client.cookies

    pages.know_everyone()  # the notifier's consumer applies consultant.erased
    opened = pages.client.get(pages.link("preferences", ana["id"]), follow_redirects=False)
    assert opened.status_code == 410
    assert "Ce compte n&#39;existe plus" in opened.text
    assert "set-cookie" not in opened.headers


def _unsubscribe(pages: PagesUnderTest, consultant_id: str) -> None:
    code = pages.notifier.signer.sign(LinkClaims("unsubscribe", consultant_id, None, "2026-W48"))
    assert pages.client.post(f"/l/{code}").status_code == 200


def _receives_digests(pages: PagesUnderTest, consultant_id: str) -> bool:
    with pages.notifier.factory() as session:
        row = session.get(RecipientRow, consultant_id)
        assert row is not None
        return bool(row.receives_digests)


@pytest.mark.parametrize("synced", [False, True], ids=["profiles-not-told-yet", "profiles-told"])
def test_saving_after_unsubscribing_keeps_the_reader_unsubscribed_until_they_choose_otherwise(
    pages: PagesUnderTest, synced: bool
) -> None:
    ana = pages.profiles.register("ana@example.org", "Ana Lopes")
    pages.know_everyone()
    _unsubscribe(pages, ana["id"])
    if synced:  # the unsubscribe's task has told profiles (frequency paused)
        assert pages.notifier.profiles.pause_digests(ana["id"], idempotency_key="unsubscribe-1")
    form = pages.client.get(pages.link("preferences", ana["id"])).text
    assert 'id="unsubscribed"' in form
    assert "Vous vous êtes désabonné·e" in form
    assert 'name="resubscribe" value="true"' in form
    assert 'name="resubscribe" value="true" checked' not in form
    assert 'value="paused"' not in form  # the rhythm shown is the one a re-subscription takes

    saved = pages.client.post(  # a new day, the radio of a rhythm left as the form showed it
        "/pages/preferences",
        data={
            "csrf": pages.csrf(form),
            "frequency": _checked_frequency(form),
            "day_of_week": "thursday",
            "locale": "fr",
        },
    )
    assert saved.status_code == 200
    assert 'id="unsubscribed"' in saved.text
    stored = pages.profiles.client.get(
        f"/v1/consultants/{ana['id']}/preferences", headers=consultant_headers(ana["id"])
    ).json()
    assert (stored["frequency"], stored["day_of_week"]) == ("paused", "thursday")
    pages.know_everyone()
    assert not _receives_digests(pages, ana["id"])

    again = pages.client.post(  # now the reader chooses to come back, every two weeks
        "/pages/preferences",
        data={
            "csrf": pages.csrf(saved.text),
            "frequency": "biweekly",
            "day_of_week": "thursday",
            "locale": "fr",
            "resubscribe": "true",
        },
    )
    assert again.status_code == 200
    assert 'id="unsubscribed"' not in again.text
    assert 'value="biweekly" checked' in again.text
    with pages.notifier.factory() as session:  # at once, as the unsubscribe link did
        assert session.get(RecipientRow, ana["id"]).unsubscribed is False  # type: ignore[union-attr]
    pages.know_everyone()
    assert _receives_digests(pages, ana["id"])


def _checked_frequency(html: str) -> str:
    found = re.search(r'name="frequency" value="([a-z]+)" checked', html)
    assert found, html
    return found.group(1)
