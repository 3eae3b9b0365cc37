"""The truth oracle: read a rendered digest as a consultant would and check every dated
statement against the interaction log the test wrote.

It shares no code with the notifier: its month names, kind words and sentence shapes are its
own, written from what a reader sees. A statement it cannot parse is not taken as true: a card
line must be one of the kinds below (window, last exchange, "since", shared ground, novelty,
news), or it is reported.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tests.support.oracle import decayed
from tests.support.truth_occasions import OccasionOracle
from tests.support.truth_words import (
    HIGH,
    INTRODUCE,
    KINDS,
    LAST,
    MONTHS,
    NEW_MISSION,
    NEWS_DAYS,
    ONE,
    OTHER_LINES,
    PLURAL_OPENING,
    QUOTED,
    SINCE,
    SINGULAR_OPENING,
    UNNAMED_EVENTS,
)

Month = tuple[int, int]


@dataclass(frozen=True)
class Act:
    """One interaction of the log, as the test wrote it."""

    t: float
    kind: str
    people: tuple[str, ...]
    weight: float
    note: str | None = None


@dataclass
class Card:
    """One person of a digest as a reader sees it: the title and the lines under it."""

    name: str
    cooling: bool
    lines: list[str]
    gesture: str
    rest: list[str] = field(default_factory=list)  # actions and links, as printed


@dataclass
class Verdict:
    """What the oracle checked and what it found false."""

    cards: int = 0
    statements: int = 0
    false: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", text)


def text_cards(text: str, idea: str) -> list[Card]:
    """Return the cards of a digest's plain-text part."""
    cards: list[Card] = []
    for line in _plain(text).splitlines():
        if line.startswith("* "):
            title = line[2:]
            cooling = title.endswith(")")
            cards.append(Card(re.sub(r" \([^)]*\)$", "", title), cooling, [], ""))
        elif cards and line.startswith("  ") and not cards[-1].gesture:
            body = line.strip()
            if body.startswith(idea):
                cards[-1].gesture = body[len(idea) :].lstrip(" :")
            elif body:
                cards[-1].lines.append(body)
        elif cards and line.startswith("  ") and line.strip():
            cards[-1].rest.append(line.strip())
    return cards


def html_cards(body: str) -> list[tuple[str, list[str], str]]:
    """Return (title, lines, gesture) of each card of a digest's HTML part."""
    titles = re.findall(r'font-weight:bold;color:#2b2b2b;">(.*?)(?: <span|</td>)', body)
    reasons = re.findall(r'<td class="inner muted"[^>]*>\n?(.*?)\n?</td>', body, flags=re.S)
    gestures = re.findall(r"</strong> (.*?)</td>", body, flags=re.S)
    out = []
    for title, lines, gesture in zip(titles, reasons, gestures, strict=True):
        said = [_plain(html.unescape(x)).strip() for x in lines.split("<br>") if x.strip()]
        out.append((_plain(html.unescape(title)), said, _plain(html.unescape(gesture)).strip()))
    return out


class Oracle:
    """The interaction log of a firm, and what it makes true of each pair."""

    def __init__(
        self,
        acts: list[Act],
        names: dict[str, str],
        now: float,
        occasions: OccasionOracle | None = None,
    ) -> None:
        self.now = now
        self.occasions = occasions or OccasionOracle([], {}, now)
        self.acts = acts
        self.names = names  # id -> display name
        self.by_name = {name: cid for cid, name in names.items()}
        self.pairs: dict[tuple[str, str], list[Act]] = {}
        for act in sorted(acts, key=lambda a: a.t):
            people = sorted(set(act.people))
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    self.pairs.setdefault((a, b), []).append(act)

    def missions_of(self, person: str) -> list[Act]:
        """Return the missions together a person took part in."""
        return [a for a in self.acts if a.kind == "mission_together" and person in a.people]

    def log(self, a: str, b: str) -> list[Act]:
        """Return the pair's interactions, oldest first."""
        return self.pairs.get((min(a, b), max(a, b)), [])

    def peak_month(self, a: str, b: str) -> Month:
        """Return the month the pair's strength was highest (right after an interaction)."""
        acts = self.log(a, b)
        best, when = -1.0, acts[0].t
        for act in acts:
            s = sum(
                decayed(x.weight / (len(set(x.people)) - 1), act.t - x.t)
                for x in acts
                if x.t <= act.t
            )
            if s > best:
                best, when = s, act.t
        return _month(when)

    def check(self, locale: str, reader_id: str, cards: list[Card], opening: str) -> Verdict:
        """Check every card of one digest; return what was checked and what is false."""
        verdict = Verdict(cards=len(cards))
        lowered = opening.lower()
        wrong = SINGULAR_OPENING[locale] if len(cards) > 1 else PLURAL_OPENING[locale]
        for word in wrong:
            if word in lowered:
                verdict.false.append(f"opening says {word!r} over {len(cards)} card(s): {opening}")
        verdict.statements += 1
        for card in cards:
            self._card(locale, reader_id, card, verdict)
        return verdict

    def _card(self, locale: str, reader_id: str, card: Card, verdict: Verdict) -> None:
        other = self.by_name.get(card.name)
        if other is None:
            verdict.false.append(f"unknown person {card.name!r}")
            return
        log = self.log(reader_id, other)
        if not log:
            verdict.false.append(f"{card.name}: the reader never met them")
            return
        where = f"{card.name} (reader {self.names[reader_id]})"
        said_months: list[Month] = []
        window: tuple[Month, Month] | None = None
        first = card.name.split()[0]
        everything = [*card.lines, card.gesture, *card.rest]
        if sum(line.count(card.name) for line in everything) != 0:
            verdict.false.append(f"{where}: the full name is said again under the title")
        junction = False
        for line in card.lines:
            lower = line.lower()
            verdict.statements += 1
            if self.occasions.junction_line(locale, line, (reader_id, other), where, verdict.false):
                junction = True
            elif any(w in lower for w in LAST[locale]):
                said_months += self._last(locale, line, log, where, verdict)
            elif lower.startswith(SINCE[locale]) or (
                f" {SINCE[locale]}" in lower and not self._months(locale, line)
            ):
                if window is None:
                    verdict.false.append(f"{where}: 'since' with no window before it: {line}")
                elif _month(log[-1].t) > window[1]:
                    verdict.false.append(f"{where}: 'since' but they met after {window[1]}: {line}")
            elif any(w in lower for w in HIGH[locale] + ONE[locale]):
                window = self._window(locale, line, log, where, verdict, reader_id, other)
                if window is not None:
                    said_months += list({window[0], window[1]})
            elif any(w in lower for w in OTHER_LINES[locale]):
                if self._months(locale, line):
                    verdict.false.append(f"{where}: a date where none belongs: {line}")
            else:
                verdict.false.append(f"{where}: a line the oracle cannot check: {line}")
        for month, n in Counter(said_months).items():
            if n > 1:
                verdict.false.append(f"{where}: {month} said {n} times")
        gesture = self.occasions.gesture(
            locale, card.gesture, (reader_id, other), where, verdict.false, junction=junction
        )
        self._gesture(
            locale, replace(card, gesture=gesture), log, where, verdict, (reader_id, first)
        )

    def _months(self, locale: str, line: str) -> list[Month]:
        names = MONTHS[locale].split()
        found = []
        for name, year in re.findall(rf"\b({'|'.join(names)})\b(?: (\d{{4}}))?", line):
            found.append((int(year) if year else 0, names.index(name) + 1))
        # A month without its year takes the next one's ("de février à avril 2026").
        for i, (year, month) in enumerate(found):
            if year == 0 and i + 1 < len(found):
                found[i] = (found[i + 1][0], month)
        return found

    def _counts(self, locale: str, line: str) -> tuple[Counter[str], list[str]]:
        counts: Counter[str] = Counter()
        named = []
        quoted = QUOTED[locale]
        if locale == "fr":
            for names in re.findall(r"les missions (« .+? » et « .+? »)", line):
                named += re.findall(quoted, names)
            named += re.findall(r"la mission « (.+?) »", line)
        else:
            for names in re.findall(r"the (“.+?” and “.+?”) missions", line):
                named += re.findall(quoted, names)
            named += re.findall(r"the “([^”]+)” mission\b", line)
        counts["mission_together"] += len(named)
        for kind, (one, many) in KINDS[locale].items():
            counts[kind] += len(re.findall(rf"(?<![\w-]){re.escape(one)}\b", line))
            for n in re.findall(rf"\b(\d+) {re.escape(many)}\b", line):
                counts[kind] += int(n)
        return +counts, named

    def _window(
        self, locale: str, line: str, log: list[Act], where: str, verdict: Verdict, a: str, b: str
    ) -> tuple[Month, Month] | None:
        months = self._months(locale, line)
        if not months:
            verdict.false.append(f"{where}: a window with no month: {line}")
            return None
        start, end = months[0], months[-1]
        held = [x for x in log if start <= _month(x.t) <= end]
        truth = Counter(x.kind for x in held)
        stated, named = self._counts(locale, line)
        if stated != truth:
            verdict.false.append(
                f"{where}: says {dict(stated)} for {start}..{end}, log has {dict(truth)}: {line}"
            )
        notes = {" ".join((x.note or "").split()) for x in held if x.kind == "mission_together"}
        for name in named:
            if name not in notes:
                verdict.false.append(f"{where}: no mission {name!r} in {start}..{end}: {line}")
        if held and (_month(held[0].t), _month(held[-1].t)) != (start, end):
            verdict.false.append(
                f"{where}: the months {start}..{end} are not those of the exchanges"
            )
        high = any(w in line.lower() for w in HIGH[locale])
        if high and len(held) < 2:
            verdict.false.append(f"{where}: a high point of {len(held)} interaction: {line}")
        if not high and len(held) != 1:
            verdict.false.append(f"{where}: names one thing of {len(held)}: {line}")
        if high and not start <= self.peak_month(a, b) <= end:
            verdict.false.append(
                f"{where}: strongest in {self.peak_month(a, b)}, not {start}..{end}"
            )
        return start, end

    def _last(
        self, locale: str, line: str, log: list[Act], where: str, verdict: Verdict
    ) -> list[Month]:
        months = self._months(locale, line)
        last = log[-1]
        if months != [_month(last.t)]:
            verdict.false.append(
                f"{where}: last exchange {_month(last.t)}, card says {months}: {line}"
            )
        stated, _ = self._counts(locale, line)
        kinds_then = {x.kind for x in log if x.t == last.t}
        if stated and (sum(stated.values()) != 1 or not set(stated) <= kinds_then):
            verdict.false.append(
                f"{where}: last exchange was {kinds_then}, card says {dict(stated)}"
            )
        return months

    def _gesture(
        self,
        locale: str,
        card: Card,
        log: list[Act],
        where: str,
        verdict: Verdict,
        reader: tuple[str, str],
    ) -> None:
        reader_id, first = reader
        verdict.statements += 1
        lower = card.gesture.lower()
        for word in UNNAMED_EVENTS[locale]:
            if word in lower:
                verdict.false.append(
                    f"{where}: invites to something unnamed ({word}): {card.gesture}"
                )
        for project in re.findall(QUOTED[locale], card.gesture):
            notes = {" ".join((x.note or "").split()) for x in log if x.kind == "mission_together"}
            if project not in notes:
                verdict.false.append(f"{where}: no mission {project!r} together: {card.gesture}")
        if first not in card.gesture:
            verdict.false.append(f"{where}: the gesture does not name {first}: {card.gesture}")
        for pattern in INTRODUCE[locale]:
            for third in re.findall(pattern, card.gesture):
                third_id = self.by_name.get(third)
                other_id = self.by_name[card.name]
                if third_id is None:
                    verdict.false.append(f"{where}: introduces an unknown {third!r}")
                elif self.log(third_id, other_id):
                    verdict.false.append(f"{where}: introduces {third}, whom they already know")
        if NEW_MISSION[locale] in lower:
            other_id = self.by_name[card.name]
            news = [
                a
                for a in self.missions_of(other_id)
                if reader_id not in a.people and 0 <= self.now - a.t <= NEWS_DAYS * 86_400
            ]
            if not news:
                verdict.false.append(f"{where}: no new mission of theirs: {card.gesture}")


def _month(t: float) -> Month:
    day = datetime.fromtimestamp(t, UTC)
    return day.year, day.month
