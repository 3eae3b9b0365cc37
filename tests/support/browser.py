"""A real browser for layout tests: Debian's headless Chromium, driven by Selenium.

`measure` loads a page at a given width and colour scheme and returns what a reader's eye
and thumb meet: the box of every link and the colours of every visible text.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from braise_cli.stack.install import ensure_debian_packages
from tests.support.processes import wait_until

Scheme = Literal["light", "dark"]
RGB = tuple[float, float, float]

# Flags that work on a machine without a display, a GPU or a network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)

_MEASURE = """
function rgba(value) {
  const parts = value.match(/[\\d.]+/g).map(Number);
  return parts.length > 3 ? parts : [...parts, 1];
}
function background(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) return c;
  }
  return [255, 255, 255, 1];
}
const texts = [];
for (const el of document.body.querySelectorAll('*')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.getClientRects().length === 0) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden') continue;
  texts.push({text: el.textContent.trim().slice(0, 80), color: rgba(style.color),
              background: background(el)});
}
const links = [...document.querySelectorAll('a')].map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent.trim(), className: a.className, left: r.left, top: r.top + scrollY,
          width: r.width, height: r.height};
});
const hidden = [...document.querySelectorAll('.preheader')].map(e => e.getClientRects().length);
return {texts, links, hidden, scrollWidth: document.documentElement.scrollWidth,
        scrollHeight: document.documentElement.scrollHeight};
"""


@dataclass(frozen=True)
class Box:
    """A link's box on the page, in CSS pixels."""

    text: str
    classes: str
    left: float
    top: float
    width: float
    height: float

    def overlaps(self, other: "Box") -> bool:
        """Tell whether the two boxes share any area."""
        return (
            min(self.left + self.width, other.left + other.width) - max(self.left, other.left) > 0
            and min(self.top + self.height, other.top + other.height) - max(self.top, other.top) > 0
        )


@dataclass(frozen=True)
class TextColour:
    """A visible text, its colour and the colour behind it."""

    text: str
    color: RGB
    background: RGB

    def contrast(self) -> float:
        """Return the WCAG 2 contrast ratio of the text against its background."""
        lighter, darker = sorted((luminance(self.color), luminance(self.background)), reverse=True)
        return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Layout:
    """What one rendering shows."""

    links: list[Box]
    texts: list[TextColour]
    visible_preheaders: int
    scroll_width: float


def luminance(rgb: RGB) -> float:
    """Return the relative luminance of an sRGB colour (WCAG 2)."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ensure_chromium() -> None:
    """Install Debian's Chromium and its WebDriver if missing."""
    ensure_debian_packages({"chromium": "chromium", "chromedriver": "chromium-driver"})


@contextmanager
def headless_chromium(profile_dir: Path) -> Iterator[webdriver.Chrome]:
    """Yield a Selenium driver of Debian's Chromium with a fresh profile; quit it after."""
    ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    # A driver path given means Selenium never looks for (or downloads) one itself.
    service = webdriver.ChromeService(
        executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"
    )
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def measure(
    driver: webdriver.Chrome, page: Path, *, width: int, scheme: Scheme, screenshot: Path
) -> Layout:
    """Load page at width CSS pixels in a colour scheme; save a full-page screenshot."""
    features = [{"name": "prefers-color-scheme", "value": scheme}]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    _viewport(driver, width, 800)
    driver.get(page.resolve().as_uri())
    found: dict[str, Any] = driver.execute_script(_MEASURE)
    _viewport(driver, width, int(found["scrollHeight"]))
    found = driver.execute_script(_MEASURE)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(screenshot))
    return Layout(
        links=[
            Box(b["text"], b["className"], b["left"], b["top"], b["width"], b["height"])
            for b in found["links"]
        ],
        texts=[
            TextColour(t["text"], tuple(t["color"][:3]), tuple(t["background"][:3]))
            for t in found["texts"]
        ],
        visible_preheaders=sum(found["hidden"]),
        scroll_width=found["scrollWidth"],
    )


def _viewport(driver: webdriver.Chrome, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


# What every consultant page must offer a keyboard and a screen reader: a language, a name
# for every control, and a focus one can see. Returns what falls short, as readable lines.
_BASIC_ACCESSIBILITY = """
const faults = [];
if (!document.documentElement.lang) faults.push('no lang on <html>');
if (!document.title.trim()) faults.push('no <title>');
if (!document.querySelector('h1')) faults.push('no <h1>');
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || !shown(el)) continue;
  const named = el.labels.length > 0 || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby');
  if (!named) faults.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (shown(el) && !el.textContent.trim() && !el.getAttribute('aria-label'))
    faults.push(`${el.tagName.toLowerCase()} without text`);
}
return faults;
"""

_FOCUS_RING = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const style = getComputedStyle(el);
return {tag: el.tagName.toLowerCase(), name: el.name || el.textContent.trim().slice(0, 40),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
"""


def basic_accessibility_faults(driver: webdriver.Chrome, *, tabs: int = 40) -> list[str]:
    """Return what the page lacks: lang, title, h1, labels, and a visible focus on each of the
    first `tabs` stops of the keyboard (Tab, as a keyboard user moves)."""
    faults: list[str] = list(driver.execute_script(_BASIC_ACCESSIBILITY))
    # Tab from the top of the page, as after loading it.
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    seen = 0
    for _ in range(tabs):
        webdriver.ActionChains(driver).send_keys("\ue004").perform()  # Tab
        focused = driver.execute_script(_FOCUS_RING)
        if focused is None:
            break
        seen += 1
        if not focused["outline"]:
            faults.append(f"no visible focus on {focused['tag']} {focused['name']!r}")
    if seen == 0:
        faults.append("nothing takes the keyboard focus")
    return faults


def set_width(driver: webdriver.Chrome, width: int, height: int = 800) -> None:
    """Show pages at width CSS pixels (a phone below 600), as a device would."""
    _viewport(driver, width, height)


def save_full_page(driver: webdriver.Chrome, path: Path, *, width: int) -> None:
    """Save a screenshot of the whole page at width, then give the window its height back."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    _viewport(driver, width, height)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    _viewport(driver, width, 800)


def click(driver: webdriver.Chrome, element: WebElement) -> None:
    """Click as a thumb would: the element scrolled into view first."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def submit(driver: webdriver.Chrome, button: WebElement) -> None:
    """Click a form's button and wait until the page it posted to has replaced this one (the
    old page may show the element the next step waits for)."""
    old = driver.find_element(By.TAG_NAME, "html")
    click(driver, button)

    def replaced() -> bool:
        try:
            old.tag_name  # noqa: B018 - reading it raises once the page is gone
        except (StaleElementReferenceException, WebDriverException):
            return True  # stale, or "does not belong to the document": replaced
        return False

    wait_until(replaced, timeout_s=20, what=f"the page after {driver.current_url}")
