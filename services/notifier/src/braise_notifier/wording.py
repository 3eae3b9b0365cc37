"""Word the graph's facts: reasons and gestures, in the reader's language. Pure.

The catalogs hold the sentences; the taxonomy words each tag in the reader's language; the
kinds file weighs interactions. A tag the taxonomy lacks is quoted as entered, and the
sentences that cannot hold a quoted label take their `as_entered` variant. A name French
elides ("d'Arnaud") takes the `elided` variant of the sentences that put it after "de".
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import assert_never

from braise_notifier.catalogs import Texts, local_days
from braise_notifier.guard import ToneError, check_tone
from braise_notifier.typography import elides
from braise_shared.candidates import (
    AskNewsGesture,
    CongratulateGesture,
    Gesture,
    HookReason,
    IntroduceGesture,
    InviteGesture,
    JunctionReason,
    LastSeenParams,
    LastSeenReason,
    MissionFact,
    NoveltyReason,
    OccasionFact,
    Reason,
    SharedReason,
    ShareGesture,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import MISSION_TOGETHER, InteractionKinds
from braise_shared.stages import CandidateStage
from braise_shared.tags import Tag
from braise_shared.taxonomy import Taxonomy

log = logging.getLogger(__name__)

AS_ENTERED = "as_entered"
ELIDED = "elided"


def _as_entered(known: bool) -> tuple[str, ...]:
    return () if known else (AS_ENTERED,)


@dataclass(frozen=True)
class Phrase:
    """A catalog message's prefix, its parameters, and the contexts it may need."""

    prefix: str
    params: Mapping[str, object]
    contexts: tuple[str, ...] = ()


@dataclass
class Said:
    """What a digest has said so far: its lines and the messages they came from."""

    texts: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Words:
    """What a digest needs to word facts in one language."""

    texts: Texts
    kinds: InteractionKinds
    taxonomy: Taxonomy
    timezone: str = "Europe/Paris"  # the firm's: an occasion's day and hour are said in it

    def tags(self, tags: list[Tag]) -> tuple[str, bool]:
        """Return tags as they read in a sentence ("la voile et Python"), and whether the
        taxonomy knew them all (otherwise the unknown ones are quoted as entered)."""
        words = [self.taxonomy.get(tag.key, self.texts.locale) for tag in tags]
        said = [
            w.text if w else self.texts.get("topic.as_entered", label=tag.label)
            for w, tag in zip(words, tags, strict=True)
        ]
        return self.texts.join(said), all(words)

    def _news(self, kind: str, news: Tag) -> tuple[str, bool]:
        if kind in ("skill", "sector"):
            return self.tags([news])
        return self.taxonomy.label(news, self.texts.locale), True

    def together(self, counts: dict[str, int], missions: Sequence[MissionFact] = ()) -> str:
        """Name every kind of interaction counted, those that weighed most (weight times
        count) first: a mission together before a handful of messages. Missions are named
        as entered when each one counted has a name and there are at most two."""

        def weighed(kind_count: tuple[str, int]) -> tuple[float, str]:
            kind, count = kind_count
            weight = self.kinds.kinds[kind].weight if kind in self.kinds.kinds else 0
            return -weight * count, kind

        said = []
        for kind, count in sorted(counts.items(), key=weighed):
            if kind == MISSION_TOGETHER and 0 < count == len(missions) <= 2:
                names = self.texts.join(
                    [self.texts.get("mission.name", label=m.name) for m in missions]
                )
                said.append(self.texts.get("mission.named", count=count, names=names))
            elif self.texts.has(kind, "kind"):
                said.append(self.texts.get(kind, contexts=("kind",), count=count))
            else:
                known = self.kinds.kinds.get(kind)
                label = known.label(self.texts.locale) if known else kind
                said.append(self.texts.get("kind.as_configured", label=label, count=count))
        return self.texts.join(said)

    def span(self, first: date, last: date) -> str:
        """Return the months from first's to last's ("en mars 2026", "de février à avril
        2026", "from November 2025 to January 2026")."""
        if (first.year, first.month) == (last.year, last.month):
            return self.texts.get("span.month", month=self.texts.month(first))
        start = self.texts.month_name(first) if first.year == last.year else self.texts.month(first)
        contexts = (ELIDED,) if elides(start) else ()
        return self.texts.get(
            "span.months", contexts=contexts, first=start, last=self.texts.month(last)
        )

    def window(self, params: WasStrongParams) -> Phrase:
        """Return the phrase of the peak's window: a high point when it holds two
        interactions or more, otherwise the one thing that happened."""
        words = {
            "span": self.span(params.first_day, params.last_day),
            "together": self.together(params.kinds, params.missions),
        }
        prefix = "reason.high_point" if params.count >= 2 else "reason.one_moment"
        return Phrase(prefix, words)

    def last_exchange(
        self, stage: CandidateStage, params: LastSeenParams, *, since: bool
    ) -> Phrase:
        """Return the phrase of the last exchange, as true for the stage; `since`: the card
        has just named the window that ends with it, whose month is not said again."""
        if since:
            return Phrase(f"last.{stage}_since", {})
        month = self.texts.month(params.last_at)
        if params.kind is None:
            return Phrase(f"last.{stage}_unknown", {"month": month})
        return Phrase(f"last.{stage}", {"month": month, "kind": self.one(params.kind)})

    def occasion(self, occasion: OccasionFact) -> dict[str, object]:
        """Return what a sentence says of an occasion: its title as entered, its day and hour
        in the firm's time zone ("le jeudi 17 décembre 2026 à 08:30"; an all-day one, its
        day or days and no hour), and its place (the venue, then the city unless the venue
        names it; "en ligne" when online)."""
        if occasion.all_day:
            first, last = local_days(occasion.starts_at, occasion.ends_at, self.timezone)
            day = self.texts.weekday_of(first)
            if last == first:
                when = self.texts.get("occasion.when_all_day", day=day)
            else:
                last_day = self.texts.weekday_of(last)
                when = self.texts.get("occasion.when_days", day=day, last_day=last_day)
        else:
            when = self.texts.get(
                "occasion.when",
                day=self.texts.weekday(occasion.starts_at, self.timezone),
                time=self.texts.hour(occasion.starts_at, self.timezone),
            )
        return {"title": occasion.title, "when": when, "place": self.place(occasion)}

    def place(self, occasion: OccasionFact) -> str:
        """Return where an occasion takes place, as a sentence says it."""
        if occasion.online:
            return self.texts.get("occasion.online")
        parts = [p for p in (occasion.place, occasion.city) if p]
        if len(parts) == 2 and parts[1].casefold() in parts[0].casefold():
            parts = parts[:1]
        return ", ".join(parts) or self.texts.get("occasion.unplaced")

    def one(self, kind: str) -> str:
        """Return one interaction of a kind ("un appel", "a call")."""
        return self.together({kind: 1})

    def reason(self, reason: Reason, name: str) -> Phrase:
        """Return the phrase of a reason that stands alone: shared ground, news, novelty.

        The window and the last exchange depend on each other and on the stage (`window`,
        `last_exchange`)."""
        params: dict[str, object]
        match reason:
            case WasStrongReason(params=p):
                return self.window(p)
            case LastSeenReason(params=p):
                return self.last_exchange("dormant", p, since=False)
            case SharedReason(params=p):
                topics, known = self.tags(p.topics)
                params = {"topics": topics, "count": len(p.topics)}
                return Phrase("reason.shared", params, _as_entered(known))
            case HookReason(params=p):
                news, known = self._news(p.news_kind, p.news)
                params = {"name": name, "news": news}
                return Phrase(f"reason.hook.{p.news_kind}", params, _as_entered(known))
            case NoveltyReason(params=p):
                topics, known = self.tags(p.topics)
                params = {"name": name, "topics": topics}
                return Phrase("reason.novelty", params, _as_entered(known))
            case JunctionReason(params=p):
                return Phrase("reason.junction", {**self.occasion(p.occasion), "name": name})
            case _:
                assert_never(reason)

    def gesture(self, gesture: Gesture, name: str, *, junction: bool = False) -> Phrase:
        """Return the phrase of a give-first gesture (`junction`: the card's first reason
        names the occasion the invitation is built on, which is not said again)."""
        contexts: tuple[str, ...] = (ELIDED,) if elides(name) else ()
        match gesture:
            case CongratulateGesture(params=p):
                news, known = self._news(p.news_kind, p.news)
                prefix = f"gesture.congratulate.{p.news_kind}"
                return Phrase(prefix, {"news": news}, contexts + _as_entered(known))
            case ShareGesture(params=p):
                topic, known = self.tags([p.topic])
                return Phrase("gesture.share", {"topic": topic}, contexts + _as_entered(known))
            case IntroduceGesture(params=p):
                topic, known = self.tags([p.topic])
                params = {"third": p.third_name, "topic": topic}
                return Phrase("gesture.introduce", params, contexts + _as_entered(known))
            case AskNewsGesture(params=p):
                return Phrase("gesture.ask_news", {"project": p.project}, contexts)
            case InviteGesture(params=p):
                if p.occasion is not None and junction:
                    return Phrase("gesture.invite.junction", {}, contexts)
                if p.occasion is not None:
                    return Phrase("gesture.invite.occasion", self.occasion(p.occasion), contexts)
                if p.city:
                    return Phrase("gesture.invite.city", {"city": p.city}, contexts)
                return Phrase("gesture.invite.call", {}, contexts)
            case _:
                assert_never(gesture)

    def draft(self, gesture: Gesture, name: str, *, junction: bool = False) -> Phrase:
        """Return the phrase of the note that carries a gesture out (`draft.*`, one per
        gesture's prefix); a note stands alone, so it names the occasion even at a junction."""
        phrase = self.gesture(gesture, name, junction=junction)
        params = phrase.params
        if junction and isinstance(gesture, InviteGesture) and gesture.params.occasion:
            params = self.occasion(gesture.params.occasion)
        return Phrase("draft." + phrase.prefix.removeprefix("gesture."), params, phrase.contexts)

    def say(
        self, phrase: Phrase, seed: str, said: Said, *, guarded: bool = False, **more: object
    ) -> str | None:
        """Return a variant of a phrase that this digest has not said yet, or None.

        Variants come in seed order, those whose wording the digest has not used yet first:
        two people never get the same line, and seldom the same turn of phrase. `guarded`: a
        variant the tone guard refuses is skipped too (gestures, whose variants each stand
        alone); otherwise the digest's own check refuses it (`compose`).
        """
        keys = self.texts.pick(phrase.prefix, seed)
        for key in [k for k in keys if k not in said.keys] + [k for k in keys if k in said.keys]:
            text = self.texts.get(key, contexts=phrase.contexts, **phrase.params, **more)
            if text in said.texts:
                continue
            if guarded:
                try:
                    check_tone(text, key)
                except ToneError as exc:
                    log.error("variant refused by the tone guard: %s", exc)
                    continue
            said.texts.add(text)
            said.keys.add(key)
            return text
        return None


def gesture_text(words: Words, gesture: Gesture, name: str, seed: str) -> str | None:
    """Write the give-first gesture for this pair; None if no variant passes the guard."""
    return words.say(words.gesture(gesture, name), seed, Said(), guarded=True, name=name)
