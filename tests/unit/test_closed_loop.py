"""The closed loop: a suggestion revived its link if the pair met within 8 weeks after it."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from braise_notifier.db import DigestRow, make_engine, session_factory, unit_of_work
from braise_notifier.pages.loop import (
    Rate,
    Sent,
    meetings_of,
    pair,
    revival_rates,
    sent_suggestions,
)
from braise_notifier.projections import project
from tests.support import events as ev

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
NOW = T0 + timedelta(weeks=20)


def _sent(other: str, stage: str, gesture: str, at: datetime = T0) -> Sent:
    return Sent("r", other, stage, gesture, at)


def test_a_meeting_within_eight_weeks_after_the_digest_counts_once_per_suggestion() -> None:
    meetings = {
        pair("r", "a"): [T0 + timedelta(weeks=3), T0 + timedelta(weeks=4)],
        pair("r", "b"): [T0 + timedelta(weeks=9)],  # too late
        pair("r", "c"): [T0 - timedelta(days=1)],  # before the digest
    }
    sent = [
        _sent("a", "dormant", "invite"),
        _sent("b", "dormant", "invite"),
        _sent("c", "cooling", "congratulate"),
        _sent("d", "cooling", "invite"),
    ]
    rates = revival_rates(sent, meetings, now=NOW)
    assert rates["gesture"] == [Rate("congratulate", 1, 0), Rate("invite", 3, 1)]
    assert rates["stage"] == [Rate("cooling", 2, 0), Rate("dormant", 2, 1)]
    assert rates["stage"][1].rate == 0.5


def test_a_suggestion_whose_window_is_still_open_is_not_counted_yet() -> None:
    recent = _sent("a", "dormant", "invite", at=NOW - timedelta(weeks=2))
    assert revival_rates([recent], {}, now=NOW) == {"gesture": [], "stage": [], "reason": []}


def test_a_suggestion_counts_once_under_the_reason_that_set_it_apart() -> None:
    meetings = {pair("r", "a"): [T0 + timedelta(weeks=1)], pair("r", "d"): [T0 + timedelta(days=3)]}
    common = ("was_strong", "last_seen", "shared")
    sent = [
        Sent("r", "a", "dormant", "invite", T0, (*common, "hook.skill")),
        Sent("r", "b", "dormant", "invite", T0, common),
        Sent("r", "d", "dormant", "invite", T0, ("was_strong", "last_seen")),
        Sent("r", "c", "cooling", "share", T0),  # a digest sent before reasons were kept
    ]
    rates = revival_rates(sent, meetings, now=NOW)
    assert rates["reason"] == [
        Rate("hook.skill", 1, 1),
        Rate("shared", 1, 0),
        Rate("was_strong", 1, 1),
    ]
    assert sum(r.suggestions for r in rates["reason"]) == 3  # one count per suggestion


def test_meetings_come_from_interaction_events_per_pair_and_a_replay_adds_nothing(
    tmp_path: Path,
) -> None:
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))
    group = ev.interaction([1, 2, 3], 100.0)
    project(factory, [group, group])
    project(factory, [group])
    with factory() as session:
        seen = meetings_of(session)
    ids = sorted(str(ev.cid(n)) for n in (1, 2, 3))
    assert sorted(seen) == [(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])]
    assert all(len(times) == 1 for times in seen.values())


def test_the_ledger_gives_every_suggestion_of_every_sent_digest(tmp_path: Path) -> None:
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))
    proposed = [{"consultant_id": "b", "stage": "dormant", "gesture": "invite"}]
    with unit_of_work(factory) as session:
        for cid, state in (("a", "sent"), ("z", "failed")):
            session.add(
                DigestRow(
                    period="2026-W02",
                    consultant_id=cid,
                    state=state,
                    sent_at=T0,
                    suggestions=json.dumps(proposed),
                    created_at=T0,
                )
            )
    with factory() as session:
        assert sent_suggestions(session) == [Sent("a", "b", "dormant", "invite", T0)]
