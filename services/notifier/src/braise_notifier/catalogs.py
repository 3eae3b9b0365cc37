"""Message catalogs (gettext .po files read with Babel): every word a digest says."""

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
LOCALES = ("fr", "en")


class MissingMessageError(KeyError):
    """A message id that the catalog of a language lacks."""


@cache
def _catalog(locale: str) -> Catalog:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "digest.po"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


@dataclass(frozen=True)
class Texts:
    """The catalog of one language."""

    locale: str

    def get(self, key: str, **params: object) -> str:
        """Return the message key, filled with params."""
        message = _catalog(self.locale).get(key)
        if message is None or not message.string:
            raise MissingMessageError(f"{self.locale}: no message {key!r}")
        return str(message.string).format(**params)

    def variants(self, prefix: str) -> list[str]:
        """Return the ids of the numbered variants of a message (prefix.1, prefix.2, ...)."""
        ids = [str(m.id) for m in _catalog(self.locale) if str(m.id).startswith(prefix + ".")]
        return sorted(i for i in ids if i.rsplit(".", 1)[-1].isdigit())

    def pick(self, prefix: str, seed: str) -> list[str]:
        """Return the variants of a message, in an order that depends on seed (first = chosen)."""
        ids = self.variants(prefix)
        if not ids:
            raise MissingMessageError(f"{self.locale}: no variants of {prefix!r}")
        start = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") % len(ids)
        return ids[start:] + ids[:start]

    def month(self, day: date) -> str:
        """Return a month and year in this language ('mars 2025', 'March 2025')."""
        return format_date(day, format="LLLL yyyy", locale=self.locale)

    def join(self, items: list[str]) -> str:
        """Return 'a, b et c' or 'a, b, and c'."""
        return format_list(items, locale=self.locale) if items else ""


def texts(locale: str) -> Texts:
    """Return the catalog of a language, French when the language is unknown."""
    return Texts(locale if locale in LOCALES else "fr")


def all_message_ids(locale: str) -> list[str]:
    """Return every message id of a language (for the tests that check the catalogs)."""
    return sorted(str(m.id) for m in _catalog(locale) if m.id)
