"""Compose a digest from the graph's candidates: the words, the gestures, the links. Pure.

The graph sends reasons and gestures as codes with typed parameters; the catalogs here are
the one place that words them.

Every gesture text passes the no-ask guard; a variant that fails is replaced by the next,
and a suggestion whose variants all fail is left out (and logged), never sent.
"""

import logging
from dataclasses import dataclass, field
from typing import assert_never

from braise_notifier.catalogs import MissingMessageError, Texts
from braise_notifier.guard import ToneError, check_tone
from braise_shared.candidates import (
    AskNewsGesture,
    CandidateStage,
    CongratulateGesture,
    Gesture,
    HookReason,
    IntroduceGesture,
    InviteGesture,
    LastSeenReason,
    NoveltyReason,
    Reason,
    RevivalCandidate,
    SharedReason,
    ShareGesture,
    WasStrongReason,
)
from braise_shared.interactions import InteractionKinds

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


@dataclass(frozen=True)
class Digest:
    """Everything a digest says, in the reader's language."""

    reader: Reader
    period: str
    subject: str
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


def _reason(texts: Texts, reason: Reason, name: str, kinds: InteractionKinds) -> str:
    match reason:
        case WasStrongReason(params=p):
            return texts.get(
                "reason.was_strong",
                when=texts.month(p.peak_at),
                together=texts.join(_together(texts, p.kinds, kinds)),
            )
        case LastSeenReason(params=p):
            return texts.get("reason.last_seen", when=texts.month(p.last_at))
        case SharedReason(params=p):
            return texts.get("reason.shared", topics=texts.join([t.label for t in p.topics]))
        case HookReason(params=p):
            return texts.get(f"reason.hook.{p.news_kind}", name=name, news=p.news.label)
        case NoveltyReason(params=p):
            topics = texts.join([t.label for t in p.topics])
            return texts.get("reason.novelty", name=name, topics=topics)
        case _:
            assert_never(reason)


def _together(texts: Texts, counts: dict[str, int], kinds: InteractionKinds) -> list[str]:
    """Name the three kinds of interaction that weighed most (weight times count) first:
    a mission together before a handful of messages."""

    def weighed(kind_count: tuple[str, int]) -> tuple[float, str]:
        kind, count = kind_count
        weight = kinds.kinds[kind].weight if kind in kinds.kinds else 0
        return -weight * count, kind

    together = []
    for kind, count in sorted(counts.items(), key=weighed)[:3]:
        label = kinds.kinds[kind].label(texts.locale) if kind in kinds.kinds else kind
        together.append(label if count == 1 else f"{label} (x{count})")
    return together


def _gesture_message(gesture: Gesture) -> tuple[str, dict[str, str]]:
    """Return the catalog prefix of a gesture's variants and the facts they name."""
    match gesture:
        case CongratulateGesture(params=p):
            return f"gesture.congratulate.{p.news_kind}", {"news": p.news.label}
        case ShareGesture(params=p):
            return "gesture.share", {"topic": p.topic.label}
        case IntroduceGesture(params=p):
            return "gesture.introduce", {"third": p.third_name, "topic": p.topic.label}
        case AskNewsGesture(params=p):
            return "gesture.ask_news", {"project": p.project}
        case InviteGesture():
            return "gesture.invite", {}
        case _:
            assert_never(gesture)


def gesture_text(texts: Texts, gesture: Gesture, name: str, seed: str) -> str | None:
    """Write the give-first gesture for this pair; None if no variant passes the guard."""
    prefix, params = _gesture_message(gesture)
    for key in texts.pick(prefix, seed):
        text = texts.get(key, name=name, **params)
        try:
            return check_tone(text, f"gesture {key}")
        except ToneError as exc:
            log.error("gesture variant refused: %s", exc)
    return None


def compose(
    reader: Reader,
    period: str,
    candidates: list[RevivalCandidate],
    *,
    texts: Texts,
    kinds: InteractionKinds,
) -> Digest:
    """Write about the candidates, in the order given, dormant and cooling apart.

    How many of each stage is not decided here: the graph was asked for that many
    (`braise_shared.candidates`). A person whose gesture finds no words is left out.
    """
    seed = f"{period}:{reader.id}"
    chosen: dict[CandidateStage, list[Suggestion]] = {"dormant": [], "cooling": []}
    for candidate in candidates:
        name = candidate.other_name
        try:
            gesture = gesture_text(texts, candidate.gesture, name, f"{seed}:{candidate.other_id}")
        except (MissingMessageError, KeyError) as exc:
            log.error("no words for gesture %s: %s", candidate.gesture, exc)
            gesture = None
        if gesture is None:
            continue
        reasons = [_reason(texts, reason, name, kinds) for reason in candidate.reasons]
        chosen[candidate.stage].append(
            Suggestion(
                candidate.other_id,
                name,
                candidate.stage,
                reasons,
                candidate.gesture.kind,
                gesture,
            )
        )
    first = reader.first_name
    return Digest(
        reader=reader,
        period=period,
        subject=texts.get(texts.pick("subject", seed)[0], first=first),
        greeting=texts.get("greeting", first=first),
        intro=texts.get(texts.pick("intro", seed)[0]),
        dormant=chosen["dormant"],
        cooling=chosen["cooling"],
    )
