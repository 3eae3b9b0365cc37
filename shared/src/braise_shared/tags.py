"""Affinity tags (skills, sectors, interests): one key however people spell them."""

import re

from pydantic import BaseModel, ConfigDict

from braise_shared.text import (
    ForbiddenCharacterError,
    SingleLine,
    check_single_line,
    fold_accents,
)

MAX_TAG_LENGTH = 60
_SEPARATORS = re.compile(r"[\s\-_/.]+")
_ALLOWED = re.compile(r"[^0-9a-z+# ]")


class InvalidTagError(ValueError):
    """A tag is empty or too long once normalized, or holds a control character."""


class Tag(BaseModel):
    """A tag as stored and carried in events: its matching key and a label for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: SingleLine
    label: SingleLine


def one_line(text: str) -> str:
    """Return text on one line: each run of spaces, tabs and line breaks one space, trimmed.

    What becomes a tag's label or a name in a sentence (a mission's note, which may hold
    line breaks) goes through it; an empty result means there is nothing to show.
    """
    return " ".join(text.split())


def tag_key(raw: str) -> str:
    """Return the matching key: lower case, accents removed, separators folded to one space.

    "Data Science", "data science " and "data-science" share the key "data science";
    "Économie" and "economie" share "economie". "+" and "#" stay ("C++", "C#").
    """
    folded = _SEPARATORS.sub(" ", fold_accents(raw))
    return " ".join(_ALLOWED.sub("", folded).split())


def make_tag(raw: str) -> Tag:
    """Return the tag for what someone typed, keeping a tidy label with its accents."""
    try:
        check_single_line(raw)
    except ForbiddenCharacterError as exc:
        raise InvalidTagError(f"tag {exc}") from exc
    key = tag_key(raw)
    if not key:
        raise InvalidTagError(f"tag {raw!r} is empty once normalized")
    if len(key) > MAX_TAG_LENGTH:
        raise InvalidTagError(f"tag {raw[:20]!r}... is longer than {MAX_TAG_LENGTH} characters")
    return Tag(key=key, label=one_line(raw))


def make_tags(raws: list[str]) -> list[Tag]:
    """Return the distinct tags of a list, first spelling wins, sorted by key."""
    by_key: dict[str, Tag] = {}
    for raw in raws:
        tag = make_tag(raw)
        by_key.setdefault(tag.key, tag)
    return [by_key[k] for k in sorted(by_key)]
