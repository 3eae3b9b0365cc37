"""Reads of the graph: a consultant's links with their stages, revival candidates, stats."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from neo4j import READ_ACCESS, Driver, Record, RoutingControl, Session
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from braise_graph.config import DAY_S, GraphSettings
from braise_graph.links import logged
from braise_graph.model import Strength, strength_at
from braise_graph.occasions import Occasion
from braise_graph.people import NodeState
from braise_graph.ranking import (
    ACTIVE_STAGES,
    Acquainted,
    Candidate,
    DroppedCard,
    LinkFacts,
    News,
    Person,
    RankingRules,
    best_per_stage,
    choose_gesture,
    fresh_hook,
    rank,
)
from braise_graph.read_cypher import (
    ALL_LINKS,
    COUNTS,
    DECLINED_BY,
    LINKED_PAIRS,
    LINKS_OF,
    PEOPLE,
    RANKING_READ,
    UPCOMING_OCCASIONS,
)
from braise_graph.stages import STAGES, Stage, StageRules, stage_of


class UnknownConsultantError(LookupError):
    """The graph holds no consultant with this id (never registered, or erased)."""


@dataclass(frozen=True)
class LinkView:
    """One link as the API shows it."""

    facts: LinkFacts
    strength: float


def person_of(props: dict[str, Any]) -> Person:
    """Return the ranking's view of a consultant node."""
    return _person(NodeState.from_properties(props))


def _person(state: NodeState) -> Person:
    return Person(
        id=state.id,
        name=state.name or "?",
        city=state.city,
        tags={facet: dict(pairs) for facet, pairs in state.tags.items()},  # type: ignore[misc]
    )


def _news(state: NodeState, props: dict[str, Any]) -> list[News]:
    news = [News(kind, label, at) for kind, label, at in state.news]  # type: ignore[arg-type]
    if props.get("last_mission_at") is not None:
        news.append(News("mission", props.get("last_mission_note") or "", props["last_mission_at"]))
    return news


@dataclass(frozen=True)
class RankingRead:
    """What ranking some consultants needs: by consultant id, their node's properties and the
    links a ranking looks at; the firm's upcoming occasions (none when no id is known)."""

    inputs: dict[str, tuple[dict[str, Any], list[LinkFacts]]]
    occasions: tuple[Occasion, ...]


T = TypeVar("T")


class GraphReader:
    """Answers the read API from Neo4j with the model's rules."""

    def __init__(self, driver: Driver, settings: GraphSettings) -> None:
        self.driver = driver
        self.settings = settings
        self.rate = settings.decay_rate
        self.stage_rules = StageRules.from_settings(settings)
        self.ranking_rules = RankingRules(
            fatigue_s=settings.fatigue_days * DAY_S,
            hook_s=settings.hook_days * DAY_S,
            strong_peak=settings.strong_peak,
            cooling_min_peak=settings.active_min,
            horizon_s=settings.occasion_horizon_days * DAY_S,
        )

    def _retried(self, read: Callable[[Session], T]) -> T:
        """Read in one auto-commit session, a round trip less than a transaction (which reads
        do not need); what failed for a transient reason is tried once more."""
        for attempt in (1, 2):
            try:
                with self.driver.session(default_access_mode=READ_ACCESS) as session:
                    return read(session)
            except (ServiceUnavailable, SessionExpired, TransientError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def links(self, consultant_id: str, *, now: float) -> list[LinkView]:
        """Return every link of a consultant with its strength and stage at time now.

        Raise UnknownConsultantError for an unknown id.
        """
        found = self._retried(lambda session: self._read_links(session, [consultant_id], now))
        if consultant_id not in found:
            raise UnknownConsultantError(consultant_id)
        views, _ = found[consultant_id]
        return views

    def _read_links(
        self, tx: Session, consultant_ids: list[str], now: float
    ) -> dict[str, tuple[list[LinkView], dict[str, Any]]]:
        """Read the links of the consultants and their stages (one query for them all), then
        the consultants and the people at the other ends (a second one).

        Return (views, node properties) by consultant id; unknown ids are left out."""
        staged: dict[str, list[tuple[Record, float, Stage]]] = {c: [] for c in consultant_ids}
        for record in tx.run(LINKS_OF, ids=consultant_ids):
            link = record["link"]
            if "s_ref" not in link:
                continue
            state = Strength(link["s_ref"], link["t_ref"], link["peak"], link["peak_at"])
            strength = strength_at(state, now, self.rate)
            staged[record["me_id"]].append((record, strength, self._stage(link, strength, now)))
        ids = {*consultant_ids, *(r["other_id"] for rows in staged.values() for r, _, _ in rows)}
        people = {r["props"]["id"]: r["props"] for r in tx.run(PEOPLE, ids=sorted(ids))}
        found = {}
        for consultant_id, rows in staged.items():
            if consultant_id not in people:
                continue
            views = [
                LinkView(
                    self._facts(record, people[record["other_id"]], stage, strength, now),
                    strength,
                )
                for record, strength, stage in rows
                if record["other_id"] in people  # erased since the links were read
            ]
            views.sort(key=lambda v: (-v.strength, v.facts.other.id))
            found[consultant_id] = (views, people[consultant_id])
        return found

    def _facts(
        self,
        record: Record | dict[str, Any],
        other: dict[str, Any],
        stage: Stage,
        strength: float,
        now: float,
    ) -> LinkFacts:
        link, me_is_a = record["link"], record["me_is_a"]
        other_state = NodeState.from_properties(other)
        return LinkFacts(
            other=_person(other_state),
            stage=stage,
            strength=strength,
            peak=link["peak"],
            peak_at=link["peak_at"],
            first_at=link["first_at"],
            last_at=link["last_at"],
            count=link["count"],
            kind_counts=dict(zip(link["kinds"], link["kind_counts"], strict=True)),
            initiated_by_me=link["init_a"] if me_is_a else link["init_b"],
            initiated_by_other=link["init_b"] if me_is_a else link["init_a"],
            last_mission_note=link.get("last_mission_note"),
            suggestable=bool(other.get("suggestable", True)) and not other.get("placeholder"),
            news=_news(other_state, other),
            suggested_to_me_at=record["suggested_at"],
            times_suggested_to_me=record["suggested_count"],
            declined=record["declined"],
            not_now_at=record["not_now_at"],
            log=logged(link.get("log_t"), link.get("log_k")),
            missions=logged(link.get("mission_t"), link.get("mission_notes")),
        )

    def _stage(self, link: dict[str, Any], strength: float, now: float) -> Stage:
        return stage_of(
            self.stage_rules,
            strength=strength,
            peak=link["peak"],
            first_at=link["first_at"],
            last_at=link["last_at"],
            count=link["count"],
            now=now,
        )

    def ranking_read(self, consultant_ids: list[str], *, now: float) -> RankingRead:
        """Return what ranking these consultants at time now needs, read in one query (one
        round trip, one record): each known consultant's node properties and the links a
        ranking looks at (faded ones left out), strongest first; and the firm's upcoming
        occasions, as `upcoming_occasions` returns them. Unknown ids are left out."""
        params = {
            "ids": list(dict.fromkeys(consultant_ids)),
            "now": now,
            "until": now + self.ranking_rules.horizon_s,
            "strong_peak": self.stage_rules.strong_peak,
            "quiet_s": self.stage_rules.dormant_quiet_s,
            "faded_below": self.stage_rules.faded_below,
            "rate": self.rate,
        }
        record = self._retried(
            lambda session: session.run(RANKING_READ, params).single(strict=True)
        )
        inputs = {}
        for props, rows in record["readers"]:
            links = []
            for row in rows:
                link = row["link"]
                state = Strength(link["s_ref"], link["t_ref"], link["peak"], link["peak_at"])
                strength = strength_at(state, now, self.rate)
                stage = self._stage(link, strength, now)
                if stage != "faded":
                    links.append(self._facts(row, row["other"], stage, strength, now))
            links.sort(key=lambda f: (-f.strength, f.other.id))
            inputs[props["id"]] = (props, links)
        occasions = tuple(Occasion.from_record(*o) for o in record["occasions"])
        return RankingRead(inputs, occasions if inputs else ())

    def best_candidates(
        self,
        props: dict[str, Any],
        links: list[LinkFacts],
        *,
        now: float,
        seed: str,
        dormant: int,
        cooling: int,
        rested: bool = True,
        acquainted: Acquainted | None = None,
        dropped: DroppedCard | None = None,
        occasions: tuple[Occasion, ...] = (),
    ) -> list[Candidate]:
        """Return a consultant's best candidates among their links at time now: at most
        `dormant` dormant ones, then at most `cooling` cooling ones (`acquainted`: who already
        knows whom, so that no introduction is proposed between them; `dropped`: told of each
        card the facts could not make, which is left out, as `ranking.rank` says; `occasions`:
        the firm's upcoming ones, `upcoming_occasions`)."""
        ranked = rank(
            person_of(props),
            links,
            now=now,
            rules=self.ranking_rules,
            seed=seed,
            rested=rested,
            acquainted=acquainted or (lambda a, b: False),
            dropped=dropped,
            occasions=occasions,
        )
        return best_per_stage(ranked, dormant=dormant, cooling=cooling)

    def with_gestures(
        self,
        props: dict[str, Any],
        links: list[LinkFacts],
        chosen: list[Candidate],
        *,
        now: float,
        seed: str,
        acquainted: Acquainted,
        occasions: tuple[Occasion, ...] = (),
    ) -> list[Candidate]:
        """Return the chosen candidates with their gestures chosen again, knowing who already
        knows whom (their ranking and reasons stay)."""
        me = person_of(props)
        active = [lk.other for lk in links if lk.stage in ACTIVE_STAGES]
        rules = self.ranking_rules
        return [
            replace(
                c,
                gesture=choose_gesture(
                    me,
                    c.link,
                    fresh_hook(c.link, now, rules.hook_s),
                    active,
                    seed,
                    acquainted,
                    occasions,
                    now=now,
                    horizon_s=rules.horizon_s,
                ),
            )
            for c in chosen
        ]

    def upcoming_occasions(self, *, now: float) -> tuple[Occasion, ...]:
        """Return the firm's occasions that start after now and within the horizon, with
        their attendees, soonest first: read once for a whole batch of readers."""
        records, _, _ = self.driver.execute_query(
            UPCOMING_OCCASIONS,
            now=now,
            until=now + self.ranking_rules.horizon_s,
            routing_=RoutingControl.READ,
        )
        return tuple(
            Occasion.from_record(r["props"], r["attendees"], r["declined"]) for r in records
        )

    def acquainted(self, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Return which of these pairs (smaller id first) already share a link, in one read."""
        if not pairs:
            return set()
        records, _, _ = self.driver.execute_query(
            LINKED_PAIRS, pairs=sorted(map(list, pairs)), routing_=RoutingControl.READ
        )
        return {(r["a"], r["b"]) for r in records}

    def declined(self, consultant_id: str) -> list[tuple[str, str, float | None]]:
        """Return (id, name, when) of each person the consultant said never to, latest first.

        Raise UnknownConsultantError for an unknown id.
        """
        records, _, _ = self.driver.execute_query(
            DECLINED_BY, id=consultant_id, routing_=RoutingControl.READ
        )
        if not records:
            raise UnknownConsultantError(consultant_id)
        return [
            (r["other_id"], r["other_name"] or "?", r["at"])
            for r in records
            if r["other_id"] is not None
        ]

    def stats(self, *, now: float | None = None) -> dict[str, Any]:
        """Return counts of consultants, links by stage, and events applied."""
        at = time.time() if now is None else now
        records, _, _ = self.driver.execute_query(COUNTS)
        by_stage = dict.fromkeys(STAGES, 0)
        for _a, _b, stage in self.staged_links(now=at):
            by_stage[stage] += 1
        return {
            "consultants": records[0]["consultants"],
            "links_by_stage": by_stage,
            "links": sum(by_stage.values()),
            "events_applied": records[0]["applied"],
        }

    def staged_links(self, *, now: float) -> Iterator[tuple[str, str, Stage]]:
        """Yield every link of the graph as its two ids and its stage at time now."""
        with self.driver.session(default_access_mode=READ_ACCESS) as session:
            for record in session.run(ALL_LINKS):
                if record["s_ref"] is None:
                    continue
                state = Strength(
                    record["s_ref"], record["t_ref"], record["peak"], record["peak_at"]
                )
                strength = strength_at(state, now, self.rate)
                yield record["a"], record["b"], self._stage(dict(record), strength, now)
