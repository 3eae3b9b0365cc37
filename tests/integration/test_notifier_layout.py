"""The HTML digest in a real browser (Debian's headless Chromium): on a phone and on a desktop,
light and dark, every tap target is big enough, none overlaps another, every text is legible.

Screenshots are kept under var/screenshots/ as test artefacts.
"""

from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path

import pytest
from selenium import webdriver

from braise_notifier.guard import tone_faults
from tests.support.browser import Layout, Scheme, headless_chromium, measure
from tests.support.digests import sample_digests, sample_html

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE, DESKTOP = 390, 1280
MIN_TARGET_PX = 44
MIN_CONTRAST = 4.5  # WCAG 2 AA, for every text, small or large
DIGESTS = sample_digests()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("digests")
    out = {}
    for name, digest in DIGESTS.items():
        out[name] = folder / f"{name}.html"
        out[name].write_text(sample_html(digest), encoding="utf-8")
    return out


Render = Callable[[str, int, Scheme], Layout]


@pytest.fixture(scope="module")
def render(chromium: webdriver.Chrome, pages: dict[str, Path]) -> Render:
    """Return a function that renders a digest once per width and scheme (and keeps it)."""
    seen: dict[tuple[str, int, Scheme], Layout] = {}

    def layout(name: str, width: int, scheme: Scheme) -> Layout:
        if (name, width, scheme) not in seen:
            shot = SCREENSHOTS / f"digest-{name}-{width}px-{scheme}.png"
            seen[name, width, scheme] = measure(
                chromium, pages[name], width=width, scheme=scheme, screenshot=shot
            )
        return seen[name, width, scheme]

    return layout


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_every_tap_target_is_44_px_high_and_none_overlaps_another(
    render: Render, name: str, width: int, scheme: Scheme
) -> None:
    layout = render(name, width, scheme)

    actions = [b for b in layout.links if "action" in b.classes]
    assert len(actions) == 4 * len(DIGESTS[name].suggestions)  # write, done, not now, never
    assert len(layout.links) == len(actions) + 2  # preferences and unsubscribe
    for box in layout.links:
        assert box.height >= MIN_TARGET_PX, box
        assert box.width >= MIN_TARGET_PX, box
    for a, b in combinations(layout.links, 2):
        assert not a.overlaps(b), (a, b)
    assert layout.scroll_width <= width  # nothing sticks out sideways
    assert layout.visible_preheaders == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_on_a_phone_the_actions_of_a_person_stack_full_width(
    render: Render, name: str, scheme: Scheme
) -> None:
    layout = render(name, PHONE, scheme)

    actions = [b for b in layout.links if "action" in b.classes]
    widths = {round(b.width) for b in actions}
    assert len(widths) == 1, widths  # one column: each as wide as the card allows
    assert widths.pop() >= PHONE * 0.75
    tops = [b.top for b in actions]
    assert tops == sorted(tops)
    assert len(set(tops)) == len(tops)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_every_visible_text_contrasts_at_least_4_5_to_1_with_its_background(
    render: Render, name: str, width: int, scheme: Scheme
) -> None:
    layout = render(name, width, scheme)

    assert len(layout.texts) >= 10
    low = [(t.text, round(t.contrast(), 2)) for t in layout.texts if t.contrast() < MIN_CONTRAST]
    assert low == []
    on_dark = [sum(t.background) < 3 * 128 for t in layout.texts]
    # Each palette is what it says: most text sits on a dark ground in dark mode only.
    assert (sum(on_dark) > len(on_dark) / 2) == (scheme == "dark")


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_each_write_link_opens_a_well_formed_draft_to_the_person(
    chromium: webdriver.Chrome, pages: dict[str, Path], name: str
) -> None:
    chromium.get(pages[name].as_uri())
    opened = chromium.execute_script(
        """
        return [...document.querySelectorAll('a[href^="mailto:"]')].map(a => {
          const url = new URL(a.href);
          const q = new URLSearchParams(url.search);
          return [a.textContent.trim(), decodeURIComponent(url.pathname),
                  q.get('subject'), q.get('body')];
        });
        """
    )
    digest = DIGESTS[name]
    expected = [
        [
            f"{'Écrire à' if digest.reader.locale == 'fr' else 'Write to'} {s.first_name}",
            s.email,
            s.draft.subject,
            s.draft.body.replace("\n", "\r\n"),
        ]
        for s in digest.suggestions
        if s.draft is not None
    ]
    assert len(expected) == len(digest.suggestions)
    assert opened == expected
    for _label, _to, _subject, body in opened:
        assert tone_faults(body) == []
