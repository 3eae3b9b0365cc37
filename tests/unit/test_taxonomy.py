"""The firm's taxonomy: every demo tag has words in both languages; bad files are refused."""

from pathlib import Path

import pytest

from braise_cli.firm import INTERESTS, SECTORS
from braise_shared.tags import make_tag, tag_key
from braise_shared.taxonomy import (
    TAXONOMY_FILE_VARIABLE,
    TagWords,
    TaxonomyError,
    load_taxonomy,
    parse_taxonomy,
)

DEMO_TAGS = sorted({*SECTORS, *(s for skills in SECTORS.values() for s in skills), *INTERESTS})


@pytest.mark.parametrize("raw", DEMO_TAGS)
def test_every_tag_of_the_demo_firm_has_words_in_french_and_english(raw: str) -> None:
    taxonomy = load_taxonomy()
    for locale in ("fr", "en"):
        words = taxonomy.get(tag_key(raw), locale)
        assert words is not None, (raw, locale)
        assert words.label.strip()
        assert words.text.strip()


def test_french_text_carries_its_article_and_english_its_own_label() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.get("energie", "fr") == TagWords("Énergie", "l'énergie")
    assert taxonomy.get("echecs", "fr") == TagWords("Échecs", "les échecs")
    assert taxonomy.get("python", "fr") == TagWords("Python", "Python")
    assert taxonomy.get("voile", "en") == TagWords("Sailing", "sailing")
    assert taxonomy.label(make_tag("conformité"), "en") == "Compliance"


def test_a_tag_or_a_language_the_taxonomy_lacks_reads_as_entered() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.get("rust", "fr") is None
    assert taxonomy.label(make_tag("Rust"), "en") == "Rust"
    assert taxonomy.label(make_tag("Voile"), "de") == "Voile"


def test_text_defaults_to_the_label() -> None:
    taxonomy = parse_taxonomy('[tags.rust]\nen = { label = "Rust" }\n', "t.toml")
    assert taxonomy.get("rust", "en") == TagWords("Rust", "Rust")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no \\[tags"),
        ('[tags."Data Science"]\nen = { label = "Data science" }\n', "use 'data science'"),
        ("[tags.rust]\n", "names no language"),
        ('[tags.rust]\nen = { text = "Rust" }\n', "en.label must be a non-empty string"),
        ('[tags.rust]\nen = { label = "" }\n', "label must be a non-empty string"),
        ('[tags.rust]\nen = { label = "Rust", gender = "m" }\n', "must be a table"),
        ('[tags.rust]\nen = "Rust"\n', "must be a table"),
        ("[tags.rust\n", "t.toml"),
    ],
)
def test_a_taxonomy_that_says_too_little_is_refused(text: str, message: str) -> None:
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(text, "t.toml")


def test_the_file_is_overridable_by_a_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "taxonomy.toml"
    own.write_text('[tags.voile]\nen = { label = "Yachting", text = "yachting" }\n')
    monkeypatch.setenv(TAXONOMY_FILE_VARIABLE, str(own))
    load_taxonomy.cache_clear()
    try:
        assert load_taxonomy().get("voile", "en") == TagWords("Yachting", "yachting")
        assert load_taxonomy().get("voile", "fr") is None
    finally:
        load_taxonomy.cache_clear()
