"""Text that people type: what characters a field may hold, decided in one place.

A name, an e-mail, a city, a tag or a query value is one line: it refuses every C0 control
(tab and line breaks included), DEL, every C1 control, U+2028 and U+2029 (line and paragraph
separators) and lone surrogates. A note is free text over several lines: it keeps line feeds
and tabs (a CR LF pair becomes a line feed; a lone CR is refused) and refuses the rest.

Such characters end up in e-mail headers, log lines and rendered digests, where they break a
line or hide text; a lone surrogate cannot even be encoded as UTF-8.

A person's name goes further: it is written into mail headers (To, Subject), so it also
refuses what a mail reader would decode or display as something else: an RFC 2047 encoded
word (`=?` or `?=`, which the e-mail library decodes, CR LF included), bidi controls and
zero-width characters (which reorder or hide what a reader sees).
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# The same sets, without lone surrogates, as JSON Schema patterns for the OpenAPI documents
# (a surrogate cannot be written in a JSON Schema regular expression).
_SINGLE_LINE_CLASS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"
_MULTI_LINE_CLASS = "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029"
SINGLE_LINE_PATTERN = f"^[^{_SINGLE_LINE_CLASS}]*$"
MULTI_LINE_PATTERN = f"^[^{_MULTI_LINE_CLASS}]*$"
# Bidi controls (U+061C, U+200E-F, U+202A-E, U+2066-9) and zero-width characters (U+200B-D,
# U+2060, U+FEFF): a name that holds them does not read as what it is.
_NAME_ONLY_CLASS = "\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff"
NAME_PATTERN = f"^[^{_SINGLE_LINE_CLASS}{_NAME_ONLY_CLASS}]*$"
_NAME_FORBIDDEN = re.compile(f"[{_NAME_ONLY_CLASS}]")
# Either half of an encoded word (`=?utf-8?b?...?=`): no name needs one.
_ENCODED_WORD = re.compile(r"=\?|\?=")
_SINGLE_LINE_FORBIDDEN = re.compile(f"[{_SINGLE_LINE_CLASS}\\ud800-\\udfff]")
_MULTI_LINE_FORBIDDEN = re.compile(f"[{_MULTI_LINE_CLASS}\\ud800-\\udfff]")


class ForbiddenCharacterError(ValueError):
    """Text holds a control character, a line separator or a lone surrogate (or, in a name,
    an encoded word, a bidi control or a zero-width character)."""


def _describe(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return f"must not contain a lone surrogate ({code})"
    if character in "\u2028\u2029":
        return f"must not contain a line or paragraph separator ({code})"
    if _NAME_FORBIDDEN.match(character):
        kind = "zero-width" if character in "\u200b\u200c\u200d\u2060\ufeff" else "bidi control"
        return f"must not contain a {kind} character ({code})"
    return f"must not contain a control character ({code})"


def check_single_line(value: str) -> str:
    """Return value if it is one line of printable text, or raise ForbiddenCharacterError."""
    found = _SINGLE_LINE_FORBIDDEN.search(value)
    if found is not None:
        raise ForbiddenCharacterError(_describe(found.group()))
    return value


def check_multi_line(value: str) -> str:
    """Return value with CR LF as LF if it is printable text over lines, or raise."""
    value = value.replace("\r\n", "\n")
    found = _MULTI_LINE_FORBIDDEN.search(value)
    if found is not None:
        raise ForbiddenCharacterError(_describe(found.group()))
    return value


def check_name(value: str) -> str:
    """Return value if it is safe as a name in a mail header, or raise ForbiddenCharacterError."""
    check_single_line(value)
    found = _NAME_FORBIDDEN.search(value)
    if found is not None:
        raise ForbiddenCharacterError(_describe(found.group()))
    if _ENCODED_WORD.search(value):
        raise ForbiddenCharacterError(
            "must not contain an encoded word ('=?' or '?='): mail readers decode it"
        )
    return value


@dataclass(frozen=True)
class TextRule:
    """Annotated metadata that checks text before any other validation of the field.

    Put it last: `Annotated[str, StringConstraints(...), ONE_LINE]` keeps pydantic's own
    messages for the length, and refuses "Camille\\n" before stripping could hide it.
    """

    rule: Callable[[str], str]
    pattern: str

    def check(self, value: object) -> object:
        """Return value checked (non-text values are left to the field's own type)."""
        return self.rule(value) if isinstance(value, str) else value

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Run the check before the schema the field already has."""
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Show the rule as a pattern, unless the field states a stricter one."""
        json_schema = handler(schema)
        json_schema.setdefault("pattern", self.pattern)
        return json_schema


ONE_LINE = TextRule(check_single_line, SINGLE_LINE_PATTERN)
LINES = TextRule(check_multi_line, MULTI_LINE_PATTERN)
# The encoded-word rule has no pattern: the documents state it in the field's description.
PERSON_NAME = TextRule(check_name, NAME_PATTERN)
SingleLine = Annotated[str, ONE_LINE]
MultiLine = Annotated[str, LINES]


def fold_accents(text: str) -> str:
    """Return text in lower case without its accents ("Économie" → "economie"): the one
    folding every comparison of words uses (tag keys, the tone guard, demo addresses)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
