"""The consultant's calendar page: connect a real Radicale calendar through profiles, see its
last read, disconnect it; the preferences page links to it."""

from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
import redis

from braise_cli.stack.caldav import CaldavAccount
from tests.support.calendars import new_collection
from tests.support.pages import PagesUnderTest, pages_under_test
from tests.support.servers import SessionServers


@pytest.fixture
def pages(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[PagesUnderTest]:
    with pages_under_test(tmp_path, servers.endpoints.redis_url) as running:
        yield running


def test_a_consultant_connects_sees_and_disconnects_their_calendar(
    pages: PagesUnderTest, caldav_account: CaldavAccount
) -> None:
    camille = pages.profiles.register("camille@example.org", "Camille Martin")
    preferences = pages.client.get(pages.link("preferences", camille["id"])).text
    assert 'href="/pages/calendar"' in preferences
    form = unescape(pages.client.get("/pages/calendar").text)
    assert "Aucun agenda n'est relié." in form
    mine = new_collection(caldav_account, "camille")
    wrong = pages.client.post(
        "/pages/calendar",
        data={"csrf": pages.csrf(form), "source": "caldav", "url": mine.url, "user": "braise"},
    )
    assert wrong.status_code == 422
    assert "user and a password" in wrong.text
    shown = pages.client.post(
        "/pages/calendar",
        data={
            "csrf": pages.csrf(form),
            "source": "caldav",
            "url": mine.url,
            "user": caldav_account.user,
            "password": caldav_account.password,
        },
    )
    assert shown.status_code == 200
    assert "Votre agenda est relié (serveur 127.0.0.1)." in shown.text
    assert "Dernière lecture" in shown.text
    assert caldav_account.password not in shown.text
    gone = pages.client.post("/pages/calendar/disconnect", data={"csrf": pages.csrf(shown.text)})
    assert "votre agenda n'est plus lu" in unescape(gone.text)
    assert "Aucun agenda n'est relié." in unescape(gone.text)
    refused = pages.client.post("/pages/calendar/disconnect", data={"csrf": "forged"})
    assert refused.status_code == 403
