"""A consultant's pages in a real browser (Debian's headless Chromium, through Selenium), on a
phone (390 px) and on a desktop (1280 px), opened from the links of real digests in the sink.

Every Braise process runs as under `braise up`, against the session's real Redis, Neo4j and
SMTP sink; one firm and one period of digests serve the whole module. At each width a
different reader acts (Camille on the phone, Hugo on the desktop) on people of their own, so
what one does never changes what the other sees. The tests run in the order of the story.
Every page passes `_accessible` (lang, labels, visible keyboard focus). Screenshots at 390 px
are kept in var/screenshots/pages/ (the README's come from there).
"""

import email
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis
from neo4j import Driver
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from braise_cli.stack import StackSettings, build_services
from braise_cli.stack.servers import Server
from braise_notifier.config import DEFAULT_LINK_SECRET
from braise_notifier.tokens import LinkClaims, LinkSigner
from braise_shared.stream import EVENTS_STREAM
from tests.support.axe import assert_accessible
from tests.support.browser import (
    basic_accessibility_faults,
    headless_chromium,
    save_full_page,
    set_width,
)
from tests.support.disposable import free_port
from tests.support.mail import raw_mails
from tests.support.overflow import assert_no_horizontal_overflow
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers, stack_settings_for
from tests.support.streams import entries

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "pages"
PHONE, DESKTOP = 390, 1280
WAIT_S = 60  # the longest any of these waits on a process: a relay, a consumer, a worker
PEOPLE = {
    "camille": ("camille.martin@example.org", "Camille Martin"),
    "karim": ("karim.benali@example.org", "Karim Benali"),
    "ines": ("ines.garnier@example.org", "Inès Garnier"),
    "hugo": ("hugo.perrin@example.org", "Hugo Perrin"),
    "zoe": ("zoe.masson@example.org", "Zoé Masson"),
    "marc": ("marc.lambert@example.org", "Marc Lambert"),
    "lea": ("lea.dubois@example.org", "Léa Dubois"),
}


@dataclass(frozen=True)
class Reader:
    """Who acts at one width, and the two people their digest proposes."""

    key: str
    not_now_with: str  # "not now" on "my network"
    never: str  # said never to, undone on the preferences page, then met over lunch


READERS = {
    PHONE: Reader("camille", not_now_with="karim", never="ines"),
    DESKTOP: Reader("hugo", not_now_with="zoe", never="marc"),
}


@dataclass(frozen=True)
class Firm:
    """The running stack and the firm it holds."""

    settings: StackSettings
    ids: dict[str, str]
    maildir: Path
    redis: "redis.Redis"

    def url(self, service: str) -> str:
        """Return a service's base URL."""
        return f"http://127.0.0.1:{getattr(self.settings, f'{service}_port')}"

    def mail_of(self, key: str) -> EmailMessage:
        """Return the digest the sink holds for a person."""
        address = PEOPLE[key][0]
        for raw in raw_mails(self.maildir):
            message = email.message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]):
                return message
        raise AssertionError(f"no digest for {address} in {self.maildir}")

    def preferences_link(self, key: str) -> str:
        """Return the preferences link of a person's digest, as its plain text says it."""
        part = self.mail_of(key).get_body(preferencelist=("plain",))
        assert part is not None
        text = part.get_content()
        [link] = re.findall(r"https?://\S+/pages/open/preferences\?token=\S+", text)
        return str(link)

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Return the stream's events of one type, oldest first."""
        found = [orjson.loads(f[b"event"]) for _id, f in entries(self.redis, EVENTS_STREAM)]
        return [e for e in found if e["type"] == kind]

    def declined_by(self, key: str) -> list[str]:
        """Return who the graph says a person said never to."""
        response = httpx.get(
            f"{self.url('graph')}/v1/consultants/{self.ids[key]}/declined",
            headers=consultant_headers(self.ids[key]),
        )
        response.raise_for_status()
        return [p["other_name"] for p in response.json()["people"]]

    def caught_up(self, published: int = 0) -> bool:
        """Tell whether at least `published` events reached the stream (the relay publishes
        in batches of its own) and the graph and the notifier applied every one of them."""
        if self.redis.xlen(EVENTS_STREAM) < published:
            return False
        groups = {g["name"]: g for g in self.redis.xinfo_groups(EVENTS_STREAM)}
        return all(
            groups.get(name) is not None
            and groups[name]["lag"] == 0
            and not groups[name]["pending"]
            for name in (b"graph", b"notifier")
        )


def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def _dormant(a: str, b: str, days: float) -> list[dict[str, Any]]:
    """A strong mission long ago, two lunches after it, then silence."""
    return [
        {"kind": "mission_together", "participants": [a, b], "occurred_at": _ago(days)},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(days - 40), "initiator": a},
        {"kind": "lunch", "participants": [a, b], "occurred_at": _ago(days - 90), "initiator": b},
    ]


@pytest.fixture(scope="module")
def firm(
    tmp_path_factory: pytest.TempPathFactory,
    servers: SessionServers,
    neo4j_session_driver: Driver,
) -> Iterator[Firm]:
    client = redis.Redis.from_url(servers.endpoints.redis_url)
    client.flushdb()
    redis.Redis.from_url(servers.endpoints.redis_url.rsplit("/", 1)[0] + "/1").flushdb()
    neo4j_session_driver.execute_query("MATCH (n) DETACH DELETE n")
    shutil.rmtree(servers.maildir, ignore_errors=True)
    servers.maildir.mkdir(parents=True, exist_ok=True)
    settings = stack_settings_for(
        servers,
        tmp_path_factory.mktemp("stack") / "var",
        profiles_port=free_port(),
        graph_port=free_port(),
        notifier_port=free_port(),
    )
    started: list[Server] = []
    try:
        for service in build_services(settings):
            service.start()
            started.append(service)
        yield _load_and_send(settings, client, servers.maildir)
    finally:
        for service in reversed(started):
            service.stop()
        client.close()


def _load_and_send(settings: StackSettings, client: "redis.Redis", maildir: Path) -> Firm:
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{settings.profiles_port}", headers=admin_headers()
    )
    items = [{"email": e, "display_name": n} for e, n in PEOPLE.values()]
    response = profiles.post("/v1/consultants/bulk", json={"items": items})
    assert response.status_code == 201, response.text
    ids = {key: body["id"] for key, body in zip(PEOPLE, response.json(), strict=True)}
    history = [
        *_dormant(ids["camille"], ids["karim"], 700),
        *_dormant(ids["camille"], ids["ines"], 650),
        *_dormant(ids["hugo"], ids["zoe"], 700),
        *_dormant(ids["hugo"], ids["marc"], 650),
        {"kind": "lunch", "participants": [ids["camille"], ids["lea"]], "occurred_at": _ago(3)},
    ]
    recorded = profiles.post("/v1/interactions/bulk", json={"items": history})
    assert recorded.status_code == 201, recorded.text
    found = Firm(settings, ids, maildir, client)
    wait_until(
        lambda: found.caught_up(published=len(PEOPLE) + len(history)),
        timeout_s=WAIT_S,
        what="the relay, the graph and the notifier",
    )
    notifier = httpx.Client(base_url=found.url("notifier"), headers=admin_headers())
    assert notifier.post("/v1/admin/periods/2026-W48/run").json()["enqueued"] == len(PEOPLE)

    def outcomes() -> dict[str, int]:
        by_state: dict[str, int] = notifier.get("/v1/admin/periods/2026-W48").json()["by_state"]
        return by_state

    wait_until(
        lambda: sum(outcomes().get(s, 0) for s in ("sent", "empty")) == len(PEOPLE),
        timeout_s=WAIT_S,
        what="the period's digests",
    )
    assert outcomes() == {"sent": 6, "empty": 1}  # Léa has only an active link
    return found


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1280px"])
def width(request: pytest.FixtureRequest, chromium: webdriver.Chrome) -> int:
    size: int = request.param
    chromium.delete_all_cookies()
    set_width(chromium, size)
    return size


def _accessible(driver: webdriver.Chrome) -> None:
    """Check the page a consultant sees: lang, labels, a visible keyboard focus everywhere,
    and no serious or critical axe-core violation."""
    assert basic_accessibility_faults(driver) == [], driver.current_url
    assert_accessible(driver)
    assert_no_horizontal_overflow(driver)


def _open(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    _accessible(driver)


def _click(driver: webdriver.Chrome, element: WebElement) -> None:
    """Click as a thumb would: the element scrolled into view first."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _wait_for(driver: webdriver.Chrome, css: str) -> WebElement:
    """Return the first element matching css once the page shows one."""

    def shown() -> bool:
        return bool(driver.find_elements(By.CSS_SELECTOR, css))

    wait_until(shown, timeout_s=20, what=f"{css} on {driver.current_url}")
    return driver.find_element(By.CSS_SELECTOR, css)


def _card(driver: webdriver.Chrome, name: str) -> WebElement:
    card = driver.find_element(By.XPATH, f"//section[h3[normalize-space()='{name}']]")
    folded = card.find_elements(By.XPATH, "ancestor::details[not(@open)]/summary")
    for summary in folded:  # a faded link's card: open its group as a reader would
        _click(driver, summary)
    return card


def _shot(driver: webdriver.Chrome, name: str, width: int) -> None:
    save_full_page(driver, SCREENSHOTS / f"{name}-{width}px.png", width=width)


def _open_network(driver: webdriver.Chrome, firm: Firm, reader: Reader) -> None:
    """Open the reader's preferences from their digest, then "my network" from its menu."""
    _open(driver, firm.preferences_link(reader.key))
    _click(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/pages/network']"))
    _wait_for(driver, "form[action='/pages/network/met']")
    _accessible(driver)


def test_the_preferences_link_of_a_real_digest_changes_rhythm_and_language_through_profiles(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    _open(chromium, firm.preferences_link(reader.key))
    assert chromium.current_url.endswith("/pages/preferences")  # the token left the address bar
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    if width == PHONE:
        _shot(chromium, "preferences", width)
    rhythm = "monthly" if width == PHONE else "biweekly"
    _click(chromium, chromium.find_element(By.CSS_SELECTOR, f"input[value='{rhythm}']"))
    _click(chromium, chromium.find_element(By.CSS_SELECTOR, "input[name='locale'][value='en']"))
    _click(
        chromium, chromium.find_element(By.CSS_SELECTOR, "form[action='/pages/preferences'] button")
    )

    _wait_for(chromium, "p.notice[role='status']")
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    _accessible(chromium)
    stored = httpx.get(
        f"{firm.url('profiles')}/v1/consultants/{firm.ids[reader.key]}/preferences",
        headers=consultant_headers(firm.ids[reader.key]),
    ).json()
    assert (stored["frequency"], stored["locale"]) == (rhythm, "en")


def _answer(card: WebElement, action: str) -> WebElement:
    """Return the button of a card's answer form (not now, never, undo)."""
    return card.find_element(
        By.XPATH, f".//form[input[@name='action' and @value='{action}']]//button"
    )


def test_not_now_on_my_network_reaches_the_stream(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    _open_network(chromium, firm, reader)
    if width == PHONE:
        _shot(chromium, "network", width)
    other = PEOPLE[reader.not_now_with][1]
    _click(chromium, _answer(_card(chromium, other), "not_now"))
    notice = _wait_for(chromium, "p.notice[role='status']")
    assert other in notice.text
    _accessible(chromium)

    def arrived() -> bool:
        return any(
            e["data"]["action"] == "not_now"
            and e["data"]["consultant_id"] == firm.ids[reader.key]
            and e["data"]["other_id"] == firm.ids[reader.not_now_with]
            for e in firm.events("suggestion.feedback")
        )

    wait_until(arrived, timeout_s=WAIT_S, what="suggestion.feedback not now on the stream")


def test_never_then_undo_on_the_preferences_page_lets_the_person_come_back(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    other = PEOPLE[reader.never][1]
    _open_network(chromium, firm, reader)
    _click(chromium, _answer(_card(chromium, other), "never"))
    _wait_for(chromium, "p.notice[role='status']")
    assert _answer(_card(chromium, other), "undo_never").is_displayed()  # the undo, at once
    wait_until(
        lambda: firm.declined_by(reader.key) == [other],
        timeout_s=WAIT_S,
        what=f"the graph to hold {reader.key}'s never",
    )

    _open(chromium, firm.preferences_link(reader.key))
    listed = chromium.find_elements(By.CSS_SELECTOR, "ul.declined li")
    assert [li.find_element(By.TAG_NAME, "span").text for li in listed] == [other]
    if width == PHONE:
        _shot(chromium, "preferences-declined", width)
    _click(chromium, listed[0].find_element(By.TAG_NAME, "button"))
    notice = _wait_for(chromium, "p.notice[role='status']")
    assert other in notice.text
    wait_until(
        lambda: firm.declined_by(reader.key) == [],
        timeout_s=WAIT_S,
        what=f"the graph to clear {reader.key}'s never",
    )
    _open(chromium, chromium.current_url.split("?")[0])
    assert chromium.find_elements(By.CSS_SELECTOR, "ul.declined li") == []
    undo = [
        e["data"] for e in firm.events("suggestion.feedback") if e["data"]["action"] == "undo_never"
    ]
    assert undo[-1]["consultant_id"] == firm.ids[reader.key]
    assert undo[-1]["other_id"] == firm.ids[reader.never]


def test_we_met_records_a_lunch_through_profiles_as_the_reader(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    _open_network(chromium, firm, reader)
    Select(chromium.find_element(By.ID, "met-kind")).select_by_value("lunch")
    Select(chromium.find_element(By.ID, "met-who")).select_by_value(firm.ids[reader.never])
    _click(
        chromium, chromium.find_element(By.CSS_SELECTOR, "form[action='/pages/network/met'] button")
    )
    _wait_for(chromium, "p.notice[role='status']")
    _accessible(chromium)

    pair = sorted([firm.ids[reader.key], firm.ids[reader.never]])

    def recorded() -> bool:
        return any(
            e["data"]["kind"] == "lunch"
            and sorted(e["data"]["participants"]) == pair
            and e["data"]["initiator"] == firm.ids[reader.key]
            for e in firm.events("interaction.recorded")
        )

    wait_until(recorded, timeout_s=WAIT_S, what="the lunch on the stream")


def test_a_tampered_expired_or_misused_link_and_a_closed_session_get_a_readable_page(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    link = firm.preferences_link(reader.key)
    signer = LinkSigner(DEFAULT_LINK_SECRET, ttl_s=30 * 86_400)
    subject = firm.ids[reader.key]
    month_ago = datetime.now(UTC).timestamp() - 31 * 86_400
    expired = LinkSigner(DEFAULT_LINK_SECRET, ttl_s=30 * 86_400, clock=lambda: month_ago).sign(
        LinkClaims("preferences", subject)
    )
    misused = signer.sign(LinkClaims("unsubscribe", subject))
    base = link.split("?")[0]
    for url in (link[:-6] + "AAAAAA", f"{base}?token={expired}", f"{base}?token={misused}"):
        assert httpx.get(url).status_code == 400, url
        _open(chromium, url)
        heading = chromium.find_element(By.TAG_NAME, "h1").text
        assert "plus valable" in heading, (url, heading)
        assert "Traceback" not in chromium.page_source
        assert chromium.find_elements(By.CSS_SELECTOR, "form") == []

    _open(chromium, f"{firm.url('notifier')}/pages/preferences")  # no session cookie
    assert "Rouvrez-la depuis le lien" in chromium.find_element(By.TAG_NAME, "h1").text


def test_a_paused_reader_is_left_out_of_a_period_run(firm: Firm) -> None:
    camille = firm.ids["camille"]
    mine = consultant_headers(camille)
    until = (datetime.now(UTC).date() + timedelta(weeks=4)).isoformat()
    url = f"{firm.url('profiles')}/v1/consultants/{camille}/preferences"
    assert httpx.put(url, json={"resume_on": until}, headers=mine).status_code == 200

    def read() -> bool:
        published = any(
            e["data"]["consultant_id"] == camille and e["data"]["resume_on"] == until
            for e in firm.events("preferences.changed")
        )
        return published and firm.caught_up()

    wait_until(read, timeout_s=WAIT_S, what="the notifier to read the break")
    notifier = httpx.Client(base_url=firm.url("notifier"), headers=admin_headers())
    run = notifier.post("/v1/admin/periods/2027-W10/run").json()
    assert run["enqueued"] == len(PEOPLE) - 1
    preview = notifier.get(f"/v1/admin/preview/{camille}")
    assert preview.status_code == 404  # nothing would be sent to her now
