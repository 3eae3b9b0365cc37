"""Accessibility of a page open in a real browser: axe-core, the document's language, focus.

axe-core comes from the npm registry at the version of `web/package-lock.json` (`make install`
runs `npm ci`); it is injected into the page through Selenium, so nothing is fetched by the
browser. `assert_accessible(driver)` is the one call a browser test makes on each page.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
MAX_TABS = 300

_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    targets: v.nodes.map(n => n.target.join(' '))}))),
  e => done({error: String(e)}));
"""

# The element that has the focus, and whether the eye can see it: an outline or a shadow.
_FOCUSED = """
const e = document.activeElement;
if (!e || e === document.body) return null;
const s = getComputedStyle(e);
const outlined = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
const key = (e.dataset.tabStop || '?') + ' ' + e.outerHTML.slice(0, 120);
return {key: key, visible: outlined || s.boxShadow !== 'none'};
"""

# A group of radio buttons is one Tab stop (the arrow keys move within it): the checked one,
# or the first when none is.
_FOCUSABLE = """
// Chromium keeps boxes for the content of a closed <details> (content-visibility: hidden), which
// the keyboard skips as the eye does: only its summary is a stop.
const folded = e => {
  const d = e.closest('details:not([open])');
  return d !== null && !(e.closest('summary') && e.closest('summary').parentElement === d);
};
const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0 && !folded(e));
const stop = e => {
  if (e.type !== 'radio' || !e.name) return true;
  const group = all.filter(o => o.type === 'radio' && o.name === e.name && o.form === e.form);
  return e === (group.find(o => o.checked) || group[0]);
};
// Numbered, so that two controls alike (a "not now" on each card) are two stops.
all.forEach((e, i) => { e.dataset.tabStop = String(i); });
return all.filter(stop).map(e => e.dataset.tabStop + ' ' + e.outerHTML.slice(0, 120));
"""


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks: its id, impact, help text and the elements at fault."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]


def axe_violations(driver: webdriver.Chrome) -> list[Violation]:
    """Run axe-core on the page open in driver; return every violation it finds."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: `make install` runs npm ci in web/")
    driver.set_script_timeout(60)
    driver.execute_script(AXE.read_text())
    found: Any = driver.execute_async_script(_RUN_AXE)
    if isinstance(found, dict):
        raise RuntimeError(f"axe-core failed: {found['error']}")
    return [Violation(v["id"], v["impact"] or "", v["help"], tuple(v["targets"])) for v in found]


def keyboard_focus_problems(driver: webdriver.Chrome) -> list[str]:
    """Tab through the page; return what the keyboard cannot reach or reaches unseen."""
    focusable = set(driver.execute_script(_FOCUSABLE))
    driver.execute_script("document.activeElement && document.activeElement.blur();")
    reached: set[str] = set()
    problems = []
    previous = None
    # A date field holds several stops (day, month, year) on one element: 4 per control.
    for _ in range(min(MAX_TABS, 4 * len(focusable) + 2)):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused: dict[str, Any] | None = driver.execute_script(_FOCUSED)
        if focused is None or focused["key"] == previous:
            continue
        previous = focused["key"]
        if focused["key"] in reached:
            break  # around the page once
        reached.add(focused["key"])
        if not focused["visible"]:
            problems.append(f"focus not visible on {focused['key']}")
    problems.extend(f"not reachable by Tab: {key}" for key in sorted(focusable - reached))
    return problems


def assert_accessible(driver: webdriver.Chrome) -> None:
    """Fail unless the open page has a language, no serious or critical axe violation, and
    every control reachable by the keyboard with a visible focus."""
    lang = driver.execute_script("return document.documentElement.lang")
    assert lang, f"{driver.current_url}: <html> has no lang"
    blocking = [v for v in axe_violations(driver) if v.impact in BLOCKING]
    assert not blocking, f"{driver.current_url}: axe-core found " + "; ".join(
        f"{v.rule} ({v.impact}: {v.help}) at {', '.join(v.targets[:3])}" for v in blocking
    )
    problems = keyboard_focus_problems(driver)
    assert not problems, f"{driver.current_url}: " + "; ".join(problems)
