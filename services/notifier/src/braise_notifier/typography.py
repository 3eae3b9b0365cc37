"""French typography and elision: the one place that knows them.

French sets a narrow no-break space (U+202F) before `;` `?` `!`, a no-break space (U+00A0)
before `:` and inside « guillemets », so that a line never breaks between a word and its
punctuation. Catalogs are written with ordinary spaces; `french` sets the right ones on
every French message once it is filled.
"""

import re
import unicodedata

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"

_SPACES = "[ \u00a0\u202f]"
_BEFORE_HIGH = re.compile(rf"{_SPACES}+([;?!])")
_BEFORE_COLON = re.compile(rf"{_SPACES}+:")
_OPENING = re.compile(rf"«{_SPACES}*")
_CLOSING = re.compile(rf"{_SPACES}*»")
_VOWELS = frozenset("aeiouœæ")


def french(text: str) -> str:
    """Return text with French no-break spaces before ; ? ! : and inside « »."""
    text = _BEFORE_HIGH.sub(NARROW_NBSP + r"\1", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _OPENING.sub("«" + NBSP, text)
    return _CLOSING.sub(NBSP + "»", text)


def elides(word: str) -> bool:
    """Tell whether French elides before this word ("d'Arnaud", "d'Élodie"; "de Karim").

    Vowels only: before h and y French hesitates ("de Hugo", "de Yann"), and both read well.
    """
    first = unicodedata.normalize("NFD", word.strip()[:1].casefold())[:1]
    return first in _VOWELS
