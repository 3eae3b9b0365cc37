"""Mon réseau past 30 people, in a real browser (Debian's headless Chromium, Selenium), on a phone
and on a desktop: the reader's 34 links in the real Neo4j, served by the real graph API, the
notifier's pages over real HTTP in this process; the search box finds a person by a part of
their name typed without its accents; every page passes axe-core, the lang, label and focus
checks and the overflow check."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from neo4j import Driver
from selenium import webdriver
from selenium.webdriver.common.by import By

from braise_graph.api import create_app as graph_app
from braise_notifier.api import create_app
from braise_notifier.bootstrap import build
from braise_notifier.config import NotifierSettings
from braise_notifier.pages.people import SEARCH_FROM
from braise_notifier.projections import project
from braise_notifier.tokens import LinkClaims
from braise_shared.events import Event
from tests.support import events as ev
from tests.support.axe import assert_accessible
from tests.support.browser import (
    basic_accessibility_faults,
    headless_chromium,
    set_width,
    submit,
)
from tests.support.disposable import free_port
from tests.support.graph import graph_settings, new_store
from tests.support.overflow import assert_no_horizontal_overflow
from tests.support.pages import serving
from tests.support.servers import SessionServers

PHONE, DESKTOP = 390, 1280
DAY = 86_400.0
READER = "Camille Martin"
FIRST = ["Élodie", "Hélène", "Jérôme", "Benoît", "Chloé", "Gaëlle", "Noël", "Zoé", "Inès"]
LAST = ["Bézier", "Châtelet", "Dupré", "Lefèvre"]
# 37 names, each once: "Hélène Géraud" is the only one holding "gerau", accents folded.
OTHERS = [f"{f} {la}" for f in FIRST for la in LAST] + ["Hélène Géraud"]
SOUGHT = "Hélène Géraud"


def _firm(now: float) -> list[Event]:
    """The reader (1) and everyone else, each with one link to the reader, of every age."""
    people: list[Event] = [ev.profile(1, name=READER, sectors=("Banque",))]
    people += [ev.profile(n + 2, name=name, sectors=("Énergie",)) for n, name in enumerate(OTHERS)]
    links: list[Event] = []
    for n in range(len(OTHERS)):
        ago = now - (20 + 19 * n) * DAY  # from three weeks to two years: every stage
        links.append(ev.interaction([1, n + 2], ago, kind="mission_together"))
        links.append(ev.interaction([1, n + 2], ago + 10 * DAY, kind="lunch"))
    return people + links


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture
def link(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis, neo4j_driver: Driver
) -> Iterator[str]:
    """Serve the graph and the notifier's pages; yield the reader's "my network" link."""
    firm = _firm(datetime.now(UTC).timestamp())
    new_store(neo4j_driver).apply(firm)
    with serving(graph_app(graph_settings(servers), driver=neo4j_driver)) as graph_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        notifier = build(
            NotifierSettings(
                database_url=f"sqlite:///{tmp_path / 'notifier.db'}",
                redis_url=servers.endpoints.redis_url,
                graph_url=graph_url,
                public_url=url,
            )
        )
        project(notifier.factory, firm)  # the directory, as the notifier's consumer keeps it
        app = create_app(notifier, enqueue_digests=_nothing, enqueue_unsubscribe_sync=_nothing)
        with serving(app, port=port):
            token = notifier.signer.sign(LinkClaims("network", str(ev.cid(1))))
            yield f"{url}/pages/open/network?token={token}"


def _nothing(*_args: object) -> None:
    return None


def _checked(driver: webdriver.Chrome) -> None:
    assert basic_accessibility_faults(driver) == [], driver.current_url
    assert_accessible(driver)
    assert_no_horizontal_overflow(driver)


def _names(driver: webdriver.Chrome) -> list[str]:
    cards = driver.find_elements(By.XPATH, "//section[h3]/h3")
    return [str(h.get_attribute("textContent")).strip() for h in cards]


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_past_thirty_people_the_search_finds_a_name_typed_without_its_accents(
    chromium: webdriver.Chrome, link: str, width: int
) -> None:
    assert len(OTHERS) > SEARCH_FROM
    chromium.delete_all_cookies()
    set_width(chromium, width)
    chromium.get(link)
    assert chromium.current_url.endswith("/pages/network")
    _checked(chromium)
    assert sorted(_names(chromium)) == sorted(OTHERS)  # everyone, faded ones folded

    box = chromium.find_element(By.ID, "q")
    box.send_keys("gerau")
    submit(chromium, chromium.find_element(By.CSS_SELECTOR, "form[role=search] button"))
    chromium.find_element(By.CSS_SELECTOR, "a[href='/pages/network']")  # back to everyone
    assert "q=gerau" in chromium.current_url
    _checked(chromium)
    assert _names(chromium) == [SOUGHT]
    [card] = chromium.find_elements(By.XPATH, f"//section[h3[normalize-space()='{SOUGHT}']]")
    assert card.is_displayed()  # not folded away, whatever its stage
    assert chromium.find_element(By.ID, "q").get_attribute("value") == "gerau"

    submit(chromium, chromium.find_element(By.CSS_SELECTOR, "a[href='/pages/network']"))
    assert sorted(_names(chromium)) == sorted(OTHERS)
