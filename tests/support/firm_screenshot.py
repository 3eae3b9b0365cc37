"""Screenshot the firm's view of a running stack, signed in as staff through its mail sink.

    python -m tests.support.firm_screenshot http://127.0.0.1:8003 var/mail var/firm-view.png

Asks for a sign-in link for the local stack's staff address, reads it from the sink's folder,
opens it in Debian's headless Chromium at 1280 px, waits for the sector table, and saves a
full-page PNG (of the demo firm after `make demo`; docs/img/ has the tests' small firm).
"""

import re
import sys
import tempfile
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from braise_cli.stack.services import LOCAL_STAFF_EMAIL
from tests.support.browser import headless_chromium
from tests.support.processes import wait_until

WIDTH = 1280


def sign_in_link(url: str, maildir: Path, address: str, *, since: float) -> str:
    """Ask for a staff sign-in link and return it once the sink has received it."""
    with httpx.Client() as browser:  # keeps the form's cookie, as a browser would
        form = browser.get(f"{url}/pages/staff")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        answer = browser.post(f"{url}/pages/staff", data={"email": address, "csrf": csrf[1]})
        answer.raise_for_status()
    pattern = re.compile(rf"{re.escape(url)}/pages/staff/open\?token=\S+")
    found: list[str] = []

    def arrived() -> bool:
        for path in maildir.glob("*.eml"):
            if path.stat().st_mtime < since:
                continue
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            body = message.get_body(preferencelist=("plain",))
            if message["To"] == address and body is not None:
                found.extend(pattern.findall(str(body.get_content())))
        return bool(found)

    wait_until(arrived, timeout_s=60, what="the staff sign-in e-mail in the sink")
    return found[0]


def main(url: str, maildir: str, out: str) -> None:
    """Sign in, wait for the firm's view, save a full-page screenshot."""
    link = sign_in_link(url.rstrip("/"), Path(maildir), LOCAL_STAFF_EMAIL, since=time.time() - 1)
    with tempfile.TemporaryDirectory() as profile, headless_chromium(Path(profile)) as driver:
        metrics = {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(link)
        WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.ID, "sectors"))
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics | {"height": height})
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(out)
    print(f"{out}: the firm's view of {url}, {WIDTH} px wide, {height} px high")


if __name__ == "__main__":
    main(*sys.argv[1:4])
