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

from braise_cli.stack.install import ensure_debian_packages

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
