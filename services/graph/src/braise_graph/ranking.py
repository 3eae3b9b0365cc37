"""Rank the dormant and cooling links worth rekindling, with reasons and a give-first gesture.

Pure: the store reads the facts, this module decides. The formula is in docs/link-model.md.
"""

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from braise_graph.facts import day_of, last_seen, was_strong
from braise_graph.occasions import Occasion, invitable, junction
from braise_graph.stages import Stage
from braise_shared.candidates import (
    AskNewsGesture,
    AskNewsParams,
    CongratulateGesture,
    CongratulateParams,
    Gesture,
    HookParams,
    HookReason,
    IntroduceGesture,
    IntroduceParams,
    InviteGesture,
    InviteParams,
    JunctionParams,
    JunctionReason,
    LastSeenReason,
    NewsKind,
    NoveltyReason,
    Reason,
    SharedReason,
    ShareGesture,
    ShareParams,
    TopicsParams,
    WasStrongReason,
)
from braise_shared.tags import Tag, one_line, tag_key

Facet = Literal["skill", "sector", "interest"]

# The stages of a reader's active network: who might introduce, and whose fields are known.
ACTIVE_STAGES = ("active", "growing", "nascent")

# Whether two consultants already know each other (any link between them).
Acquainted = Callable[[str, str], bool]

WEIGHTS = {"past": 0.30, "trust": 0.15, "affinity": 0.15, "novelty": 0.25, "hook": 0.15}
PENALTY_PER_PAST_SUGGESTION = 0.05
MAX_PENALTY = 0.20


@dataclass(frozen=True)
class Person:
    """What the graph holds of a consultant, for ranking."""

    id: str
    name: str
    tags: dict[Facet, dict[str, str]]  # facet -> key -> label
    city: str | None = None
    # The keys of each combination of facets asked so far: a ranking asks the same person
    # for the same facets many times (novelty, affinity, each introducer looked at).
    _keys: dict[tuple[Facet, ...], frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def keys(self, *facets: Facet) -> frozenset[str]:
        """Return the tag keys of the given facets (all facets when none given)."""
        found = self._keys.get(facets)
        if found is None:
            chosen = facets or ("skill", "sector", "interest")
            found = frozenset(k for f in chosen for k in self.tags.get(f, {}))
            self._keys[facets] = found
        return found

    def tag(self, key: str) -> Tag:
        """Return the tag of a key, as this person spells it."""
        for facet in ("interest", "sector", "skill"):
            if key in self.tags.get(facet, {}):
                return Tag(key=key, label=self.tags[facet][key])
        return Tag(key=key, label=key)


@dataclass(frozen=True)
class News:
    """Something new about a person: a skill, a sector, a city, a mission."""

    kind: NewsKind
    label: str
    at: float

    @property
    def tag(self) -> Tag:
        """Return the news as a tag (a skill's or sector's label gives back its key), on one
        line: a mission's note may hold line breaks, which a tag refuses."""
        label = one_line(self.label)
        return Tag(key=tag_key(label), label=label)


@dataclass(frozen=True)
class LinkFacts:
    """One link of the consultant, as read from the store at time now."""

    other: Person
    stage: Stage
    strength: float
    peak: float
    peak_at: float
    first_at: float
    last_at: float
    count: int
    kind_counts: dict[str, int]
    initiated_by_me: int
    initiated_by_other: int
    last_mission_note: str | None
    suggestable: bool
    news: list[News] = field(default_factory=list)
    suggested_to_me_at: float | None = None
    times_suggested_to_me: int = 0
    declined: bool = False
    not_now_at: float | None = None
    # (time, kind) of each interaction and (time, note) of each mission together, sorted.
    log: tuple[tuple[float, str], ...] = ()
    missions: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class RankingRules:
    """The knobs of the ranking."""

    fatigue_s: float
    hook_s: float
    strong_peak: float
    # A cooling link is worth keeping warm only if it once was active, not a lone call: its
    # peak reached the stages' active threshold (`active_min`, read from the settings).
    cooling_min_peak: float
    # How far ahead an occasion of the firm may be a junction or an invitation.
    horizon_s: float


@dataclass(frozen=True)
class Candidate:
    """A link worth rekindling: reasons and gesture are facts; the notifier words them."""

    link: LinkFacts
    score: float
    components: dict[str, float]
    reasons: list[Reason]
    gesture: Gesture


def reciprocity(by_me: int, by_other: int) -> float:
    """Return 1 when both reach out alike, 0 when only one does, 0.5 when nobody knows."""
    if by_me + by_other == 0:
        return 0.5
    return min(by_me, by_other) / max(by_me, by_other)


def novelty(me: Person, other: Person, active_network: set[str]) -> tuple[float, list[str]]:
    """Return the share of the other's sectors and skills absent from my side, and those keys."""
    theirs = other.keys("sector", "skill")
    if not theirs:
        return 0.0, []
    known = active_network | me.keys("sector", "skill")
    new = sorted(theirs - known)
    return len(new) / len(theirs), new


def fresh_hook(link: LinkFacts, now: float, hook_s: float) -> News | None:
    """Return the other person's most recent news within the hook window, if any. A mission
    the two did together is no news to the reader: it is theirs."""
    ours = {t for t, _ in link.missions}
    recent = [
        n
        for n in link.news
        if 0 <= now - n.at <= hook_s and not (n.kind == "mission" and n.at in ours)
    ]
    return max(recent, key=lambda n: n.at) if recent else None


def excluded(
    link: LinkFacts, now: float, rules: RankingRules, *, rested: bool = True
) -> str | None:
    """Return why a link may not be proposed now, or None if it may.

    `rested`: leave out people suggested within the fatigue window (a digest); a page the
    consultant opens to see their network passes False and shows them too.
    """
    if link.stage not in ("dormant", "cooling"):
        return "stage"
    if link.stage == "cooling" and link.peak < rules.cooling_min_peak:
        return "thin"
    if not link.suggestable:
        return "opted_out"
    if link.declined:
        return "declined"
    if link.not_now_at is not None and now - link.not_now_at < 2 * rules.fatigue_s:
        return "not_now"
    recently = (
        link.suggested_to_me_at is not None and now - link.suggested_to_me_at < rules.fatigue_s
    )
    if rested and recently:
        return "fatigue"
    return None


def introducers(other: Person, active_people: list[Person]) -> list[tuple[Person, Tag]]:
    """Return the people of my active network who share a tag with the other, each with the
    tag, in the order an introduction looks at them (interests, then sectors, then skills)."""
    found: list[tuple[Person, Tag]] = []
    ordered = sorted(active_people, key=lambda p: p.id)
    for facet in ("interest", "sector", "skill"):
        wanted = other.keys(facet)
        if not wanted:
            continue  # no one shares a tag of a facet the other has none of
        for person in ordered:
            shared = sorted(wanted & person.keys(facet))
            if person.id != other.id and shared:
                found.append((person, other.tag(shared[0])))
    return found


def _strangers(a: str, b: str) -> bool:
    return False


def _pick_introducer(
    other: Person, active_people: list[Person], acquainted: Acquainted
) -> tuple[Person, Tag] | None:
    """Return a consultant of my active network who shares an interest with the other and
    does not know them yet (an introduction between acquaintances would say what is false)."""
    for person, tag in introducers(other, active_people):
        if not acquainted(person.id, other.id):
            return person, tag
    return None


def shared_city(me: Person, other: Person) -> str | None:
    """Return the city both live in, as the other spells it, or None."""
    if me.city and other.city and tag_key(me.city) == tag_key(other.city):
        return other.city
    return None


def choose_gesture(
    me: Person,
    link: LinkFacts,
    hook: News | None,
    active_people: list[Person],
    seed: str,
    acquainted: Acquainted = _strangers,
    occasions: Sequence[Occasion] = (),
    *,
    now: float = 0.0,
    horizon_s: float = 0.0,
) -> Gesture:
    """Pick the give-first gesture: an invitation to the occasion both attend first (the
    junction), then news to celebrate, otherwise vary with the week. An invitation names the
    soonest upcoming occasion of the firm both can attend, if any (`occasions`, starting
    after `now` and within `horizon_s`); otherwise what the reader offers alone."""
    city = shared_city(me, link.other)
    met = junction(me.id, link.other.id, occasions, now=now, horizon_s=horizon_s)
    if met is not None:
        return InviteGesture(params=InviteParams(city=city, occasion=met.fact()))
    if hook is not None:
        return CongratulateGesture(params=CongratulateParams(news_kind=hook.kind, news=hook.tag))
    options: list[Gesture] = []
    shared_interest = sorted(me.keys("interest") & link.other.keys("interest"))
    shared_any = sorted(me.keys() & link.other.keys())
    if shared_interest or shared_any:
        key = (shared_interest or shared_any)[0]
        options.append(ShareGesture(params=ShareParams(topic=link.other.tag(key))))
    introducer = _pick_introducer(link.other, active_people, acquainted)
    if introducer is not None:
        person, topic = introducer
        options.append(
            IntroduceGesture(
                params=IntroduceParams(third_id=person.id, third_name=person.name, topic=topic)
            )
        )
    project = one_line(link.last_mission_note or "")
    if project:
        options.append(AskNewsGesture(params=AskNewsParams(project=project)))
    to = invitable(me.id, link.other.id, city, occasions, now=now, horizon_s=horizon_s)
    invite = InviteParams(city=city, occasion=None if to is None else to.fact())
    options.append(InviteGesture(params=invite))
    digest = hashlib.sha256(f"{seed}:{me.id}:{link.other.id}".encode()).digest()
    return options[digest[0] % len(options)]


def _reasons(
    me: Person, link: LinkFacts, hook: News | None, novel_keys: list[str], met: Occasion | None
) -> list[Reason]:
    """Return the facts a digest may word, the junction first. Who reached out to whom weighs
    in the score (`trust`) but is no reason: a digest never keeps score between colleagues."""
    reasons: list[Reason] = []
    if met is not None:
        reasons.append(JunctionReason(params=JunctionParams(occasion=met.fact())))
    window = was_strong(
        peak=link.peak, peak_at=link.peak_at, count=link.count, log=link.log, missions=link.missions
    )
    if window is not None:
        reasons.append(WasStrongReason(params=window))
    reasons.append(LastSeenReason(params=last_seen(last_at=link.last_at, log=link.log)))
    shared = sorted(me.keys() & link.other.keys())
    if shared:
        topics = [link.other.tag(k) for k in shared[:3]]
        reasons.append(SharedReason(params=TopicsParams(topics=topics)))
    if hook is not None:
        reasons.append(
            HookReason(params=HookParams(news_kind=hook.kind, news=hook.tag, at=day_of(hook.at)))
        )
    if novel_keys:
        topics = [link.other.tag(k) for k in novel_keys[:3]]
        reasons.append(NoveltyReason(params=TopicsParams(topics=topics)))
    return reasons


# Called with the other person's id and the error when one card cannot be made of the facts.
DroppedCard = Callable[[str, ValueError], None]


def rank(
    me: Person,
    links: list[LinkFacts],
    *,
    now: float,
    rules: RankingRules,
    seed: str,
    rested: bool = True,
    acquainted: Acquainted = _strangers,
    dropped: DroppedCard | None = None,
    occasions: Sequence[Occasion] = (),
) -> list[Candidate]:
    """Return the dormant and cooling links that may be proposed, best first (`rested`: as
    `excluded` says; `acquainted`: who already knows whom, for introductions; `occasions`:
    the firm's upcoming ones). Dormant come before cooling; within each, a link whose two
    people attend the same upcoming occasion (a junction) before every other, then by score.

    A link whose facts the contract refuses (a ValueError while writing its reasons or
    gesture) costs its own card only when `dropped` is given: it is told, and left out.
    Without it, the error is raised."""
    active_people = [lk.other for lk in links if lk.stage in ACTIVE_STAGES]
    active_network = {k for p in active_people for k in p.keys("sector", "skill")}
    ceiling = math.log1p(4 * rules.strong_peak)
    candidates = []
    for link in links:
        if excluded(link, now, rules, rested=rested) is not None:
            continue
        hook = fresh_hook(link, now, rules.hook_s)
        met = junction(me.id, link.other.id, occasions, now=now, horizon_s=rules.horizon_s)
        novel, novel_keys = novelty(me, link.other, active_network)
        shared = len(me.keys() & link.other.keys())
        components = {
            "past": min(1.0, math.log1p(link.peak) / ceiling),
            "trust": reciprocity(link.initiated_by_me, link.initiated_by_other),
            "affinity": min(1.0, shared / 3),
            "novelty": novel,
            "hook": 1.0 if hook else 0.0,
        }
        penalty = min(MAX_PENALTY, PENALTY_PER_PAST_SUGGESTION * link.times_suggested_to_me)
        score = sum(WEIGHTS[k] * v for k, v in components.items()) - penalty
        components["fatigue_penalty"] = penalty
        try:
            reasons = _reasons(me, link, hook, novel_keys, met)
            gesture = choose_gesture(
                me,
                link,
                hook,
                active_people,
                seed,
                acquainted,
                occasions,
                now=now,
                horizon_s=rules.horizon_s,
            )
        except ValueError as exc:
            if dropped is None:
                raise
            dropped(link.other.id, exc)
            continue
        candidates.append(
            Candidate(
                link=link,
                score=round(score, 6),
                components={k: round(v, 6) for k, v in components.items()},
                reasons=reasons,
                gesture=gesture,
            )
        )
    candidates.sort(
        key=lambda c: (c.link.stage != "dormant", not has_junction(c), -c.score, c.link.other.id)
    )
    return candidates


def has_junction(candidate: Candidate) -> bool:
    """Tell whether a candidate's two people attend the same upcoming occasion."""
    return any(isinstance(r, JunctionReason) for r in candidate.reasons)


def best_per_stage(ranked: list[Candidate], *, dormant: int, cooling: int) -> list[Candidate]:
    """Keep the best `dormant` dormant candidates, then the best `cooling` cooling ones."""
    chosen = [c for c in ranked if c.link.stage == "dormant"][:dormant]
    return chosen + [c for c in ranked if c.link.stage == "cooling"][:cooling]
