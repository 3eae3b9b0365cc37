"""A consultant's pages in a real browser (Debian's headless Chromium, through Selenium), on a
phone (390 px) and on a desktop (1280 px), opened from the links of real digests in the sink.

Every Braise process runs as under `braise up`, against the session's real Redis, Neo4j and
SMTP sink; one firm and one period of digests serve the whole module. At each width a
different reader acts (Camille on the phone, Hugo on the desktop) on people of their own, so
what one does never changes what the other sees. The tests run in the order of the story.
Every page passes `_accessible` (lang, labels, visible keyboard focus). Screenshots at 390 px
are kept in var/screenshots/pages/ (the README's come from there).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from neo4j import Driver
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from braise_notifier.catalogs import texts
from braise_notifier.config import DEFAULT_LINK_SECRET
from braise_notifier.tokens import LinkClaims, LinkSigner
from tests.support.axe import assert_accessible
from tests.support.browser import (
    basic_accessibility_faults,
    click,
    headless_chromium,
    save_full_page,
    set_width,
    submit,
)
from tests.support.digest_links import digest_of, link_about, links_of
from tests.support.overflow import assert_no_horizontal_overflow
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.reader_firm import (
    DESKTOP,
    PEOPLE,
    PHONE,
    READERS,
    WAIT_S,
    Firm,
    Reader,
    firm_with_digests,
)
from tests.support.servers import SessionServers

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "pages"


@pytest.fixture(scope="module")
def firm(
    tmp_path_factory: pytest.TempPathFactory,
    servers: SessionServers,
    neo4j_session_driver: Driver,
) -> Iterator[Firm]:
    with firm_with_digests(
        tmp_path_factory.mktemp("stack") / "var", servers, neo4j_session_driver
    ) as found:
        yield found


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
        click(driver, summary)
    return card


def _shot(driver: webdriver.Chrome, name: str, width: int) -> None:
    save_full_page(driver, SCREENSHOTS / f"{name}-{width}px.png", width=width)


def _open_network(driver: webdriver.Chrome, firm: Firm, reader: Reader) -> None:
    """Open the reader's preferences from their digest, then "my network" from its menu."""
    _open(driver, firm.preferences_link(reader.key))
    click(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/pages/network']"))
    _wait_for(driver, "form[action='/pages/network/met']")
    _accessible(driver)


def test_the_preferences_link_of_a_real_digest_changes_rhythm_and_language_through_profiles(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    reader = READERS[width]
    _open(chromium, firm.preferences_link(reader.key))
    assert chromium.current_url.endswith("/pages/preferences")  # the token left the address bar
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    _shot(chromium, "preferences", width)
    rhythm = "monthly" if width == PHONE else "biweekly"
    click(chromium, chromium.find_element(By.CSS_SELECTOR, f"input[value='{rhythm}']"))
    click(chromium, chromium.find_element(By.CSS_SELECTOR, "input[name='locale'][value='en']"))
    submit(
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


@pytest.mark.parametrize("size", [320, PHONE, DESKTOP], ids=["320px", "390px", "1280px"])
def test_a_break_until_a_day_says_so_in_words_and_resume_now_ends_it(
    chromium: webdriver.Chrome, firm: Firm, size: int
) -> None:
    # Karim, whose preferences nothing else here touches, takes a break and resumes.
    chromium.delete_all_cookies()
    set_width(chromium, size)
    _open(chromium, firm.preferences_link("karim"))
    assert chromium.find_elements(By.ID, "resume") == []
    Select(chromium.find_element(By.ID, "pause")).select_by_value("4")
    submit(
        chromium, chromium.find_element(By.CSS_SELECTOR, "form[action='/pages/preferences'] button")
    )
    words = _wait_for(chromium, "#paused-until")
    _accessible(chromium)  # the sentence and "resume now" fit at this width too
    _shot(chromium, "preferences-break", size)
    url = f"{firm.url('profiles')}/v1/consultants/{firm.ids['karim']}/preferences"
    mine = consultant_headers(firm.ids["karim"])
    stored = httpx.get(url, headers=mine).json()
    assert stored["frequency"] == "weekly"
    resume = datetime.fromisoformat(stored["resume_on"]).date()
    t, today = texts("fr"), resume - timedelta(weeks=4)
    last = t.near_day(resume - timedelta(days=1), today)
    assert words.text.startswith(f"Pas de message jusqu'au {last}"), words.text

    submit(chromium, chromium.find_element(By.ID, "resume"))
    _wait_for(chromium, "p.notice[role='status']")
    _accessible(chromium)
    assert chromium.find_elements(By.ID, "paused-until") == []
    stored = httpx.get(url, headers=mine).json()
    assert (stored["frequency"], stored["resume_on"]) == ("weekly", None)


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
    _shot(chromium, "network", width)
    other = PEOPLE[reader.not_now_with][1]
    submit(chromium, _answer(_card(chromium, other), "not_now"))
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
    submit(chromium, _answer(_card(chromium, other), "never"))
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
    _shot(chromium, "preferences-declined", width)
    submit(chromium, listed[0].find_element(By.TAG_NAME, "button"))
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
    submit(
        chromium, chromium.find_element(By.CSS_SELECTOR, "form[action='/pages/network/met'] button")
    )
    _wait_for(chromium, "p.notice[role='status']")
    _accessible(chromium)
    _shot(chromium, "network-met", width)
    # The card says the meeting at once (the reader chose English in the first test).
    met = texts("en").get("pages.network.met_on_kind", kind="a lunch", when="\0").split("\0")[0]
    assert met in _card(chromium, PEOPLE[reader.never][1]).text

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


def test_a_digests_answer_and_unsubscribe_links_open_readable_pages_with_a_way_back(
    chromium: webdriver.Chrome, firm: Firm, width: int
) -> None:
    # Someone who acts nowhere else in this module: Karim on the phone, Zoé on the desktop.
    key, about = ("karim", "camille") if width == PHONE else ("zoe", "hugo")
    digest = digest_of(firm.maildir, PEOPLE[key][0])
    _open(chromium, link_about(digest, "never", firm.ids[about]))
    _shot(chromium, "confirm", width)
    assert PEOPLE[about][1] in chromium.find_element(By.TAG_NAME, "h1").text
    submit(chromium, chromium.find_element(By.CSS_SELECTOR, "form[method=post] button"))
    _wait_for(chromium, "ul.back")
    _accessible(chromium)
    _shot(chromium, "thanks", width)
    undo = chromium.find_element(By.CSS_SELECTOR, "form[action$='/undo'] button")
    assert PEOPLE[about][1] in undo.text  # the never's undo, on the thank-you page
    back = [a.get_attribute("href") for a in chromium.find_elements(By.CSS_SELECTOR, "ul.back a")]
    assert any("/pages/open/network?token=" in str(h) for h in back), back

    [unsubscribe] = [link.url for link in links_of(digest) if link.purpose == "unsubscribe"]
    _open(chromium, unsubscribe)
    _shot(chromium, "unsubscribe", width)
    submit(chromium, chromium.find_element(By.CSS_SELECTOR, "form[method=post] button"))
    _wait_for(chromium, "ul.back")
    _accessible(chromium)
    _shot(chromium, "unsubscribed", width)
    back = [a.get_attribute("href") for a in chromium.find_elements(By.CSS_SELECTOR, "ul.back a")]
    assert any(str(h).endswith("#resubscribe") for h in back), back
