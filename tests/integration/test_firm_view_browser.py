"""The firm's view in a real browser (Debian's headless Chromium, Selenium), on a phone and on a
desktop: a staff member signs in by the link the real SMTP sink received, sees the live links
between sectors, the share of each stage week after week, where the network thins and the
revival table; refused links get a readable page; every page passes the accessibility check
(axe-core, lang, keyboard focus) and the overflow check, and no header breaks inside a word.

The notifier runs over real HTTP in this process, in front of the graph API on the real Neo4j.
Screenshots are kept under var/screenshots/ as test artefacts.
"""

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from neo4j import Driver
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from braise_notifier import staff_sign_in
from braise_notifier.api import create_app
from braise_notifier.bootstrap import Notifier, build
from braise_notifier.catalogs import texts
from braise_notifier.config import NotifierSettings
from braise_notifier.mailer import Mailer
from braise_notifier.staff_sign_in import mail_sign_in_link
from tests.support.axe import assert_accessible
from tests.support.browser import headless_chromium, save_full_page
from tests.support.disposable import free_port
from tests.support.firmview import NAMES, graph_of_a_small_firm, notifier_history
from tests.support.mail import raw_mails
from tests.support.overflow import assert_no_horizontal_overflow
from tests.support.processes import wait_until
from tests.support.servers import SessionServers

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE, DESKTOP = 390, 1280
STAFF = "equipe@firm.example"
DEADLINE_S = 60

# Table headers whose words were broken across lines: a word's letters on two lines.
_BROKEN_HEADERS = """
const broken = [];
for (const th of document.querySelectorAll('th')) {
  for (const word of th.textContent.split(/\\s+/).filter(w => w.length > 1)) {
    const range = document.createRange();
    const text = [...th.querySelectorAll('*'), th].flatMap(e => [...e.childNodes])
      .find(n => n.nodeType === 3 && n.textContent.includes(word));
    if (!text) continue;
    const at = text.textContent.indexOf(word);
    range.setStart(text, at); range.setEnd(text, at + word.length);
    if (range.getClientRects().length > 1) broken.push(word);
  }
}
return broken;
"""

# What sticks out on the right (a table's own scrolling region excepted), to say why it fails.
_WIDER_THAN_THE_SCREEN = """
return [...document.querySelectorAll('main *')]
  .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > innerWidth)
  .map(e => e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().width) + 'px')
  .slice(0, 6).join(', ');
"""


@dataclass
class Site:
    """The notifier serving the pages over HTTP, and the sink where its e-mails land."""

    url: str
    notifier: Notifier
    maildir: Path


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture
def site(
    tmp_path: Path,
    servers: SessionServers,
    redis_client: redis.Redis,
    neo4j_driver: Driver,
    maildir: Path,
) -> Iterator[Site]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with graph_of_a_small_firm(neo4j_driver, servers) as graph_url:
        notifier = build(
            NotifierSettings(
                database_url=f"sqlite:///{tmp_path / 'notifier.db'}",
                redis_url=servers.endpoints.redis_url,
                graph_url=graph_url,
                public_url=url,
                staff_emails=[STAFF],
            )
        )
        endpoints = servers.endpoints
        notifier.mailer = Mailer(endpoints.smtp_host, endpoints.smtp_port)
        notifier_history(notifier.factory, datetime.now(UTC))
        app = create_app(notifier, enqueue_digests=_nothing, enqueue_unsubscribe_sync=_nothing)
        # The worker's part: mail the link in the background, as the Celery task would.
        app.state.enqueue_sign_in = lambda address: threading.Thread(
            target=mail_sign_in_link,
            kwargs={
                "settings": notifier.settings,
                "signer": notifier.signer,
                "links": notifier.publisher.client,
                "mailer": notifier.mailer,
                "address": address,
            },
        ).start()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_until(lambda: server.started, timeout_s=20, what="notifier serving the pages")
        try:
            yield Site(url, notifier, maildir)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _nothing(*_args: object) -> None:
    return None


def _viewport(driver: webdriver.Chrome, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.delete_all_cookies()


def _sign_in_link(site: Site) -> str:
    """Wait for the sign-in e-mail in the sink; return its link."""
    found: list[EmailMessage] = []

    def arrived() -> bool:
        for raw in raw_mails(site.maildir):
            message = message_from_bytes(raw, policy=default_policy)
            if message["To"] == STAFF:
                found.append(message)
                return True
        return False

    wait_until(arrived, timeout_s=DEADLINE_S, what="the sign-in e-mail in the SMTP sink")
    link = re.search(rf"{re.escape(site.url)}/pages/staff/open\?token=\S+", found[0].get_content())
    assert link, found[0].get_content()
    return link.group(0)


def _request_link(driver: webdriver.Chrome, site: Site) -> None:
    driver.get(f"{site.url}/pages/staff")
    assert_accessible(driver)
    assert_no_horizontal_overflow(driver)
    field = driver.find_element(By.ID, "email")
    field.send_keys(STAFF)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, DEADLINE_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice[role=status]")
    )
    assert_accessible(driver)
    assert_no_horizontal_overflow(driver)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_staff_sign_in_by_the_emailed_link_and_see_the_firms_figures_at_a_glance(
    chromium: webdriver.Chrome, site: Site, width: int
) -> None:
    _viewport(chromium, width)
    _request_link(chromium, site)
    chromium.get(_sign_in_link(site))
    assert chromium.current_url == f"{site.url}/pages/firm"
    matrix = chromium.find_elements(By.CSS_SELECTOR, "#sector-matrix tbody tr")
    assert matrix[0].find_element(By.TAG_NAME, "th").text == "1. Banque (5)"
    thinning = chromium.find_elements(By.CSS_SELECTOR, "#thinning-table tbody tr")
    assert [row.text for row in thinning] == ["Banque 6 4 2"]
    assert len(chromium.find_elements(By.CSS_SELECTOR, "#history tbody tr")) == 3
    assert chromium.execute_script(_BROKEN_HEADERS) == []
    rows = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in chromium.find_elements(By.CSS_SELECTOR, "#revival-gesture tbody tr")
    ]
    assert rows == [["Inviter", "1", "1", "100"], ["Partager quelque chose", "1", "0", "0"]]
    assert chromium.find_element(By.CSS_SELECTOR, "#revival-gesture").is_displayed()
    overflow = chromium.execute_script(_WIDER_THAN_THE_SCREEN)
    assert chromium.execute_script("return document.documentElement.scrollWidth") <= width, overflow
    body = chromium.find_element(By.TAG_NAME, "body").text
    assert not [name for name in NAMES if name in body]
    save_full_page(chromium, SCREENSHOTS / f"firm-view-{width}px.png", width=width)
    assert_accessible(chromium)
    assert_no_horizontal_overflow(chromium)


def test_an_expired_staff_link_is_refused_with_a_readable_page(
    chromium: webdriver.Chrome, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _viewport(chromium, PHONE)
    _request_link(chromium, site)
    link = _sign_in_link(site)
    monkeypatch.setattr(staff_sign_in, "LINK_MAX_AGE_S", -1)  # as if 15 minutes had passed
    assert httpx.get(link).status_code == 400
    chromium.get(link)
    _assert_refused(chromium, site)


def test_a_tampered_staff_link_is_refused_with_a_readable_page(
    chromium: webdriver.Chrome, site: Site
) -> None:
    _viewport(chromium, DESKTOP)
    _request_link(chromium, site)
    link = _sign_in_link(site)
    head, token = link.split("token=", 1)
    tampered = f"{head}token={token[:-6]}{'A' if token[-6] != 'A' else 'B'}{token[-5:]}"
    assert httpx.get(tampered).status_code == 400
    chromium.get(tampered)
    _assert_refused(chromium, site)


def _assert_refused(driver: webdriver.Chrome, site: Site) -> None:
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == texts("fr").get("page.invalid")
    assert_accessible(driver)
    assert_no_horizontal_overflow(driver)
    driver.get(f"{site.url}/pages/firm")  # no session was opened
    assert driver.find_element(By.TAG_NAME, "h1").text == texts("fr").get("pages.no_session")
    assert not driver.find_elements(By.ID, "sector-matrix")
