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
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

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


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, pattern=r"\S")]


class _WordsSpec(BaseModel):
    """One language of one tag, as the file writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: NonEmpty
    text: NonEmpty | None = None


class _TaxonomyFile(BaseModel):
    """The file: `[tags.<key>]` tables of languages."""

    tags: dict[str, dict[str, _WordsSpec]]


def _explain(error: ErrorDetails, source: str) -> str:
    if len(error["loc"]) == 1:
        return f"{source}: no [tags.*] table"
    where = ".".join(repr(part) if i == 1 else str(part) for i, part in enumerate(error["loc"]))
    if error["type"] in {"missing", "string_too_short", "string_pattern_mismatch", "string_type"}:
        return f"{source}: {where} must be a non-empty string"
    table = ".".join(repr(p) if i == 1 else str(p) for i, p in enumerate(error["loc"][:3]))
    return f"{source}: {table} must be a table with `label` and, optionally, `text`"


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    """Parse a taxonomy file; every key must be a tag key, every language a label."""
    try:
        document = _TaxonomyFile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: {exc}") from exc
    except ValidationError as exc:
        raise TaxonomyError(_explain(exc.errors()[0], source)) from None
    if not document.tags:
        raise TaxonomyError(f"{source}: no [tags.*] table")
    words: dict[str, dict[str, TagWords]] = {}
    for key, locales in document.tags.items():
        if tag_key(key) != key:
            raise TaxonomyError(f"{source}: tags.{key!r} is not a tag key (use {tag_key(key)!r})")
        if not locales:
            raise TaxonomyError(f"{source}: tags.{key!r} names no language")
        words[key] = {
            locale: TagWords(spec.label, spec.text or spec.label)
            for locale, spec in locales.items()
        }
    return Taxonomy(words)


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load the taxonomy from path, $BRAISE_TAXONOMY_FILE, or the bundled one."""
    chosen = path or Path(os.environ.get(TAXONOMY_FILE_VARIABLE) or DEFAULT_TAXONOMY_FILE)
    return parse_taxonomy(chosen.read_text(encoding="utf-8"), str(chosen))
