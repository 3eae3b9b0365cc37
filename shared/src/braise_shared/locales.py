"""The languages Braise writes in, the one place they are named: French by default, English
on request. Every digest, page and catalog takes its language from here."""

from typing import Literal, get_args

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "fr"
