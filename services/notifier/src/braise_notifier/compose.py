"""Compose a digest from the graph's candidates: the words, the gestures, the links. Pure.

The graph sends reasons and gestures as codes with typed parameters; the catalogs are the one
place that words them (`wording`). Two people of one digest never get the same line: a line
already said takes another variant, or is left out when every variant is said.

Every gesture variant passes the tone guard; one that fails is replaced by the next, and a
person whose variants all fail is left out (and logged). Then the whole digest (subject,
preheader, greeting, intro, every reason and gesture) passes the guard once more: a digest
that fails raises `ToneError`, is logged with its reason, and is never sent.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from braise_notifier.catalogs import MissingMessageError, Texts
from braise_notifier.guard import ToneError, check_all
from braise_notifier.wording import Said, Words
from braise_shared.candidates import CandidateStage, HookReason, Reason, RevivalCandidate
from braise_shared.interactions import InteractionKinds
from braise_shared.taxonomy import Taxonomy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    """Who receives the digest."""

    id: str
    name: str
    email: str
    locale: str

    @property
    def first_name(self) -> str:
        """Return the first word of the display name."""
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True)
class Suggestion:
    """One person in the digest, with the words about them."""

    other_id: str
    name: str
    stage: CandidateStage
    reasons: list[str]
    gesture_kind: str
    gesture: str
    # The codes of the reasons worded above, a hook with its kind (`hook.skill`).
    reason_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    """Everything a digest says, in the reader's language."""

    reader: Reader
    period: str
    subject: str
    preheader: str
    greeting: str
    intro: str
    dormant: list[Suggestion] = field(default_factory=list)
    cooling: list[Suggestion] = field(default_factory=list)

    @property
    def suggestions(self) -> list[Suggestion]:
        """Return every suggestion, dormant first."""
        return self.dormant + self.cooling

    def is_empty(self) -> bool:
        """Tell whether there is nothing worth sending."""
        return not self.suggestions

    def lines(self) -> Iterator[tuple[str, str]]:
        """Yield (where, text) of everything the digest says about its people and itself."""
        yield "subject", self.subject
        yield "preheader", self.preheader
        yield "greeting", self.greeting
        yield "intro", self.intro
        for s in self.suggestions:
            for reason in s.reasons:
                yield f"reason about {s.name}", reason
            yield f"gesture for {s.name}", s.gesture


def _suggestion(
    words: Words, candidate: RevivalCandidate, seed: str, said: Said
) -> Suggestion | None:
    name = candidate.other_name
    try:
        gesture = words.say(
            words.gesture(candidate.gesture, name), seed, said, guarded=True, name=name
        )
    except (MissingMessageError, KeyError) as exc:
        log.error("no words for gesture %s: %s", candidate.gesture, exc)
        gesture = None
    if gesture is None:
        return None
    reasons, codes = [], []
    for reason in candidate.reasons:
        line = words.say(words.reason(reason, name), f"{seed}:{reason.code}", said)
        if line is not None:
            reasons.append(line)
            codes.append(reason_code(reason))
    return Suggestion(
        candidate.other_id,
        name,
        candidate.stage,
        reasons,
        candidate.gesture.kind,
        gesture,
        tuple(codes),
    )


def reason_code(reason: Reason) -> str:
    """Return the code the closed loop counts a reason under (a hook with its news kind)."""
    return f"hook.{reason.params.news_kind}" if isinstance(reason, HookReason) else reason.code


def compose(
    reader: Reader,
    period: str,
    candidates: list[RevivalCandidate],
    *,
    texts: Texts,
    kinds: InteractionKinds,
    taxonomy: Taxonomy,
) -> Digest:
    """Write about the candidates, in the order given, dormant and cooling apart.

    How many of each stage is not decided here: the graph was asked for that many
    (`braise_shared.candidates`). A person whose gesture finds no words is left out.
    Raise ToneError if anything the digest says breaks the tone guard.
    """
    words = Words(texts, kinds, taxonomy)
    seed = f"{period}:{reader.id}"
    said = Said()
    chosen: dict[CandidateStage, list[Suggestion]] = {"dormant": [], "cooling": []}
    for candidate in candidates:
        suggestion = _suggestion(words, candidate, f"{seed}:{candidate.other_id}", said)
        if suggestion is not None:
            chosen[candidate.stage].append(suggestion)
    first = reader.first_name
    count = len(chosen["dormant"]) + len(chosen["cooling"])
    digest = Digest(
        reader=reader,
        period=period,
        subject=texts.get(texts.pick("subject", seed)[0], first=first),
        preheader=texts.get("preheader", count=count) if count else "",
        greeting=texts.get("greeting", first=first),
        intro=texts.get(texts.pick("intro", seed)[0]),
        dormant=chosen["dormant"],
        cooling=chosen["cooling"],
    )
    try:
        check_all(digest.lines())
    except ToneError as exc:
        log.error("digest %s for %s blocked, never sent: %s", period, reader.id, exc)
        raise
    return digest
