"""The demo firm's past: a few periods of digests that some consultants acted on, so the firm's
view has a closed loop to show from the first run.

A digest cannot be sent in the past, so the past periods are simulated, and say so:

- for each past period (16, 14, 12 and 10 weeks ago: their 8 weeks have closed), a share of the
  consultants get a digest: the graph's real revival candidates *as of that day*
  (`POST /v3/revival-candidates` with `at`, 200 readers a request), written into the
  notifier's ledger as sent that day (no e-mail goes out; `message_id` stays empty);
- some readers act on some suggestions: the pair's interaction is recorded through the profiles
  API, dated in the weeks after the digest, so it flows as every interaction does (graph,
  notifier's meetings); how likely depends on the gesture kind and the stage (made up, see
  `ACTS`), so the table by gesture is not flat;
- some readers answer: `suggestion.feedback` events on the stream, as the notifier's links
  publish them (done for most who acted; not now or never for a few who did not).

Everything is seeded and keyed (the ledger's period and reader, the interactions' idempotency
key, the events' ids), so running the demo again adds nothing.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from braise_cli.operator import Braise
from braise_notifier.compose import reason_code
from braise_notifier.db import make_engine, session_factory
from braise_notifier.ledger import PastDigest, period_has_digests, record_past_period
from braise_notifier.schedule import week_period
from braise_shared.candidates import MAX_BATCH, CandidatesBatch
from braise_shared.events import SuggestionFeedbackV2, SuggestionFeedbackWithUndo, dump_event
from braise_shared.publisher import EventPublisher

PAST_WEEKS = (16, 14, 12, 10)
READERS_SHARE = 0.4
# How likely a reader does the suggested gesture (made up for the demo).
ACTS = {"congratulate": 0.45, "invite": 0.35, "ask_news": 0.3, "share": 0.25, "introduce": 0.15}
DORMANT_FACTOR = 0.7  # a long-quiet link is harder to wake than a cooling one
SAYS_DONE = 0.6  # of those who acted, how many click "done"
SAYS_NOT_NOW, SAYS_NEVER = 0.12, 0.04  # of those who did not
FEEDBACK_IDS = uuid.UUID("5d1c7a8e-2b7e-4f0b-9a57-3e4a1c2b9d60")


@dataclass
class History:
    """What the simulation wrote."""

    periods: list[str] = field(default_factory=list)
    digests: int = 0
    suggestions: int = 0
    acted: int = 0
    answers: int = 0
    interactions: int = 0


def simulate_history(braise: Braise, *, seed: int, now: datetime | None = None) -> History:
    """Simulate the past periods that the ledger does not hold yet; return what was written."""
    today = (now or datetime.now(UTC)).date()
    rnd = random.Random(seed)  # noqa: S311 - simulated history, reproducible by seed
    factory = session_factory(make_engine(braise.settings.database_url("notifier")))
    ids = sorted(_consultant_ids(braise))
    history = History()
    publisher = EventPublisher(braise.redis())
    for weeks in PAST_WEEKS:
        day = datetime.combine(today - timedelta(weeks=weeks), time(9), tzinfo=UTC)
        period = week_period(day.date())
        if period_has_digests(factory, period):
            continue
        history.periods.append(period)
        readers = rnd.sample(ids, round(len(ids) * READERS_SHARE))
        rows, interactions, answers = [], [], []
        candidates = _candidates(braise, readers, day)
        for reader in readers:
            proposed = candidates.get(reader)
            if not proposed:
                continue
            rows.append(PastDigest(reader, day, proposed))
            for c in proposed:
                chance = ACTS.get(c["gesture"], 0.2)
                chance *= DORMANT_FACTOR if c["stage"] == "dormant" else 1
                when = day + timedelta(days=rnd.randint(2, 40), hours=rnd.randint(0, 8))
                if rnd.random() < chance:
                    history.acted += 1
                    interactions.append(_met(reader, c["consultant_id"], when, rnd))
                    if rnd.random() < SAYS_DONE:
                        answers.append(_answer(reader, c["consultant_id"], "done", period, when))
                else:
                    r = rnd.random()
                    action = "never" if r < SAYS_NEVER else "not_now" if r < SAYS_NOT_NOW else None
                    if action:
                        answers.append(_answer(reader, c["consultant_id"], action, period, day))
        record_past_period(factory, period, rows)
        braise.record_interactions(interactions, key=f"demo-history-{seed}-{period}")
        publisher.publish_many([(str(a.id), dump_event(a)) for a in answers])
        history.digests += len(rows)
        history.suggestions += sum(len(r.proposed) for r in rows)
        history.answers += len(answers)
        history.interactions += len(interactions)
    return history


def _consultant_ids(braise: Braise) -> Iterator[str]:
    cursor = None
    while True:
        page = braise.consultants_page(cursor)
        yield from (item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return


def _candidates(
    braise: Braise, readers: list[str], day: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Return what a digest of that day would have proposed to each reader (3 dormant, 2
    cooling), asking the graph for `MAX_BATCH` readers at a time; a reader the graph could
    not rank (`failed`) gets none, as a digest would have gone out to them later."""
    proposed: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(readers), MAX_BATCH):
        ids = readers[start : start + MAX_BATCH]
        batch = CandidatesBatch.model_validate_json(braise.candidates_of_many_at(ids, day))
        for answer in batch.answers:
            proposed[answer.consultant_id] = [
                {
                    "consultant_id": c.other_id,
                    "stage": c.stage,
                    "gesture": c.gesture.kind,
                    "reasons": [reason_code(r) for r in c.reasons],
                }
                for c in answer.candidates
            ]
    return proposed


def _met(reader: str, other: str, when: datetime, rnd: random.Random) -> dict[str, Any]:
    return {
        "kind": rnd.choice(["message", "call", "lunch"]),
        "participants": [reader, other],
        "occurred_at": when.isoformat(),
        "initiator": reader,
        "note": None,
    }


def _answer(
    reader: str, other: str, action: str, period: str, when: datetime
) -> SuggestionFeedbackV2:
    return SuggestionFeedbackV2(
        id=uuid.uuid5(FEEDBACK_IDS, f"{action}:{reader}:{other}:{period}"),
        occurred_at=when,
        producer="demo",
        data=SuggestionFeedbackWithUndo.model_validate(
            {"consultant_id": reader, "other_id": other, "action": action, "period": period}
        ),
    )
