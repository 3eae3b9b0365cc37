"""The overflow check the browser tests rely on fails on what it claims to catch."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from tests.support.browser import headless_chromium, set_width
from tests.support.overflow import assert_no_horizontal_overflow, horizontal_overflows

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 0; }} main {{ max-width: 720px; margin: 0 auto; padding: 12px; }}
{style}</style></head>
<body><main><h1>Préférences</h1><label for="p">Pause</label>
<select id="p"><option>Garder la pause jusqu'au 21 décembre 2026, puis reprendre</option>
</select></main></body></html>"""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def _open(driver: webdriver.Chrome, folder: Path, style: str) -> None:
    page = folder / "page.html"
    page.write_text(PAGE.format(style=style), encoding="utf-8")
    driver.get(page.as_uri())


@pytest.mark.parametrize("width", [320, 1280])
def test_a_select_that_fits_its_box_passes(
    chromium: webdriver.Chrome, tmp_path: Path, width: int
) -> None:
    set_width(chromium, width)
    _open(chromium, tmp_path, "select { max-width: 100%; }")
    assert_no_horizontal_overflow(chromium)


def test_a_select_wider_than_its_box_at_320_px_fails_naming_it(
    chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    set_width(chromium, 320)
    _open(chromium, tmp_path, "select { width: 400px; }")
    assert any(found.startswith("select#p") for found in horizontal_overflows(chromium))
    with pytest.raises(AssertionError, match="select#p"):
        assert_no_horizontal_overflow(chromium)


def test_an_element_in_a_container_that_scrolls_on_purpose_is_left_out(
    chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    set_width(chromium, 320)
    _open(chromium, tmp_path, "main { overflow-x: auto; } select { width: 400px; }")
    assert horizontal_overflows(chromium) == []
