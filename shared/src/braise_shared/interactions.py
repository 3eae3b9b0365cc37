"""The kinds of interaction and their weights, read from configuration."""

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, TypeAdapter, ValidationError

DEFAULT_KINDS_FILE = Path(__file__).with_name("interaction_kinds.toml")
KINDS_FILE_VARIABLE = "BRAISE_INTERACTION_KINDS_FILE"

# The kinds the code itself names: a mission together, whose note is news of each participant
# and a name a digest may cite; a digest suggestion acted upon ("done"); an occasion of the
# firm its attendees went to. Every kinds file must define them (its weights, its labels).
MISSION_TOGETHER = "mission_together"
REKINDLED = "rekindled"
EVENT = "event"
NAMED_BY_CODE = (MISSION_TOGETHER, REKINDLED, EVENT)


class UnknownKindError(ValueError):
    """An interaction kind that the configuration does not list."""


@dataclass(frozen=True)
class InteractionKind:
    """One kind of interaction: its weight and how digests name it."""

    name: str
    weight: float
    label_fr: str
    label_en: str

    def label(self, locale: str) -> str:
        """Return the label in the given locale (French unless English is asked)."""
        return self.label_en if locale == "en" else self.label_fr


@dataclass(frozen=True)
class InteractionKinds:
    """All configured kinds, by name."""

    kinds: dict[str, InteractionKind]

    def get(self, name: str) -> InteractionKind:
        """Return the kind called name, or raise UnknownKindError listing the known ones."""
        try:
            return self.kinds[name]
        except KeyError:
            known = ", ".join(sorted(self.kinds))
            raise UnknownKindError(f"unknown interaction kind {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        """Return the kind names, sorted."""
        return sorted(self.kinds)


class _KindSpec(BaseModel):
    """One `[kinds.<name>]` table as the file writes it."""

    weight: Annotated[float, Field(gt=0, strict=True)]
    label_fr: Annotated[str, StringConstraints(min_length=1)]
    label_en: Annotated[str, StringConstraints(min_length=1)]


class _KindsFile(BaseModel):
    kinds: dict[str, _KindSpec] = {}


_ADAPTER = TypeAdapter(_KindsFile)


def parse_kinds(text: str, source: str) -> InteractionKinds:
    """Parse a kinds file; every kind needs a positive weight and both labels."""
    try:
        document = _ADAPTER.validate_python(tomllib.loads(text))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        what = "a positive number" if error["loc"][-1] == "weight" else "a non-empty string"
        raise ValueError(f"{source}: {where} must be {what}") from None
    kinds = {
        name: InteractionKind(name, spec.weight, spec.label_fr, spec.label_en)
        for name, spec in document.kinds.items()
    }
    if not kinds:
        raise ValueError(f"{source}: no [kinds.*] table")
    missing = [name for name in NAMED_BY_CODE if name not in kinds]
    if missing:
        tables = ", ".join(f"[kinds.{name}]" for name in missing)
        raise ValueError(f"{source}: {tables} missing: Braise records these kinds itself")
    return InteractionKinds(kinds)


@cache
def load_kinds(path: Path | None = None) -> InteractionKinds:
    """Load the kinds from path, $BRAISE_INTERACTION_KINDS_FILE, or the bundled defaults."""
    chosen = path or Path(os.environ.get(KINDS_FILE_VARIABLE) or DEFAULT_KINDS_FILE)
    return parse_kinds(chosen.read_text(encoding="utf-8"), str(chosen))
