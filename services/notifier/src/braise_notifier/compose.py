"""Compose a digest from the graph's candidates: the words, the gestures, the links. Pure.

The graph sends reasons and gestures as codes with typed parameters; the catalogs are the one
place that words them (`wording`). Two people of one digest never get the same line: a line
already said takes another variant, or is left out when every variant is said.

Every gesture variant passes the tone guard; one that fails is replaced by the next, and a
person whose variants all fail is left out (and logged). Then the whole digest (subject,
preheader, greeting, intro, every reason and gesture) passes the guard once more: a digest
that fails raises `ToneError`, is logged with its reason, and is never sent.
"""

import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from braise_notifier.catalogs import MissingMessageError, Texts
from braise_notifier.guard import ToneError, check_all, check_tone
from braise_notifier.wording import Said, Words
from braise_shared.candidates import (
    CongratulateGesture,
    Gesture,
    HookReason,
    InviteGesture,
    JunctionReason,
    LastSeenReason,
    OccasionFact,
    Reason,
    RevivalCandidate,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import InteractionKinds
from braise_shared.stages import CandidateStage
from braise_shared.taxonomy import Taxonomy

log = logging.getLogger(__name__)


def first_name(name: str) -> str:
    """Return the first word of a display name: how a card names someone after its title."""
    return name.split()[0] if name.split() else name


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
        return first_name(self.name)


@dataclass(frozen=True)
class Draft:
    """A short note the reader may send the other person as it is: it gives, asks nothing."""

    subject: str
    body: str


@dataclass(frozen=True)
class NamedOccasion:
    """An occasion of the firm a card names, its place as the card says it, and the firm's
    time zone (an all-day occasion's dates are in it)."""

    fact: OccasionFact
    place: str
    timezone: str = "Europe/Paris"


@dataclass(frozen=True)
class Suggestion:
    """One person in the digest, with the words about them."""

    other_id: str
    name: str
    stage: CandidateStage
    reasons: list[str]
    gesture_kind: str
    gesture: str
    # The codes of the reasons the card states, a hook with its kind (`hook.skill`).
    reason_codes: tuple[str, ...] = ()
    first_name: str = ""
    draft: Draft | None = None
    email: str | None = None  # where the draft goes; None: no "write to" link
    junction: bool = False  # both are expected at an upcoming occasion (the first line)
    occasions: tuple[NamedOccasion, ...] = ()  # the occasions the card names (calendar files)


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
    variant: int = 1  # the subject and opening used (`subject.N`, `intro.N`)

    def stages(self) -> list[tuple[CandidateStage, list[Suggestion]]]:
        """Return the stages and their cards in the order the digest shows them: dormant then
        cooling, except that a stage holding a junction comes first, and within a stage the
        junctions come first, so that the digest opens on the occasion both people attend."""
        order: list[tuple[CandidateStage, list[Suggestion]]] = [
            ("dormant", sorted(self.dormant, key=lambda s: not s.junction)),
            ("cooling", sorted(self.cooling, key=lambda s: not s.junction)),
        ]
        return sorted(order, key=lambda item: not any(s.junction for s in item[1]))

    @property
    def suggestions(self) -> list[Suggestion]:
        """Return every suggestion, in the order the digest shows them (`stages`)."""
        return [s for _, items in self.stages() for s in items]

    def occasions(self) -> list[NamedOccasion]:
        """Return each occasion the digest names, once, in the order it names them."""
        named: dict[str, NamedOccasion] = {}
        for s in self.suggestions:
            for occasion in s.occasions:
                named.setdefault(occasion.fact.occasion_id, occasion)
        return list(named.values())

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
            if s.draft is not None:
                yield f"draft to {s.name}", s.draft.body


def _card_lines(
    words: Words, candidate: RevivalCandidate, first: str, seed: str, said: Said
) -> tuple[list[str], list[str]]:
    """Return the lines of a card and the codes of the reasons they state.

    Each thing is said once: the news is the gesture's (a congratulation names it), and the
    last exchange that closes the window just named is not dated again ("depuis")."""
    lines: list[str] = []
    codes: list[str] = []
    window: WasStrongParams | None = None
    for reason in candidate.reasons:
        code = reason_code(reason)
        match reason:
            case WasStrongReason(params=p):
                phrase = words.window(p)
            case LastSeenReason(params=p):
                since = window is not None and p.last_at == window.last_day
                phrase = words.last_exchange(candidate.stage, p, since=since)
            case HookReason() if isinstance(candidate.gesture, CongratulateGesture):
                codes.append(code)  # the gesture names the news
                continue
            case _:
                phrase = words.reason(reason, first)
        line = words.say(phrase, f"{seed}:{reason.code}", said)
        if line is None:
            continue
        lines.append(line)
        codes.append(code)
        if isinstance(reason, WasStrongReason):
            window = reason.params
    return lines, codes


def _draft(
    words: Words,
    candidate: RevivalCandidate,
    gesture: Gesture,
    reader: Reader,
    first: str,
    junction: bool,
) -> Draft | None:
    """Return the note the reader could send (`gesture`: the card's, as worded), or None if
    the guard refuses it."""
    texts = words.texts
    try:
        phrase = words.draft(gesture, first, junction=junction)
        sentence = texts.get(
            texts.pick(phrase.prefix, "")[0], contexts=phrase.contexts, **phrase.params
        )
    except (MissingMessageError, KeyError) as exc:
        log.error("no draft for gesture %s: %s", gesture.kind, exc)
        return None
    body = "\n\n".join(
        (
            texts.get("draft.greeting", name=first),
            sentence,
            f"{texts.get('draft.signoff')}\n{reader.first_name}",
        )
    )
    try:
        check_tone(body, f"draft to {candidate.other_name}")
    except ToneError as exc:
        log.error("draft refused by the tone guard: %s", exc)
        return None
    return Draft(texts.get("draft.subject"), body)


def _suggestion(
    words: Words,
    candidate: RevivalCandidate,
    seed: str,
    said: Said,
    reader: Reader,
    email: str | None,
) -> Suggestion | None:
    first = first_name(candidate.other_name)
    met = _junction(candidate)
    before = (set(said.texts), set(said.keys))
    # The reasons first: the gesture of a junction depends on whether its line was said.
    reasons, codes = _card_lines(words, candidate, first, seed, said)
    junction = met is not None and "junction" in codes
    worded = candidate.gesture
    if met is not None and not junction and isinstance(worded, InviteGesture):
        # The junction's line was not said: the card never invites them to an occasion
        # they are expected at already, but to what the invitation is without it.
        worded = InviteGesture(params=worded.params.model_copy(update={"occasion": None}))
    try:
        gesture = words.say(
            words.gesture(worded, first, junction=junction),
            seed,
            said,
            guarded=True,
            name=first,
        )
    except (MissingMessageError, KeyError) as exc:
        log.error("no words for gesture %s: %s", candidate.gesture, exc)
        gesture = None
    if gesture is None:
        said.texts, said.keys = before  # a card left out says nothing
        return None
    return Suggestion(
        candidate.other_id,
        candidate.other_name,
        candidate.stage,
        reasons,
        candidate.gesture.kind,
        gesture,
        tuple(codes),
        first_name=first,
        draft=_draft(words, candidate, worded, reader, first, junction),
        email=email,
        junction=junction,
        occasions=tuple(
            NamedOccasion(o, words.place(o), words.timezone)
            for o in _named(candidate, met, junction)
        ),
    )


def _junction(candidate: RevivalCandidate) -> OccasionFact | None:
    """Return the occasion both people attend when the card opens on it and its invitation
    is built on it, else None."""
    first = candidate.reasons[0] if candidate.reasons else None
    gesture = candidate.gesture
    if (
        isinstance(first, JunctionReason)
        and isinstance(gesture, InviteGesture)
        and gesture.params.occasion == first.params.occasion
    ):
        return first.params.occasion
    return None


def _named(
    candidate: RevivalCandidate, met: OccasionFact | None, junction: bool
) -> list[OccasionFact]:
    """Return the occasions a card names: the junction's, or the invitation's."""
    if met is not None:
        return [met] if junction else []
    gesture = candidate.gesture
    if isinstance(gesture, InviteGesture) and gesture.params.occasion is not None:
        return [gesture.params.occasion]
    return []


def reason_code(reason: Reason) -> str:
    """Return the code the closed loop counts a reason under (a hook with its news kind)."""
    return f"hook.{reason.params.news_kind}" if isinstance(reason, HookReason) else reason.code


VARIANTS = 6  # subjects and openings: `subject.1` … and `intro.1` …, paired


def pick_variant(seed: str, previous: int | None) -> int:
    """Return the subject and opening to use: chosen by seed, never the reader's previous."""
    choices = [v for v in range(1, VARIANTS + 1) if v != previous]
    start = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    return choices[start % len(choices)]


def compose(
    reader: Reader,
    period: str,
    candidates: list[RevivalCandidate],
    *,
    texts: Texts,
    kinds: InteractionKinds,
    taxonomy: Taxonomy,
    previous_variant: int | None = None,
    addresses: Mapping[str, str] | None = None,
    timezone: str = "Europe/Paris",
) -> Digest:
    """Write about the candidates, in the order given, dormant and cooling apart.

    How many of each stage is not decided here: the graph was asked for that many
    (`braise_shared.candidates`). A person whose gesture finds no words is left out. The
    subject and opening agree with how many people the digest holds, and differ from the
    reader's previous digest's (`previous_variant`). `addresses`: the e-mail of each person
    the reader may write to from the card.
    Raise ToneError if anything the digest says breaks the tone guard.
    """
    words = Words(texts, kinds, taxonomy, timezone)
    seed = f"{period}:{reader.id}"
    said = Said()
    chosen: dict[CandidateStage, list[Suggestion]] = {"dormant": [], "cooling": []}
    for candidate in candidates:
        email = (addresses or {}).get(candidate.other_id)
        suggestion = _suggestion(
            words, candidate, f"{seed}:{candidate.other_id}", said, reader, email
        )
        if suggestion is not None:
            chosen[candidate.stage].append(suggestion)
    first = reader.first_name
    count = len(chosen["dormant"]) + len(chosen["cooling"])
    variant = pick_variant(seed, previous_variant)
    digest = Digest(
        reader=reader,
        period=period,
        subject=texts.get(f"subject.{variant}", first=first, count=max(count, 1)),
        preheader=texts.get("preheader", count=count) if count else "",
        greeting=texts.get("greeting", first=first),
        intro=texts.get(f"intro.{variant}", count=max(count, 1)),
        dormant=chosen["dormant"],
        cooling=chosen["cooling"],
        variant=variant,
    )
    try:
        check_all(digest.lines())
    except ToneError as exc:
        log.error("digest %s for %s blocked, never sent: %s", period, reader.id, exc)
        raise
    return digest
