"""The firm's taxonomy: how each tag reads in each language, read from configuration.

A tag carries the key everyone's spellings share and the label its owner typed
(`braise_shared.tags`). The taxonomy maps a key to words per locale: a `label` that stands
alone ("Voile", "Sailing") and a `text` that sits inside a sentence, with its article in
French ("la voile", "l'énergie", "les échecs", "Python"). A digest words a tag in the
reader's language and falls back to the label as entered when the taxonomy lacks it.
"""

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from braise_shared.tags import Tag, tag_key

DEFAULT_TAXONOMY_FILE = Path(__file__).with_name("taxonomy.toml")
TAXONOMY_FILE_VARIABLE = "BRAISE_TAXONOMY_FILE"


class TaxonomyError(ValueError):
    """A taxonomy file that does not say what a digest needs."""


@dataclass(frozen=True)
class TagWords:
    """How one tag reads in one language."""

    label: str
    text: str


@dataclass(frozen=True)
class Taxonomy:
    """Words of every known tag: key -> locale -> words."""

    words: dict[str, dict[str, TagWords]]

    def get(self, key: str, locale: str) -> TagWords | None:
        """Return the words of a tag key in a language, None when the taxonomy lacks them."""
        return self.words.get(key, {}).get(locale)

    def label(self, tag: Tag, locale: str) -> str:
        """Return the tag's label in a language, or as entered."""
        words = self.get(tag.key, locale)
        return words.label if words else tag.label


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where} must be a non-empty string")
    return value


def _words(spec: object, where: str) -> TagWords:
    if not isinstance(spec, dict) or not set(spec) <= {"label", "text"}:
        raise TaxonomyError(f"{where} must be a table with `label` and, optionally, `text`")
    label = _string(spec.get("label"), f"{where}.label")
    return TagWords(label, _string(spec.get("text", label), f"{where}.text"))


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    """Parse a taxonomy file; every key must be a tag key, every language a label."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: {exc}") from exc
    tags = document.get("tags")
    if not isinstance(tags, dict) or not tags:
        raise TaxonomyError(f"{source}: no [tags.*] table")
    words: dict[str, dict[str, TagWords]] = {}
    for key, locales in tags.items():
        if tag_key(key) != key:
            raise TaxonomyError(f"{source}: tags.{key!r} is not a tag key (use {tag_key(key)!r})")
        if not isinstance(locales, dict) or not locales:
            raise TaxonomyError(f"{source}: tags.{key!r} names no language")
        words[key] = {
            locale: _words(spec, f"{source}: tags.{key!r}.{locale}")
            for locale, spec in locales.items()
        }
    return Taxonomy(words)


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load the taxonomy from path, $BRAISE_TAXONOMY_FILE, or the bundled one."""
    chosen = path or Path(os.environ.get(TAXONOMY_FILE_VARIABLE) or DEFAULT_TAXONOMY_FILE)
    return parse_taxonomy(chosen.read_text(encoding="utf-8"), str(chosen))
