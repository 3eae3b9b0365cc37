"""A check that fails when any element sticks out of its container horizontally.

A page that scrolls sideways, or a select whose option text runs past its box, at 320 to 1280 px:
each element's right edge is compared with its parent's (content boxes, one pixel of slack).
Elements inside a container that scrolls or clips on purpose (`overflow-x` not `visible`), and
elements placed out of sight on purpose (a skip link before it takes the focus), are left out.
"""

from selenium import webdriver

_OVERFLOWS = """
const out = [];
const slack = 1;
const sticksOut = (el) => {
  const parent = el.parentElement;
  if (!parent || el.getClientRects().length === 0) return null;
  const s = getComputedStyle(el);
  if (s.position === 'absolute' || s.position === 'fixed') return null;
  for (let a = parent; a && a !== document.documentElement; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible' && a !== document.body) return null;
  }
  const box = el.getBoundingClientRect();
  const p = parent.getBoundingClientRect();
  const ps = getComputedStyle(parent);
  const right = p.right - parseFloat(ps.borderRightWidth);
  const left = p.left + parseFloat(ps.borderLeftWidth);
  if (box.right > right + slack || box.left < left - slack) {
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
      ' ' + Math.round(box.left) + '..' + Math.round(box.right) +
      ' in ' + parent.tagName.toLowerCase() + ' ' + Math.round(left) + '..' + Math.round(right);
  }
  return null;
};
for (const el of document.body.querySelectorAll('*')) {
  const found = sticksOut(el);
  if (found) out.push(found);
}
if (document.documentElement.scrollWidth > window.innerWidth + slack) {
  out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' +
    window.innerWidth);
}
return out;
"""


def horizontal_overflows(driver: webdriver.Chrome) -> list[str]:
    """Return each element wider than its container, or placed past its edge, as text."""
    found: list[str] = driver.execute_script(_OVERFLOWS)
    return found


def assert_no_horizontal_overflow(driver: webdriver.Chrome) -> None:
    """Fail naming every element that sticks out of its container horizontally."""
    found = horizontal_overflows(driver)
    assert not found, "horizontal overflow: " + "; ".join(found[:10])
