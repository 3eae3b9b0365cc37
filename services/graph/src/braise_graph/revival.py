"""Answer the revival-candidates contract (`braise_shared.candidates`) for many readers: one
read for them all, then each reader ranked and written on their own, so that data a reader's
candidates cannot be made of costs that reader only, listed in `failed` with the reason,
logged and counted (`braise_candidates_failed_total`)."""

import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from braise_graph.ranking import ACTIVE_STAGES, Candidate, DroppedCard, LinkFacts, introducers
from braise_graph.reads import GraphReader
from braise_shared.candidates import (
    CandidatesBatch,
    FailedReader,
    RevivalCandidate,
    RevivalCandidates,
)
from braise_shared.locales import DEFAULT_LOCALE
from braise_shared.metrics import CANDIDATES_FAILED, CARDS_DROPPED
from braise_shared.periods import week_period

log = logging.getLogger(__name__)

MAX_REASON = 500  # characters of a failure's reason kept in the answer


def revival_batch(
    reader: GraphReader,
    consultant_ids: list[str],
    *,
    now: float,
    dormant: int,
    cooling: int,
    rested: bool = True,
) -> CandidatesBatch:
    """Return the candidates of each consultant, in the order given, at time now: at most
    `dormant` dormant then `cooling` cooling, best first; unknown ids and readers that could
    not be answered apart. A failed read of the graph raises, for the whole batch.

    One query reads every reader's links and the firm's upcoming occasions. Each reader is
    ranked once; then one read of the graph tells which of the people an introduction could
    name already know each other, and the chosen people's gestures are chosen again knowing
    it (a gesture does not change the ranking)."""
    read = reader.ranking_read(consultant_ids, now=now)
    inputs, occasions = read.inputs, read.occasions
    seed = week_of(now)
    ranked: dict[str, list[Candidate]] = {}
    failed = []
    for consultant_id in consultant_ids:
        if consultant_id not in inputs:
            continue
        props, links = inputs[consultant_id]
        try:
            ranked[consultant_id] = reader.best_candidates(
                props,
                links,
                now=now,
                seed=seed,
                dormant=dormant,
                cooling=cooling,
                rested=rested,
                dropped=_dropped_card(consultant_id),
                occasions=occasions,
            )
        except Exception as exc:  # noqa: BLE001 - one reader's bad datum must not fail the others
            failed.append(_failed(consultant_id, exc))
    known = reader.acquainted(_introductions(inputs, ranked))
    answers = []
    for consultant_id, chosen in ranked.items():
        props, links = inputs[consultant_id]
        try:
            regestured = reader.with_gestures(
                props,
                links,
                chosen,
                now=now,
                seed=seed,
                acquainted=lambda a, b: (min(a, b), max(a, b)) in known,
                occasions=occasions,
            )
            answers.append(_answer(consultant_id, now, props, regestured))
        except Exception as exc:  # noqa: BLE001 - one reader's bad datum must not fail the others
            failed.append(_failed(consultant_id, exc))
    order = {c: n for n, c in enumerate(consultant_ids)}
    return CandidatesBatch(
        at=_dt(now),
        answers=sorted(answers, key=lambda a: order[a.consultant_id]),
        unknown=[c for c in consultant_ids if c not in inputs],
        failed=sorted(failed, key=lambda f: order[f.consultant_id]),
    )


def _failed(consultant_id: str, exc: Exception) -> FailedReader:
    """Count and log a reader whose candidates could not be answered; return its entry."""
    reason = reason_of(exc)
    CANDIDATES_FAILED.labels(type(exc).__name__).inc()
    # The reason and where it was raised, not the traceback: a validation error's would
    # print the values refused (a note, a name) into the logs.
    log.error(
        "candidates not answered: %s (%s)",
        reason,
        _raised_at(exc),
        extra={"consultant_id": consultant_id},
    )
    return FailedReader(consultant_id=consultant_id, reason=reason)


def _introductions(
    inputs: dict[str, tuple[dict[str, Any], list[LinkFacts]]],
    ranked: dict[str, list[Candidate]],
) -> set[tuple[str, str]]:
    """Return every (introducer, person) pair an introduction could name in this batch: for
    each reader's chosen people, whoever of the reader's active network shares a tag with
    them (smaller id first)."""
    pairs: set[tuple[str, str]] = set()
    for consultant_id, chosen in ranked.items():
        _props, links = inputs[consultant_id]
        active = [lk.other for lk in links if lk.stage in ACTIVE_STAGES]
        for candidate in chosen:
            other = candidate.link.other
            for person, _tag in introducers(other, active):
                pairs.add((min(person.id, other.id), max(person.id, other.id)))
    return pairs


def _dropped_card(reader_id: str) -> DroppedCard:
    """Return what counts and logs a card left out of a reader's candidates."""

    def drop(other_id: str, exc: ValueError) -> None:
        CARDS_DROPPED.labels(type(exc).__name__).inc()
        log.error(
            "card left out: %s (%s)",
            reason_of(exc),
            _raised_at(exc),
            extra={"consultant_id": reader_id, "other_id": other_id},
        )

    return drop


def reason_of(exc: Exception) -> str:
    """Return why a reader failed. A validation error names its fields and rules without the
    values refused: someone else's note or name would land in the notifier's ledger."""
    if isinstance(exc, ValidationError):
        detail = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or exc.title}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
        text = f"{type(exc).__name__} ({exc.title}): {detail}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_REASON]


def _raised_at(exc: Exception) -> str:
    """Return the last line of Braise's own code the exception went through."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "braise_" in f.filename] or frames
    if not ours:
        return "unknown"
    return f"{Path(ours[-1].filename).name}:{ours[-1].lineno} in {ours[-1].name}"


def week_of(now: float) -> str:
    """Return the ranking's seed: the ISO week of now (the same all week)."""
    return week_period(_dt(now))


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _answer(
    consultant_id: str, now: float, props: dict[str, Any], chosen: list[Candidate]
) -> RevivalCandidates:
    return RevivalCandidates(
        consultant_id=consultant_id,
        at=_dt(now),
        locale=props.get("locale") or DEFAULT_LOCALE,
        candidates=[_candidate_out(c) for c in chosen],
    )


def _candidate_out(c: Candidate) -> RevivalCandidate:
    return RevivalCandidate(
        other_id=c.link.other.id,
        other_name=c.link.other.name,
        stage=c.link.stage,
        score=c.score,
        components=c.components,
        strength=round(c.link.strength, 6),
        peak=round(c.link.peak, 6),
        last_at=_dt(c.link.last_at),
        reasons=c.reasons,
        gesture=c.gesture,
    )
