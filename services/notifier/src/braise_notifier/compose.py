"""Compose a digest from the graph's candidates: the words, the gestures, the links. Pure.

Every gesture text passes the no-ask guard; a variant that fails is replaced by the next,
and a suggestion whose variants all fail is left out (and logged), never sent.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from braise_notifier.catalogs import MissingMessageError, Texts
from braise_notifier.guard import SolicitationError, check_gives_first
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
    stage: str
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


def _reason(texts: Texts, reason: dict[str, Any], name: str, kinds: InteractionKinds) -> str | None:
    code, p = reason["code"], reason["params"]
    if code == "was_strong":
        together = []
        # What weighed most first: a mission together before a handful of messages.
        weighed = sorted(
            p["kinds"].items(),
            key=lambda kc: (
                -(kinds.kinds[kc[0]].weight if kc[0] in kinds.kinds else 0) * kc[1],
                kc[0],
            ),
        )
        for kind, count in weighed[:3]:
            label = kinds.kinds[kind].label(texts.locale) if kind in kinds.kinds else kind
            together.append(label if count == 1 else f"{label} (x{count})")
        return texts.get(
            "reason.was_strong", when=texts.month(p["peak_at"]), together=texts.join(together)
        )
    if code == "last_seen":
        return texts.get("reason.last_seen", when=texts.month(p["last_at"]))
    if code == "shared":
        return texts.get("reason.shared", topics=texts.join(list(p["topics"])))
    if code == "reciprocity":
        return texts.get(f"reason.reciprocity.{p['who']}", name=name)
    if code == "hook":
        return texts.get(f"reason.hook.{p['news_kind']}", name=name, news=p["news"])
    if code == "novelty":
        return texts.get("reason.novelty", name=name, topics=texts.join(list(p["topics"])))
    return None


def gesture_text(texts: Texts, gesture: dict[str, Any], name: str, seed: str) -> str | None:
    """Write the give-first gesture for this pair; None if no variant passes the guard."""
    kind, p = gesture["kind"], gesture["params"]
    prefix = f"gesture.{kind}.{p['news_kind']}" if kind == "congratulate" else f"gesture.{kind}"
    params = {
        "name": name,
        "news": p.get("news"),
        "topic": p.get("topic"),
        "third": p.get("third_name"),
        "project": p.get("project"),
    }
    for key in texts.pick(prefix, seed):
        text = texts.get(key, **params)
        try:
            return check_gives_first(text)
        except SolicitationError as exc:
            log.error("gesture variant %s refused by the no-ask guard: %s", key, exc)
    return None


def compose(
    reader: Reader,
    period: str,
    candidates: list[dict[str, Any]],
    *,
    texts: Texts,
    kinds: InteractionKinds,
    max_dormant: int,
    max_cooling: int,
) -> Digest:
    """Choose up to max_dormant dormant and max_cooling cooling people and write about them."""
    seed = f"{period}:{reader.id}"
    chosen: dict[str, list[Suggestion]] = {"dormant": [], "cooling": []}
    limits = {"dormant": max_dormant, "cooling": max_cooling}
    for candidate in candidates:
        stage = candidate["stage"]
        if stage not in chosen or len(chosen[stage]) >= limits[stage]:
            continue
        name = candidate["other_name"]
        try:
            gesture = gesture_text(
                texts, candidate["gesture"], name, f"{seed}:{candidate['other_id']}"
            )
        except (MissingMessageError, KeyError) as exc:
            log.error("no words for gesture %s: %s", candidate["gesture"], exc)
            gesture = None
        if gesture is None:
            continue
        reasons = [
            text
            for reason in candidate["reasons"]
            if (text := _reason(texts, reason, name, kinds)) is not None
        ]
        chosen[stage].append(
            Suggestion(
                candidate["other_id"], name, stage, reasons, candidate["gesture"]["kind"], gesture
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
