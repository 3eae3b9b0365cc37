"""The accessibility check the browser tests rely on catches what it claims to catch.

Each page is a small file opened in Debian's headless Chromium; axe-core is the vendored copy.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from tests.support.axe import assert_accessible, axe_violations, keyboard_focus_problems
from tests.support.browser import headless_chromium

GOOD = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Bon</title>
<style>a:focus-visible, input:focus-visible { outline: 3px solid #1a5fb4; }</style></head>
<body><main><h1>Bon</h1><form><label for="e">Adresse</label>
<input id="e" name="e"></form><a href="#x">Un lien</a></main></body></html>"""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def _open(driver: webdriver.Chrome, folder: Path, html: str) -> None:
    page = folder / "page.html"
    page.write_text(html, encoding="utf-8")
    driver.get(page.as_uri())


def test_a_labelled_page_with_a_language_and_visible_focus_passes(
    chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    _open(chromium, tmp_path, GOOD)
    assert_accessible(chromium)


def test_an_input_without_a_label_is_a_critical_violation(
    chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    _open(chromium, tmp_path, GOOD.replace('<label for="e">Adresse</label>', ""))
    found = {(v.rule, v.impact) for v in axe_violations(chromium)}
    assert ("label", "critical") in found
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(chromium)


def test_a_page_without_lang_fails(chromium: webdriver.Chrome, tmp_path: Path) -> None:
    _open(chromium, tmp_path, GOOD.replace(' lang="fr"', ""))
    with pytest.raises(AssertionError, match="lang"):
        assert_accessible(chromium)


def test_a_focus_the_eye_cannot_see_is_reported(chromium: webdriver.Chrome, tmp_path: Path) -> None:
    hidden = GOOD.replace("outline: 3px solid #1a5fb4", "outline: none")
    _open(chromium, tmp_path, hidden.replace("</style>", "a, input { outline: none; }</style>"))
    problems = keyboard_focus_problems(chromium)
    assert any("focus not visible" in p and "<a" in p for p in problems), problems


RADIOS = """<fieldset><legend>Rythme</legend>
<label><input type="radio" name="f" value="w" checked> chaque semaine</label>
<label><input type="radio" name="f" value="m"> chaque mois</label></fieldset>"""


def test_a_radio_group_is_one_tab_stop_and_an_unreachable_group_is_reported_once(
    chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    with_radios = GOOD.replace("</form>", RADIOS + "</form>").replace(
        "input:focus-visible", "input:focus-visible, input:focus"
    )
    _open(chromium, tmp_path, with_radios)
    assert keyboard_focus_problems(chromium) == []
    # `inert` keeps the group on screen and out of the keyboard's reach.
    _open(chromium, tmp_path, with_radios.replace("<fieldset>", "<fieldset inert>"))
    problems = keyboard_focus_problems(chromium)
    assert len(problems) == 1, problems
    assert "not reachable by Tab" in problems[0]
    assert 'value="w"' in problems[0]
