"""Message catalogs (gettext .po files read with Babel): every word a digest says.

A message may have plural forms (`msgid_plural`: the `count` parameter picks the form, by the
language's gettext plural rule) and variants in context (`msgctxt`): French says "d'Arnaud"
where it says "de Karim" (`elided`), and words a tag the taxonomy lacks in a sentence built
for a quoted label (`as_entered`). A context the catalog lacks falls back to the message
without context. Every French message goes through `typography.french` once filled.
"""

import gettext
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from braise_notifier.typography import french
from braise_shared.locales import DEFAULT_LOCALE, LOCALES

LOCALES_DIR = Path(__file__).with_name("locales")


def local_days(starts_at: datetime, ends_at: datetime, timezone: str) -> tuple[date, date]:
    """Return the first and the last day an all-day occasion takes, in a time zone (it ends
    at the midnight after its last day: that midnight is not one of its days)."""
    zone = ZoneInfo(timezone)
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


class MissingMessageError(KeyError):
    """A message id that the catalog of a language lacks."""


@cache
def _catalog(locale: str) -> Catalog:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "digest.po"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


@cache
def _translations(locale: str) -> gettext.GNUTranslations:
    """Return the catalog compiled as gettext reads it (plural rule from the catalog's header)."""
    compiled = BytesIO()
    write_mo(compiled, _catalog(locale))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def _variants(locale: str, prefix: str) -> tuple[str, ...]:
    """The numbered variants of a message, read once per language and prefix (a digest asks
    for them at each card: scanning the catalog each time cost 1.6 ms a digest)."""
    ids = {_msgid(m) for m in _catalog(locale) if m.id and m.context is None}
    return tuple(
        sorted(i for i in ids if i.startswith(prefix + ".") and i[len(prefix) + 1 :].isdigit())
    )


def _msgid(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, list | tuple) else message.id)


@dataclass(frozen=True)
class Texts:
    """The catalog of one language."""

    locale: str

    def has(self, key: str, context: str | None = None) -> bool:
        """Tell whether the catalog words a message in a context (None: without context)."""
        message = _catalog(self.locale).get(key, context=context)
        return message is not None and bool(message.string)

    def get(self, key: str, /, *, contexts: Sequence[str] = (), **params: object) -> str:
        """Return the message key, filled with params and typeset.

        The first of `contexts` the catalog has a variant in wins, else the plain message.
        A message with plural forms takes its form from the `count` parameter.
        """
        context = next((c for c in contexts if self.has(key, c)), None)
        message = _catalog(self.locale).get(key, context=context)
        if message is None or not message.string:
            raise MissingMessageError(f"{self.locale}: no message {key!r}")
        words = _translations(self.locale)
        if message.pluralizable:
            count = params.get("count")
            if not isinstance(count, int):
                raise TypeError(f"{self.locale}: message {key!r} needs an integer count")
            plural = str(message.id[1])
            text = (
                words.npgettext(context, key, plural, count)
                if context
                else words.ngettext(key, plural, count)
            )
        else:
            text = words.pgettext(context, key) if context else words.gettext(key)
        filled = text.format(**params)
        return french(filled) if self.locale == "fr" else filled

    def variants(self, prefix: str) -> list[str]:
        """Return the ids of the numbered variants of a message (prefix.1, prefix.2, ...)."""
        return list(_variants(self.locale, prefix))

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

    def month_name(self, day: date) -> str:
        """Return a month alone, for a span within one year ('février', 'February')."""
        return format_date(day, format="LLLL", locale=self.locale)

    def day(self, day: date) -> str:
        """Return a date in this language ('13 avril 2026', 'April 13, 2026')."""
        return format_date(day, format="long", locale=self.locale)

    def near_day(self, day: date, today: date) -> str:
        """Return a date within the coming months without its year ('21 décembre', '1er
        janvier', 'December 21'); a date further off, or past, keeps it."""
        if not today <= day < today + timedelta(days=183):
            return self.day(day)
        if self.locale == "fr" and day.day == 1:
            return "1er " + self.month_name(day)
        return format_skeleton("MMMMd", day, locale=self.locale)

    def weekday(self, moment: datetime, timezone: str) -> str:
        """Return the day of a moment in a time zone, with its weekday ('jeudi 17 décembre
        2026', 'Thursday, December 17, 2026')."""
        local = moment.astimezone(ZoneInfo(timezone))
        return format_date(local, format="full", locale=self.locale)

    def weekday_of(self, day: date) -> str:
        """Return a day with its weekday ('jeudi 17 décembre 2026')."""
        return format_date(day, format="full", locale=self.locale)

    def hour(self, moment: datetime, timezone: str) -> str:
        """Return the time of day of a moment in a time zone ('08:30', '8:30 AM')."""
        return format_time(
            moment.astimezone(ZoneInfo(timezone)), format="short", locale=self.locale
        )

    def join(self, items: list[str]) -> str:
        """Return 'a, b et c' or 'a, b, and c'."""
        return format_list(items, locale=self.locale) if items else ""


def texts(locale: str) -> Texts:
    """Return the catalog of a language, French when the language is unknown."""
    return Texts(locale if locale in LOCALES else DEFAULT_LOCALE)


def all_message_ids(locale: str) -> list[str]:
    """Return every message id of a language without context (the same in every language)."""
    return sorted(_msgid(m) for m in _catalog(locale) if m.id and m.context is None)


def all_messages(locale: str) -> list[tuple[str | None, str]]:
    """Return (context, id) of every message of a language, contexts included."""
    return sorted(
        ((m.context, _msgid(m)) for m in _catalog(locale) if m.id), key=lambda c: (c[1], c[0] or "")
    )
